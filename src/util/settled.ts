/** A settled promise's value, or its rejection thrown here: lets callers start calls together yet report failures in the order they check them. */
export function valueOf<T>(result: PromiseSettledResult<T>): T {
  if (result.status === 'rejected') throw result.reason;
  return result.value;
}
