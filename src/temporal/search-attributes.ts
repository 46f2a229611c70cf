import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Registered by temporal-dev.yml (and, on a cluster, by `temporal operator search-attribute create`). */
export const VmName = defineSearchAttributeKey('VmName', SearchAttributeType.KEYWORD);
export const SourceHost = defineSearchAttributeKey('SourceHost', SearchAttributeType.KEYWORD);
export const DestinationHost = defineSearchAttributeKey('DestinationHost', SearchAttributeType.KEYWORD);
export const MigrationPhase = defineSearchAttributeKey('MigrationPhase', SearchAttributeType.KEYWORD);
export const EvacuatedHost = defineSearchAttributeKey('EvacuatedHost', SearchAttributeType.KEYWORD);
export const EvacuationState = defineSearchAttributeKey('EvacuationState', SearchAttributeType.KEYWORD);
