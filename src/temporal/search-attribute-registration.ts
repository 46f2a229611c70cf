import proto from '@temporalio/proto';
import type { TemporalDevConfig } from './dev-server-config.js';

const { IndexedValueType } = proto.temporal.api.enums.v1;

export type SearchAttributeTypeName = TemporalDevConfig['searchAttributes'][string];

/** temporal-dev.yml names the types as the Temporal CLI does; the operator API takes the enum. */
const indexedValueTypes: Record<SearchAttributeTypeName, proto.temporal.api.enums.v1.IndexedValueType> = {
  Text: IndexedValueType.INDEXED_VALUE_TYPE_TEXT,
  Keyword: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  Int: IndexedValueType.INDEXED_VALUE_TYPE_INT,
  Double: IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE,
  Bool: IndexedValueType.INDEXED_VALUE_TYPE_BOOL,
  Datetime: IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
  KeywordList: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
};

export function indexedValueType(name: SearchAttributeTypeName): proto.temporal.api.enums.v1.IndexedValueType {
  return indexedValueTypes[name];
}

export function searchAttributeTypeName(type: proto.temporal.api.enums.v1.IndexedValueType | null | undefined): string {
  const found = Object.entries(indexedValueTypes).find(([, t]) => t === type);
  return found ? found[0] : `type ${type ?? 'unknown'}`;
}

export interface SearchAttributeChanges {
  /** Not in the namespace yet: to add. */
  add: Record<string, SearchAttributeTypeName>;
  /** Already there with the wanted type. */
  present: string[];
  /** There with another type: a namespace set up for something else; changing a type is not Temporal's to do. */
  conflicts: string[];
}

/** What registering `wanted` in a namespace that has `existing` (name → type name) takes; `existing` may hold others' attributes too. */
export function searchAttributeChanges(wanted: Record<string, SearchAttributeTypeName>, existing: Record<string, string>): SearchAttributeChanges {
  const changes: SearchAttributeChanges = { add: {}, present: [], conflicts: [] };
  for (const [name, type] of Object.entries(wanted)) {
    const has = existing[name];
    if (has === undefined) changes.add[name] = type;
    else if (has === type) changes.present.push(name);
    else changes.conflicts.push(`search attribute ${name} is registered as ${has}, vfmigrate needs ${type}: use a namespace of vfmigrate's own (TEMPORAL_NAMESPACE)`);
  }
  return changes;
}
