import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

/**
 * Folders under src/ depend one way: when two folders import each other, neither can be understood, tested
 * or changed without the other, and a cycle in the import graph is where the next feature gets stuck.
 * Files directly in src/ (errors.ts) count as a folder of their own, `.`.
 */
const src = path.resolve(import.meta.dirname, '../../../src');

interface FolderImport {
  from: string;
  to: string;
  /** The importing file and what it names, relative to the root read. */
  file: string;
  specifier: string;
}

/** `import … from`, `export … from`, `import '…'` and `import('…')`, a statement over several lines included. */
const importPattern = /(?:^|\n)\s*(?:import|export)\s(?:[^'";]*?\sfrom\s*)?['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;

async function tsFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((e) => (e.isDirectory() ? tsFiles(path.join(dir, e.name)) : Promise.resolve(e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []))),
  );
  return nested.flat();
}

function folderOf(root: string, file: string): string {
  const parts = path.relative(root, file).split(path.sep);
  return parts.length > 1 ? parts[0]! : '.';
}

/** Every import of one folder's file from another folder, from the source text of each .ts file below `root`. */
async function folderImports(root: string): Promise<FolderImport[]> {
  const found: FolderImport[] = [];
  for (const file of await tsFiles(root)) {
    const text = await readFile(file, 'utf8');
    for (const match of text.matchAll(importPattern)) {
      const specifier = match[1] ?? match[2]!;
      if (!specifier.startsWith('.')) continue;
      const from = folderOf(root, file);
      const to = folderOf(root, path.resolve(path.dirname(file), specifier));
      if (from !== to) found.push({ from, to, file: path.relative(root, file), specifier });
    }
  }
  return found;
}

/** One line per pair of folders that import each other, naming every file that does, both ways. */
function mutualImports(imports: FolderImport[]): string[] {
  const lines: string[] = [];
  const pairs = new Set(imports.map((i) => `${i.from} ${i.to}`));
  for (const key of [...pairs].sort()) {
    const [a, b] = key.split(' ') as [string, string];
    if (a > b || !pairs.has(`${b} ${a}`)) continue;
    const files = imports.filter((i) => (i.from === a && i.to === b) || (i.from === b && i.to === a)).map((i) => `${i.file} → ${i.specifier}`);
    lines.push(`${a} ⇄ ${b}: ${files.join(', ')}`);
  }
  return lines;
}

void describe('folders depend one way', () => {
  void it('no two folders under src/ import each other', async () => {
    const imports = await folderImports(src);
    assert.ok(imports.length > 50, `only ${imports.length} imports across folders were read from ${src}: is that the source tree?`);
    assert.deepEqual(mutualImports(imports), [], 'folders that import each other (move what both need down to a folder both may import)');
  });

  void describe('the check itself, on a tree made for it', () => {
    let root = '';
    before(async () => {
      root = await mkdtemp(path.join(tmpdir(), 'vfm-folders-'));
      const files: Record<string, string> = {
        'errors.ts': 'export class E extends Error {}\n',
        'plan/load.ts': "import type { Spec } from '../activities/define.js';\nimport { E } from '../errors.js';\nexport const x = 1;\n",
        'plan/explain.ts': "export {\n  queue,\n  host,\n} from '../temporal/names.js';\n",
        'activities/define.ts': "import {\n  x,\n} from '../plan/load.js';\nexport type Spec = { x: typeof x };\n",
        'activities/lazy.ts': "/** Nothing here imports anything from '../workers/x.js' in a comment line. */\nexport const later = () => import('../workers/run.js');\n",
        'workers/run.ts': "import '../activities/define.js';\nimport { z } from 'zod';\n",
        'temporal/names.ts': "export const queue = 'q';\nexport const host = 'h';\n",
      };
      for (const [name, text] of Object.entries(files)) {
        await mkdir(path.dirname(path.join(root, name)), { recursive: true });
        await writeFile(path.join(root, name), text);
      }
    });
    after(() => rm(root, { recursive: true, force: true }));

    void it('reads every form of import, multi-line, type-only, re-export, side-effect and dynamic, and no package or comment', async () => {
      const seen = (await folderImports(root)).map((i) => `${i.file} ${i.from}→${i.to}`).sort();
      assert.deepEqual(seen, [
        'activities/define.ts activities→plan',
        'activities/lazy.ts activities→workers',
        'plan/explain.ts plan→temporal',
        'plan/load.ts plan→.',
        'plan/load.ts plan→activities',
        'workers/run.ts workers→activities',
      ]);
    });

    void it('names each pair of folders that import each other, with the files that do', async () => {
      assert.deepEqual(mutualImports(await folderImports(root)), [
        'activities ⇄ plan: activities/define.ts → ../plan/load.js, plan/load.ts → ../activities/define.js',
        'activities ⇄ workers: activities/lazy.ts → ../workers/run.js, workers/run.ts → ../activities/define.js',
      ]);
    });
  });
});
