import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parseDomainXml } from '../../src/domain/parse-domain-xml.js';
import { labelsNamespace } from '../../src/domain/vm-labels.js';
import { isPlain, shapeOf } from '../../src/domain/vm-shape.js';
import { ModelFleet } from '../../src/hypervisor/model.js';

const FIXTURES = new URL('../../../test/fixtures/domains/', import.meta.url);
const fixture = (name: string): string => readFileSync(new URL(name, FIXTURES), 'utf8');

/** The no-VF fixture with `metadata` in place of its libosinfo element. */
function withMetadata(metadata: string): string {
  return fixture('no-vf.xml').replace(/<metadata>[\s\S]*?<\/metadata>/, `<metadata>${metadata}</metadata>`);
}

void describe('the shape of a VM (what chooses its plan)', () => {
  void it('a domain without a VF is plain; teamed ones count their pairs; the testbed guest counts in emulated mode', () => {
    assert.deepEqual(shapeOf(parseDomainXml(fixture('no-vf.xml')), 'hostdev'), { vm: 'web-01', vfs: 0, teamedPairs: 0, standbys: 0, labels: {} });
    const one = shapeOf(parseDomainXml(fixture('valid-hostdev.xml')), 'hostdev');
    assert.deepEqual([one.vfs, one.teamedPairs, one.standbys, isPlain(one)], [1, 1, 1, false]);
    const two = shapeOf(parseDomainXml(fixture('valid-two-pairs.xml')), 'hostdev');
    assert.deepEqual([two.teamedPairs, isPlain(two)], [2, false]);
    const testbed = parseDomainXml(fixture('valid-testbed.xml'));
    assert.deepEqual([shapeOf(testbed, 'emulated').vfs, shapeOf(testbed, 'emulated').teamedPairs], [1, 1]);
    assert.equal(shapeOf(testbed, 'hostdev').vfs, 0, 'no real VF: only emulated mode counts the e1000e');
  });

  void it('a VF without teaming, and a standby whose VF is unplugged, are not plain', () => {
    const untamed = shapeOf(parseDomainXml(fixture('vf-without-teaming.xml')), 'hostdev');
    assert.ok(untamed.vfs > 0 && untamed.teamedPairs === 0 && !isPlain(untamed));
    const model = new ModelFleet();
    model.addHost('h', { vfs: 1 });
    const vm = model.addVm('h', { name: 'half-way' });
    const standbyOnly = { name: vm.name, memoryMiB: 1, machine: 'q35', interfaces: vm.interfaces.filter((i) => i.type !== 'hostdev'), hostdevs: [], pcieRootPorts: [] };
    const shape = shapeOf(standbyOnly, 'hostdev');
    assert.deepEqual([shape.vfs, shape.standbys, isPlain(shape)], [0, 1, false]);
  });

  void it('the model holds VMs without a VF and with labels, and describes them as libvirt would', async () => {
    const model = new ModelFleet();
    model.addHost('h', { vfs: 1 });
    model.addVm('h', { name: 'plain', vf: false, labels: { tier: 'gold' } });
    model.addVm('h', { name: 'teamed' });
    const plain = shapeOf(await model.hypervisor('h').describeVm('plain'), 'hostdev');
    assert.deepEqual(plain, { vm: 'plain', vfs: 0, teamedPairs: 0, standbys: 0, labels: { tier: 'gold' } });
    assert.deepEqual(await model.hypervisor('h').vfHolders(), [{ vm: 'teamed', pciAddress: model.vfAddresses('h')[0] }], 'the plain VM holds no VF');
  });
});

void describe('labels in <metadata>', () => {
  const labels = (metadata: string): Record<string, string> => parseDomainXml(withMetadata(metadata)).labels ?? {};

  void it('read from the vfmigrate namespace, whatever its prefix, prefixed or bare <label> children', () => {
    assert.deepEqual(labels(`<vfmigrate:labels xmlns:vfmigrate="${labelsNamespace}"><label key="tier">gold</label><label key="team">db</label></vfmigrate:labels>`), { tier: 'gold', team: 'db' });
    assert.deepEqual(labels(`<x:labels xmlns:x="${labelsNamespace}"><x:label key="tier"> silver </x:label></x:labels>`), { tier: 'silver' });
    assert.deepEqual(labels(`<labels xmlns="${labelsNamespace}"><label key="tier">bronze</label></labels>`), { tier: 'bronze' });
  });

  void it('another namespace, or none, is not ours; labels outside <metadata> are never read', () => {
    assert.deepEqual(labels('<vfmigrate:labels xmlns:vfmigrate="https://example.com/ns"><label key="tier">gold</label></vfmigrate:labels>'), {});
    assert.deepEqual(labels('<labels><label key="tier">gold</label></labels>'), {});
    const inDevices = withMetadata('').replace('<devices>', `<devices><vfmigrate:labels xmlns:vfmigrate="${labelsNamespace}"><label key="tier">gold</label></vfmigrate:labels>`);
    assert.deepEqual(parseDomainXml(inDevices).labels, {});
  });

  void it('hostile keys and values stay out (never an error), the first of a duplicate key wins', () => {
    const hostile = [
      '<label key="tier">gold</label>',
      '<label key="tier">platinum</label>',
      '<label key="$(reboot)">x</label>',
      '<label key="__proto__">polluted</label>',
      '<label key="bidi">a&#x202E;b</label>',
      '<label key="c1">&#x85;</label>',
      `<label key="long">${'v'.repeat(257)}</label>`,
      '<label>no key</label>',
      '<label key="glob">db-*</label>',
    ].join('');
    const read = labels(`<vfmigrate:labels xmlns:vfmigrate="${labelsNamespace}">${hostile}</vfmigrate:labels>`);
    assert.deepEqual(read, { tier: 'gold', glob: 'db-*' });
    assert.equal(Object.getPrototypeOf(read), Object.prototype);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });
});
