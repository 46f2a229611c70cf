import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { defaultTemporalDevFile, loadTemporalDevConfig } from '../../src/config/temporal-dev.js';
import { InputError } from '../../src/errors.js';
import { devServerArgs } from '../../src/temporal/dev-server.js';

const ports = { grpc: 7233, ui: 8233 };

void describe('temporal-dev.yml', () => {
  void it('a file-backed server gets the SQLite pragmas; one in memory gets neither file nor pragmas', async () => {
    const config = await loadTemporalDevConfig();
    const onDisk = devServerArgs(config, ports, {});
    assert.ok(onDisk.includes('--db-filename'));
    const pragmas = onDisk.flatMap((arg, i) => (onDisk[i - 1] === '--sqlite-pragma' ? [arg] : []));
    assert.deepEqual(pragmas, ['journal_mode=wal', 'synchronous=normal']);
    const inMemory = devServerArgs(config, ports, { inMemory: true });
    assert.ok(!inMemory.includes('--db-filename') && !inMemory.includes('--sqlite-pragma'));
  });

  void it('refuses a pragma that is not a name, naming its path', async () => {
    const text = (await readFile(defaultTemporalDevFile, 'utf8')).replace('synchronous: normal', "'synchronous; drop': normal");
    const file = path.join(await mkdtemp(path.join(tmpdir(), 'vfm-tdev-')), 'temporal-dev.yml');
    await writeFile(file, text);
    await assert.rejects(loadTemporalDevConfig(file), (e: Error) => e instanceof InputError && /sqlitePragmas/.test(e.message) && /SQLite pragma name/.test(e.message));
  });
});
