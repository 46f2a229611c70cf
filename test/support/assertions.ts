import assert from 'node:assert/strict';
import type { ModelEnv } from './model-env.js';

/** The promise of every failure before the pivot: the VM where it was, with its VF back and standby down. */
export async function assertBackOnSource(env: ModelEnv, vm: string, source: string, destination: string, vf: string): Promise<void> {
  assert.equal(env.fleet.whereIs(vm), source, `${vm} should still be on ${source}`);
  const model = env.fleet.vm(vm);
  const primary = model?.interfaces.find((i) => i.type === 'hostdev');
  assert.equal(primary?.hostPciAddress, vf, `${vm} should hold its VF ${vf} again`);
  assert.equal(model?.interfaces.find((i) => i.alias === 'ua-backup0')?.link, 'down', 'standby link should be down again');
  assert.equal(await env.services.get(destination)?.vfs.bookingOf(vm), null, `${destination} should hold no booking for ${vm}`);
  assert.equal((await env.services.get(source)?.vfs.bookingOf(vm))?.booking.state, 'attached');
}

/** Where each op ran, in order, as `host:op`, for asserting the order of actions and compensations. */
export function opTrail(env: ModelEnv, vm: string, ops: string[]): string[] {
  return env.fleet.log.filter((r) => r.vm === vm && ops.includes(r.op)).map((r) => `${r.host}:${r.op}${r.detail && r.op === 'setLinkState' ? `(${r.detail})` : ''}`);
}
