import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { execa } from 'execa';

const cli = path.resolve(import.meta.dirname, '../../src/cli/main.js');

async function vfmigrate(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const r = await execa(process.execPath, [cli, ...args], { reject: false, extendEnv: false, env: { PATH: process.env.PATH ?? '' }, timeout: 60_000 });
  return { code: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** The help line of one option, folded onto one line (commander wraps long descriptions). */
function optionHelp(help: string, option: string): string {
  const lines = help.split('\n');
  const at = lines.findIndex((l) => l.trimStart().startsWith(option));
  assert.ok(at >= 0, `${option} in:\n${help}`);
  const rest = lines.slice(at + 1);
  const end = rest.findIndex((l) => !/^\s{6,}\S/.test(l));
  return [lines[at], ...rest.slice(0, end === -1 ? rest.length : end)].map((l) => l?.trim()).join(' ');
}

void describe('the help says which options a command cannot run without', () => {
  void it('migrate --help marks --from and --to required, and only them', async () => {
    const r = await vfmigrate(['migrate', '--help']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(optionHelp(r.stdout, '--from <host>'), /\(required\)$/);
    assert.match(optionHelp(r.stdout, '--to <host>'), /\(required\)$/);
    for (const other of ['--plan <file>', '--wait', '--no-worker-check']) assert.doesNotMatch(optionHelp(r.stdout, other), /required/);
  });

  void it('ledger rebuild --help marks --host and --hosts required', async () => {
    const r = await vfmigrate(['ledger', 'rebuild', '--help']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(optionHelp(r.stdout, '--host <name>'), /\(required\)$/);
    assert.match(optionHelp(r.stdout, '--hosts <file>'), /\(required\)$/);
  });

  void it('migrate without --to is refused before anything connects, naming the option', async () => {
    const r = await vfmigrate(['migrate', 'vm-7', '--from', 'hostA']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^error: required option '--to <host>' not specified$/m);
    assert.equal(r.stdout, '');
  });
});
