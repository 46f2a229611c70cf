/** What a host's libvirt says of the VM: its state (`running`, `paused`, …), null when it has no such domain. */
export type SeenState = string | null;

/** Where a VM whose migrate step failed is: moved, stayed on the source, or not settled yet. */
export type WhereAfterFailedPivot = 'moved' | 'stayed' | 'unsure';

/**
 * Where a VM whose migrate step failed is, from what each host said (undefined: the host did not answer).
 * Only the destination resumes a migrated VM, and only once the move is complete, so the VM running there
 * settles it whatever the source says (paused after the switch, or nothing while its libvirtd restarts).
 * The VM running on the source alone means it stayed. Anything else is not settled yet: with p2p migration
 * the source's libvirtd finishes the job, so while it restarts the destination holds the VM paused
 * (incoming) until the restarted daemon resumes it there or gives it back to the source (the testbed fault
 * matrix's source-libvirtd-restart during migrate). Running on both would be libvirt breaking its own
 * protocol: unsure as well.
 */
export function whereAfterFailedPivot(source: SeenState | undefined, destination: SeenState | undefined): WhereAfterFailedPivot {
  if (destination === 'running' && source !== 'running') return 'moved';
  if (source === 'running' && destination !== 'running') return 'stayed';
  return 'unsure';
}

/** The rule runs recorded before the looks above keep (replay): one look, both hosts answering, the source without the VM. */
export function movedDespiteFailureV1(source: SeenState | undefined, destination: SeenState | undefined): boolean {
  const there = (s: SeenState | undefined): boolean => s === 'running' || s === 'paused';
  return source !== undefined && !there(source) && destination !== undefined && there(destination);
}
