import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import proto from '@temporalio/proto';
import { loadTemporalDevConfig } from '../../src/config/temporal-dev.js';
import { indexedValueType, searchAttributeChanges, searchAttributeTypeName } from '../../src/temporal/search-attribute-registration.js';

const { IndexedValueType } = proto.temporal.api.enums.v1;

void describe('registering search attributes on a cluster (setup-namespace)', () => {
  void it('adds only what is missing, leaves what is there, and ignores attributes of others', () => {
    const changes = searchAttributeChanges(
      { VmName: 'Keyword', SourceHost: 'Keyword', Started: 'Datetime' },
      { VmName: 'Keyword', CustomerId: 'Int' },
    );
    assert.deepEqual(changes, { add: { SourceHost: 'Keyword', Started: 'Datetime' }, present: ['VmName'], conflicts: [] });
  });

  void it('a second run has nothing to add', () => {
    const wanted = { VmName: 'Keyword', Attempts: 'Int' } as const;
    assert.deepEqual(searchAttributeChanges(wanted, { ...wanted }), { add: {}, present: ['VmName', 'Attempts'], conflicts: [] });
  });

  void it('an attribute registered with another type is a conflict named with the way out, never re-typed', () => {
    const changes = searchAttributeChanges({ VmName: 'Keyword' }, { VmName: 'Text' });
    assert.deepEqual(changes.add, {});
    assert.deepEqual(changes.conflicts, [
      "search attribute VmName is registered as Text, vfmigrate needs Keyword: use a namespace of vfmigrate's own (TEMPORAL_NAMESPACE)",
    ]);
  });

  void it('maps every type temporal-dev.yml can name to the operator API enum and back', () => {
    assert.equal(indexedValueType('Keyword'), IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD);
    assert.equal(indexedValueType('KeywordList'), IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST);
    for (const name of ['Text', 'Keyword', 'Int', 'Double', 'Bool', 'Datetime', 'KeywordList'] as const) {
      assert.equal(searchAttributeTypeName(indexedValueType(name)), name);
    }
    assert.equal(searchAttributeTypeName(IndexedValueType.INDEXED_VALUE_TYPE_UNSPECIFIED), 'type 0');
  });

  void it("registers exactly the dev server's attributes: the UI and `vfmigrate status` filter on the same ones everywhere", async () => {
    const dev = await loadTemporalDevConfig();
    assert.deepEqual(Object.keys(searchAttributeChanges(dev.searchAttributes, {}).add).sort(), [
      'DestinationHost',
      'EvacuatedHost',
      'EvacuationState',
      'MigrationPhase',
      'SourceHost',
      'VmName',
    ]);
  });
});
