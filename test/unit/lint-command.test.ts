import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PrimaryMode } from '../../src/domain/teaming.js';
import { lintXmlFile } from '../../src/cli/commands/lint.js';

const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/domains/', import.meta.url));

async function run(path: string, mode: PrimaryMode = 'hostdev'): Promise<{ code: number; out: string[] }> {
  const out: string[] = [];
  const code = await lintXmlFile(path, { primaryMode: mode }, (line) => out.push(line));
  return { code, out };
}

void describe('lintXmlFile', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vfmigrate-lint-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  void it('prints one ok line and exits 0 for a valid domain', async () => {
    assert.deepEqual(await run(join(FIXTURES, 'valid-hostdev.xml')), { code: 0, out: ['ok: web-01: no findings'] });
  });

  void it('accepts the testbed domain in emulated mode', async () => {
    assert.deepEqual(await run(join(FIXTURES, 'valid-testbed.xml'), 'emulated'), {
      code: 0,
      out: ['ok: vfm-guest: no findings'],
    });
  });

  void it('exits 0 when the only findings are warnings', async () => {
    const { code, out } = await run(join(FIXTURES, 'standby-link-up.xml'));
    assert.equal(code, 0);
    assert.deepEqual(out.map((l) => l.split(':')[0]), ['WARNING standby-link-up ua-backup0']);
  });

  void it('exits 1 and prints the finding for an error', async () => {
    const { code, out } = await run(join(FIXTURES, 'vf-without-teaming.xml'));
    assert.equal(code, 1);
    assert.deepEqual(out, [
      "ERROR vf-without-teaming ua-sriov0: VF 0000:3b:02.1 is passed through without <teaming>: libvirt refuses to migrate the domain (add <teaming type='transient' persistent='ua-backup0'/> to it, with a virtio standby of the same MAC)",
    ]);
  });

  void it('prints one line per finding', async () => {
    const xml = (await readFile(join(FIXTURES, 'mac-mismatch.xml'), 'utf8')).replace("      <link state='down'/>\n", '');
    const path = join(dir, 'two-problems.xml');
    await writeFile(path, xml);
    const { code, out } = await run(path);
    assert.equal(code, 1);
    assert.deepEqual(out.map((l) => l.split(':')[0]), ['WARNING standby-link-up ua-backup0', 'ERROR mac-mismatch ua-sriov0']);
  });

  void it('exits 0 with one INFO line for a domain without a VF', async () => {
    assert.deepEqual(await run(join(FIXTURES, 'no-vf.xml')), {
      code: 0,
      out: ['INFO no-vf web-01: nothing to team; migrated with the plan for VMs without a VF'],
    });
  });

  void it('exits 1 for a host device libvirt cannot migrate', async () => {
    const { code, out } = await run(join(FIXTURES, 'unmigratable-device.xml'));
    assert.equal(code, 1);
    assert.deepEqual(out.map((l) => l.split(':')[0]), ['ERROR unmigratable-device hostdev0']);
  });

  void it('exits 0 for a VF teamed as a plain <hostdev> and for two teamed pairs', async () => {
    assert.deepEqual(await run(join(FIXTURES, 'valid-hostdev-teaming.xml')), { code: 0, out: ['ok: web-01: no findings'] });
    assert.deepEqual(await run(join(FIXTURES, 'valid-two-pairs.xml')), { code: 0, out: ['ok: web-01: no findings'] });
  });

  void it('escapes bidi overrides and control characters the file puts in names', async () => {
    const xml = (await readFile(join(FIXTURES, 'no-vf.xml'), 'utf8')).replace('<name>web-01</name>', '<name>web&#x202e;-01</name>');
    const path = join(dir, 'escape.xml');
    await writeFile(path, xml);
    const { code, out } = await run(path);
    assert.equal(code, 0);
    assert.deepEqual(out, ['INFO no-vf web\\u202e-01: nothing to team; migrated with the plan for VMs without a VF']);
  });

  void it('exits 1 naming a missing file', async () => {
    const path = join(dir, 'nope.xml');
    assert.deepEqual(await run(path), { code: 1, out: [`error: ${path}: no such file`] });
  });

  void it('exits 1 naming a directory', async () => {
    assert.deepEqual(await run(dir), { code: 1, out: [`error: ${dir}: is a directory, not a domain XML file`] });
  });

  void it('exits 1 on malformed XML with the position', async () => {
    const path = join(dir, 'broken.xml');
    await writeFile(path, "<domain type='kvm'>\n  <name>x</name>\n  <devices>\n</domain>\n");
    assert.deepEqual(await run(path), {
      code: 1,
      out: [`error: ${path}: not well-formed XML at line 3, column 12: Opening and ending tag mismatch: "devices" != "domain"`],
    });
  });

  void it('exits 1 on a file over 64 MiB without reading it', async () => {
    const path = join(dir, 'huge.xml');
    await writeFile(path, '');
    await truncate(path, 65 * 2 ** 20); // sparse: nothing is written, and reading it would take 65 MiB
    assert.deepEqual(await run(path), { code: 1, out: [`error: ${path}: 65.0 MiB is over the 64 MiB a domain XML file may have; is it one?`] });
  });

  void it('exits 1 on a DOCTYPE, naming it', async () => {
    const path = join(dir, 'entities.xml');
    await writeFile(path, '<!DOCTYPE domain [<!ENTITY x "x">]>\n<domain><name>&x;</name></domain>\n');
    const { code, out } = await run(path);
    assert.equal(code, 1);
    assert.deepEqual(out, [`error: ${path}: not well-formed XML at line 1, column 1: a DOCTYPE is not allowed (libvirt never writes one; its entity declarations could expand without bound)`]);
  });

  void it('exits 1 on XML that is not a domain', async () => {
    const path = join(dir, 'network.xml');
    await writeFile(path, "<network><name>vf-pool</name><forward mode='hostdev' managed='yes'/></network>\n");
    assert.deepEqual(await run(path), {
      code: 1,
      out: [`error: ${path}: not a libvirt domain: the root element is <network>, expected <domain>`],
    });
  });
});
