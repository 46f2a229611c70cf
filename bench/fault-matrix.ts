/**
 * The fault matrix (issue 11) on the model: every fault kind at every point of a plan (before and after
 * each step), each cell a real migration with real worker processes and a file-backed Temporal server,
 * judged by the invariant checker (src/invariants/). Prints the table kept in the README.
 *   node lib/bench/fault-matrix.js                         every cell of the default plan
 *   node lib/bench/fault-matrix.js --cells host-worker-killed,@after:migrate   cells whose id contains one
 *   node lib/bench/fault-matrix.js --plan detach-first     another shipped plan's points
 *   node lib/bench/fault-matrix.js --shape plain           a VM without a VF (plain-live-migration), or two-pairs
 *   node lib/bench/fault-matrix.js --cells K1 --json a.jsonl & node lib/bench/fault-matrix.js --cells K2 --json b.jsonl
 *   node lib/bench/fault-matrix.js --table a.jsonl,b.jsonl  one table from parts run side by side (each part has its own server)
 * On the real testbed (root, scripts/testbed.sh; `npm run matrix:testbed`): each fault before the pivot,
 * while the migration job runs and after it (testbedCells), one guest migrated back and forth, cell after cell:
 *   node lib/bench/fault-matrix.js --testbed [--cells …] [--json f.jsonl]
 *   node lib/bench/fault-matrix.js --testbed --table f.jsonl
 * Exit status 1 when any invariant broke.
 */
import { appendFileSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { removeGuest, testbedUp } from '../src/testbed/testbed.js';
import { bootGuest } from '../test/e2e/support.js';
import { TestbedFaultMatrix, testbedMatrixPlan } from '../test/e2e/testbed-fault-matrix.js';
import { cellPoints, faultKinds, matrixCells, testbedCells, type MatrixCell } from '../test/support/fault-cells.js';
import { FaultMatrix, type CellResult } from '../test/support/fault-matrix.js';
import { shippedPlan } from '../test/support/plans.js';

const { values } = parseArgs({ options: { cells: { type: 'string' }, plan: { type: 'string' }, shape: { type: 'string' }, json: { type: 'string' }, table: { type: 'string' }, testbed: { type: 'boolean' } } });
const filters = (values.cells ?? '').split(',').filter(Boolean);
const testbed = values.testbed ?? false;
if (testbed && values.plan) {
  console.error('--testbed runs the default plan only (its cells are placed around its pivot): drop --plan');
  process.exit(2);
}
const shapes = ['one-pair', 'two-pairs', 'plain'] as const;
const shape = shapes.find((s) => s === values.shape);
if (values.shape !== undefined && (!shape || testbed)) {
  console.error(testbed ? '--shape is for the model matrix: the testbed runs its one-pair guest' : `--shape ${values.shape}: expected one of ${shapes.join(', ')}`);
  process.exit(2);
}
const unreached = testbed ? 'the run ended before the point (a during cell whose job was over before it was seen)' : 'the step is skipped on model hosts';
if (values.table) {
  // A cell run again (after a fix) is listed first: the first result of a cell is the one kept.
  const all = values.table.split(',').flatMap((f) => readFileSync(f, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as CellResult));
  const rows = all.filter((r, i) => all.findIndex((o) => o.cell.id === r.cell.id) === i);
  const plan = testbed ? (await testbedMatrixPlan()).resolved : (await shippedPlan(values.plan ?? (shape === 'plain' ? 'plain-live-migration' : 'sriov-live-migration'))).resolved;
  const cells: MatrixCell[] = testbed ? testbedCells(plan) : matrixCells(plan);
  printTable(rows, cellPoints(plan, cells));
  console.log(`\n${rows.length} cells, ${(rows.reduce((sum, r) => sum + r.ms, 0) / 60_000).toFixed(1)} min of cell time`);
  process.exit(rows.some((r) => r.broken.length) ? 1 : 0);
}
const started = Date.now();
const log = (line: string): void => console.error(line);
const vm = `matrix-${process.pid}`;
if (testbed) {
  await testbedUp();
  await bootGuest(vm);
}
const matrix = testbed ? await TestbedFaultMatrix.start({ vm, log }) : await FaultMatrix.start({ ...(values.plan ? { plan: values.plan } : {}), ...(shape ? { shape } : {}), log });
const stop = async (): Promise<void> => {
  await matrix.stop();
  if (testbed) await removeGuest(vm);
};
const results: CellResult[] = [];
// Interrupted: no server, worker, stopped libvirtd, guest or temporary directory is left behind.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void stop().finally(() => process.exit(130)));
const cells = testbed ? testbedCells(matrix.resolvedPlan, filters) : matrixCells(matrix.resolvedPlan, filters);
try {
  console.error(`${cells.length} cells (plan ${matrix.resolvedPlan.name} v${matrix.resolvedPlan.version}${testbed ? ', the real testbed' : ''})`);
  for (const cell of cells) {
    const result = await matrix.runCell(cell);
    results.push(result);
    if (values.json) appendFileSync(values.json, `${JSON.stringify(result)}\n`);
  }
} finally {
  await stop();
}
printTable(results, cellPoints(matrix.resolvedPlan, testbed ? testbedCells(matrix.resolvedPlan) : matrixCells(matrix.resolvedPlan)));
console.log(`\n${results.length} cells in ${((Date.now() - started) / 60_000).toFixed(1)} min (plan ${matrix.resolvedPlan.name})`);
process.exit(results.some((r) => r.broken.length) ? 1 : 0);

function printTable(rows: CellResult[], points: string[]): void {
  const faults = faultKinds.filter((f) => rows.some((r) => r.cell.fault === f));
  const cellText = (r: CellResult | undefined): string => (r ? `${r.reached ? short(r.outcome) : `– ${short(r.outcome)}`} ${r.broken.length ? '✘' : '✔'}${r.afterWatchPass ? ' (W)' : ''}` : '');
  console.log(`| point | ${faults.join(' | ')} |`);
  console.log(`|---|${faults.map(() => '---').join('|')}|`);
  for (const point of points) {
    const line = faults.map((f) => cellText(rows.find((r) => r.cell.fault === f && `${r.cell.at.point} ${r.cell.at.step}` === point)));
    if (line.some(Boolean)) console.log(`| ${point} | ${line.join(' | ')} |`);
  }
  console.log(`\nM migrated · RB rolled back · DG degraded · NA needs attention (compensation failed) · C cancelled · (step) the step the report names · – the point was never reached (${unreached}) · (W) checked after the source worker's next ledger watch pass, which the run's report says reclaims the booking it left there`);
  const broken = rows.filter((r) => r.broken.length);
  if (broken.length) {
    console.log('\nBroken invariants:');
    for (const r of broken) console.log(`- ${r.cell.id}: ${r.broken.join('; ')}`);
  }
}

function short(outcome: string): string {
  return outcome.replace(/^migrated/, 'M').replace(/^rolled-back/, 'RB').replace(/^degraded/, 'DG').replace(/^compensation-failed/, 'NA').replace(/^cancelled/, 'C');
}
