import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import { attachVf } from '../../src/activities/attach-vf.js';
import { factsSchema, type Facts } from '../../src/activities/facts.js';
import { preflightSource } from '../../src/activities/preflight-source.js';
import type { StepInput } from '../../src/activities/step-input.js';
import { agentDecision, describeFailover, failoverViews, incompleteFailovers } from '../../src/domain/guest-failover.js';
import { parseDomainXml } from '../../src/domain/parse-domain-xml.js';
import { defaultPrimaryAlias } from '../../src/domain/primary-spec.js';
import { GuestAgentUnavailableError } from '../../src/hypervisor/errors.js';
import { ModelFleet } from '../../src/hypervisor/model.js';
import { classifyVirshError } from '../../src/hypervisor/virsh-command.js';
import { parseGuestInterfaces } from '../../src/hypervisor/virsh-output.js';
import { modelHostServices } from '../../src/workers/model-host-services.js';

const FIXTURES = new URL('../../../test/fixtures/domains/', import.meta.url);
const MAC = '52:54:00:6b:3c:58';

/** `virsh domifaddr --source agent` on the testbed (libvirt 9.0, qemu-ga 7.2 in the guest): net_failover's eth0/eth1/eth2. */
const DOMIFADDR = [
  ' Name       MAC address          Protocol     Address',
  '-------------------------------------------------------------------------------',
  ' lo         00:00:00:00:00:00    ipv4         127.0.0.1/8',
  ' -          -                    ipv6         ::1/128',
  ` eth0       ${MAC}    ipv4         10.0.2.15/24`,
  ' -          -                    ipv6         fec0::5054:ff:fe6b:3c58/64',
  ' -          -                    ipv6         fe80::5054:ff:fe6b:3c58/64',
  ` eth1       ${MAC}    N/A          N/A`,
  ` eth2       ${MAC}    ipv6         fe80::5054:ff:fe6b:3c58/64`,
  '',
].join('\n');

void describe('the guest agent view of net_failover', () => {
  void it('reads domifaddr rows by interface, from the right, whatever the guest named them', () => {
    assert.deepEqual(parseGuestInterfaces(DOMIFADDR), [
      { name: 'lo', mac: '00:00:00:00:00:00' },
      { name: 'eth0', mac: MAC },
      { name: 'eth1', mac: MAC },
      { name: 'eth2', mac: MAC },
    ]);
    // -q drops the header; a name with spaces and a MAC-looking word stays one name; no MAC column is no MAC.
    const hostile = ` a ${MAC} b    ${MAC}    N/A          N/A\n noaddr     00-00                ipv4         10.0.0.1/8\n`;
    assert.deepEqual(parseGuestInterfaces(hostile), [
      { name: `a ${MAC} b`, mac: MAC },
      { name: 'noaddr', mac: null },
    ]);
    assert.deepEqual(parseGuestInterfaces(''), []);
  });

  void it('needs each teamed MAC on three interfaces: master, standby and VF', () => {
    const guest = parseGuestInterfaces(DOMIFADDR);
    assert.deepEqual(incompleteFailovers(failoverViews(guest, [MAC])), []);
    const noVf = guest.filter((i) => i.name !== 'eth2');
    const [broken] = incompleteFailovers(failoverViews(noVf, [MAC, '52:54:00:00:00:02']));
    assert.equal(broken && describeFailover(broken), `${MAC} on 2 interfaces (eth0, eth1)`);
    assert.equal(incompleteFailovers(failoverViews(noVf, [MAC, '52:54:00:00:00:02'])).length, 2);
    // The guest's names reach a terminal escaped.
    assert.equal(describeFailover({ mac: MAC, interfaces: ['x\u001b[2Jy'] }), `${MAC} on 1 interface (x\\u001b[2Jy)`);
  });

  void it('asks the agent when the domain has one, unless the plan says skip; refuses without one only when required', () => {
    assert.deepEqual(agentDecision('optional', 'connected'), { ask: true });
    assert.deepEqual(agentDecision('optional', 'unknown'), { ask: true });
    assert.deepEqual(agentDecision('required', 'connected'), { ask: true });
    assert.match((agentDecision('optional', null) as { skip: string }).skip, /no guest agent channel/);
    assert.match((agentDecision('optional', 'disconnected') as { skip: string }).skip, /no guest agent is connected/);
    assert.match((agentDecision('required', null) as { refuse: string }).refuse, /requires the guest's view/);
    assert.match((agentDecision('required', 'disconnected') as { refuse: string }).refuse, /requires/);
    assert.deepEqual(agentDecision('skip', 'connected'), { ask: false, skip: 'the plan skips the guest agent' });
  });

  void it("reads the agent channel and its state from libvirt's live XML", () => {
    const xml = readFileSync(new URL('alias-prefix.xml', FIXTURES), 'utf8');
    assert.equal(parseDomainXml(xml).guestAgent, 'connected');
    assert.equal(parseDomainXml(xml.replace("state='connected'", "state='disconnected'")).guestAgent, 'disconnected');
    assert.equal(parseDomainXml(xml.replace(" state='connected'", '')).guestAgent, 'unknown');
    assert.equal(parseDomainXml(xml.replace("name='org.qemu.guest_agent.0'", "name='org.example.other'")).guestAgent, null);
    assert.equal(parseDomainXml(readFileSync(new URL('valid-testbed.xml', FIXTURES), 'utf8')).guestAgent, null);
  });

  void it("classifies libvirt's agent errors as a guest agent that may come back", () => {
    for (const stderr of [
      'error: Guest agent is not responding: QEMU guest agent is not connected\n',
      'error: argument unsupported: QEMU guest agent is not configured\n',
    ]) {
      const err = classifyVirshError(stderr, 'hostA');
      assert.ok(err instanceof GuestAgentUnavailableError, stderr);
      assert.equal(err.retryable, true);
    }
  });
});

/** A model fleet with hostA holding `vm-1` (guest as given) and hostB with a free VF. */
function fleetWith(guest: { guestAgent?: 'connected' | 'disconnected'; guestLacksVfDriver?: boolean }) {
  const fleet = new ModelFleet();
  fleet.addHost('hostA', { vfs: 1 });
  fleet.addHost('hostB', { vfs: 1 });
  fleet.addVm('hostA', { name: 'vm-1', mac: MAC, ...guest });
  return { fleet, hostA: modelHostServices(fleet, 'hostA') };
}

function stepInput(role: 'source' | 'destination', withValues: Record<string, unknown>, facts: Partial<Facts> = {}): StepInput {
  return { vm: 'vm-1', source: 'hostA', destination: 'hostB', role, step: 's', with: withValues, facts: factsSchema.parse(facts), workflowId: 'migrate/vm-1' };
}

const env = () => new MockActivityEnvironment();

void describe('preflight and attach ask the guest', () => {
  void it('preflight refuses a guest whose VF never joined its failover, and changes nothing', async () => {
    const { fleet, hostA } = fleetWith({ guestAgent: 'connected', guestLacksVfDriver: true });
    const params = preflightSource.with.parse({});
    await assert.rejects(
      env().run(() => preflightSource.run({ host: hostA, input: stepInput('source', {}), params })),
      /the guest shows 52:54:00:6b:3c:58 on 2 interfaces \(eth0, eth0nsby\), where net_failover makes 3 .*nothing was changed/,
    );
    assert.equal(fleet.count({ op: 'setLinkState' }) + fleet.count({ op: 'detachInterface' }), 0);
  });

  void it('preflight passes a whole guest and says it asked; skips a guest without an agent unless required', async () => {
    const whole = fleetWith({ guestAgent: 'connected' });
    const params = preflightSource.with.parse({});
    const facts: Partial<Facts> = await env().run(() => preflightSource.run({ host: whole.hostA, input: stepInput('source', {}), params }));
    assert.deepEqual(facts.guestView, { asked: true });
    const none = fleetWith({});
    const skipped: Partial<Facts> = await env().run(() => preflightSource.run({ host: none.hostA, input: stepInput('source', {}), params }));
    assert.deepEqual(skipped.guestView, { asked: false });
    assert.equal(none.fleet.count({ op: 'guestInterfaces' }), 0);
    const required = preflightSource.with.parse({ guestAgent: 'required' });
    await assert.rejects(
      env().run(() => preflightSource.run({ host: none.hostA, input: stepInput('source', {}), params: required })),
      /the domain has no guest agent channel; the plan requires the guest's view/,
    );
  });

  void it('attach waits for the guest to show the VF and reports how long; a guest that never does fails the step for good', async () => {
    const { fleet } = fleetWith({ guestAgent: 'connected' });
    const facts = { vm: { memoryMiB: 2048, standby: { alias: 'ua-backup0', mac: MAC }, primary: null }, guestView: { asked: true } };
    // Re-attach on the source (as a compensation would) after an unplug.
    const hostA = modelHostServices(fleet, 'hostA');
    await fleet.hypervisor('hostA').detachInterface('vm-1', defaultPrimaryAlias, { deadlineMs: 1000 });
    const pci = fleet.vfAddresses('hostA')[0] ?? '';
    const detached = { detached: { alias: defaultPrimaryAlias, mac: MAC, vf: { id: pci, kind: 'pci' as const, pciAddress: pci } } };
    const params = attachVf.with.parse({ guestTimeout: '2s' });
    const patch: Partial<Facts> = await env().run(() => attachVf.run({ host: hostA, input: stepInput('source', {}, { ...facts, ...detached }), params }));
    assert.equal(patch.guestVf?.host, 'hostA');
    assert.ok(typeof patch.guestVf?.backInGuestMs === 'number');

    // An agent silent since the move: libvirt's confirmation stands, and no time is reported.
    const silent = fleetWith({ guestAgent: 'disconnected' });
    await silent.fleet.hypervisor('hostA').detachInterface('vm-1', defaultPrimaryAlias, { deadlineMs: 1000 });
    const silentPatch: Partial<Facts> = await env().run(() =>
      attachVf.run({ host: silent.hostA, input: stepInput('source', {}, { ...facts, ...detached }), params: attachVf.with.parse({ guestTimeout: '600ms' }) }),
    );
    assert.equal(silentPatch.guestVf, undefined);
    assert.equal(silentPatch.attached?.alias, defaultPrimaryAlias);

    const lacking = fleetWith({ guestAgent: 'connected', guestLacksVfDriver: true });
    await lacking.fleet.hypervisor('hostA').detachInterface('vm-1', defaultPrimaryAlias, { deadlineMs: 1000 });
    const quick = attachVf.with.parse({ guestTimeout: '600ms' });
    await assert.rejects(
      env().run(() => attachVf.run({ host: lacking.hostA, input: stepInput('source', {}, { ...facts, ...detached }), params: quick })),
      (err: unknown) => {
        assert.ok(err instanceof Error && 'retryable' in err && err.retryable === false);
        assert.match(err.message, /the VF is plugged but not back in the guest after 600 ms \(the guest shows 52:54:00:6b:3c:58 on 2 interfaces .*\); the standby stays up/);
        return true;
      },
    );
  });
});
