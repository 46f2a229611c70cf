import { isGrpcServiceError, type Client } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time.js';
import { InputError } from '../errors.js';
import {
  indexedValueType,
  searchAttributeChanges,
  searchAttributeTypeName,
  type SearchAttributeTypeName,
} from '../temporal/search-attribute-registration.js';

/** A week of closed runs to look back at (status, reports); `temporal operator namespace update --retention` changes it. */
export const retentionDays = 7;

/** gRPC status codes (grpc-js is not a dependency of vfmigrate's own). */
const grpcAlreadyExists = 6;
const grpcNotFound = 5;

export interface NamespaceSetup {
  namespaceCreated: boolean;
  added: string[];
  present: string[];
}

/**
 * Registers the namespace and vfmigrate's search attributes on a Temporal cluster (the dev server does both
 * at start from temporal-dev.yml). Idempotent: what is there already is left as it is.
 */
export async function setupNamespace(client: Client, namespace: string, wanted: Record<string, SearchAttributeTypeName>): Promise<NamespaceSetup> {
  let namespaceCreated = true;
  try {
    await client.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs(`${retentionDays} days`) });
  } catch (err) {
    if (!(isGrpcServiceError(err) && Number(err.code) === grpcAlreadyExists)) throw err;
    namespaceCreated = false;
  }
  const existing = await untilNamespaceKnown(() => client.connection.operatorService.listSearchAttributes({ namespace }));
  const names = Object.fromEntries(Object.entries(existing.customAttributes ?? {}).map(([name, type]) => [name, searchAttributeTypeName(type)]));
  const changes = searchAttributeChanges(wanted, names);
  if (changes.conflicts.length) throw new InputError(`namespace ${namespace} cannot take vfmigrate's search attributes; nothing was changed`, changes.conflicts);
  const added = Object.keys(changes.add);
  if (added.length) {
    const searchAttributes = Object.fromEntries(Object.entries(changes.add).map(([name, type]) => [name, indexedValueType(type)]));
    await client.connection.operatorService.addSearchAttributes({ namespace, searchAttributes });
  }
  return { namespaceCreated, added, present: changes.present };
}

/** A namespace just registered reaches the frontend's namespace cache some seconds later; until then it is "not found". */
async function untilNamespaceKnown<T>(call: () => Promise<T>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await call();
    } catch (err) {
      if (!(isGrpcServiceError(err) && Number(err.code) === grpcNotFound) || Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}
