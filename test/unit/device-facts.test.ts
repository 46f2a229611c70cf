import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { vfHoldersOf } from '../../src/domain/device-facts.js';
import { parseDomainXml } from '../../src/domain/parse-domain-xml.js';

const FIXTURES = new URL('../../../test/fixtures/domains/', import.meta.url);

void describe('vfHoldersOf', () => {
  void it('books the PCI address of a teamed VF', () => {
    const d = parseDomainXml(readFileSync(new URL('valid-hostdev.xml', FIXTURES), 'utf8'));
    assert.deepEqual(vfHoldersOf(d, 'hostdev'), [{ vm: 'web-01', pciAddress: '0000:3b:02.1' }]);
  });

  void it('books the emulated primary without an address', () => {
    const d = parseDomainXml(readFileSync(new URL('valid-testbed.xml', FIXTURES), 'utf8'));
    assert.deepEqual(vfHoldersOf(d, 'emulated'), [{ vm: 'vfm-guest', pciAddress: null }]);
    assert.deepEqual(vfHoldersOf({ ...d, interfaces: d.interfaces.filter((n) => n.model === 'virtio') }, 'emulated'), []);
  });

  void it('books a VF passed through without teaming', () => {
    const d = parseDomainXml(readFileSync(new URL('vf-without-teaming.xml', FIXTURES), 'utf8'));
    assert.ok(vfHoldersOf(d, 'hostdev').some((h) => h.pciAddress !== null));
  });
});
