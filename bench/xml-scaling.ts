/**
 * Domain XML scaling: time per device to parse (parseDomainXml) and lint (lintDomain) generated domains of 1k,
 * 4k and 16k devices, all interfaces or all bare hostdevs, and the ratio of each per-device time to the 1k one
 * (linear work keeps it near 1.0x, though 1k devices still fit in the CPU caches and the young generation, so
 * 4k may cost up to ~2x per device once and then stay level; quadratic work goes 4x, then 16x). Then the
 * end-to-end `vfmigrate lint` of a 20 MB file, as a user runs it. It reports; it asserts nothing about time.
 *   npm run bench:xml        (fastest of at least BENCH_RUNS runs per size, default 5, and of 16k devices in all:
 *                             the run least disturbed by whatever else the machine does;
 *                             run with --expose-gc, as the script does, so one run's garbage is not the next's cost)
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { DOMAIN_XML_FILE_MAX_BYTES, parseDomainXml } from '../src/domain/parse-domain-xml.js';
import { lintDomain } from '../src/lint/lint.js';
import { largeDomainXml, shapeOfSize, type LargeDomainShape } from '../test/support/large-domain.js';

const runs = Number(process.env.BENCH_RUNS ?? 5);
const sizes = [1000, 4000, 16000];
const kinds: Record<string, (devices: number) => LargeDomainShape> = {
  interfaces: (devices) => ({ interfaces: devices, hostdevs: 0 }),
  hostdevs: (devices) => ({ interfaces: 0, hostdevs: devices }),
};

const collectGarbage = (globalThis as { gc?: () => void }).gc ?? ((): void => {});

function timed(work: () => unknown): number {
  collectGarbage();
  const t0 = performance.now();
  work();
  return performance.now() - t0;
}

function measure(shape: LargeDomainShape): { mb: number; parseMs: number; lintMs: number } {
  const xml = largeDomainXml(shape);
  const parseMs: number[] = [];
  const lintMs: number[] = [];
  const devices = shape.interfaces + shape.hostdevs;
  for (let i = 0; i < Math.max(runs, Math.ceil(16000 / devices)); i++) {
    let domain = parseDomainXml(xml, DOMAIN_XML_FILE_MAX_BYTES);
    parseMs.push(timed(() => (domain = parseDomainXml(xml, DOMAIN_XML_FILE_MAX_BYTES))));
    lintMs.push(timed(() => lintDomain(domain, { primaryMode: 'hostdev' })));
  }
  return { mb: xml.length / 1e6, parseMs: Math.min(...parseMs), lintMs: Math.min(...lintMs) };
}

const us = (ms: number, devices: number): string => `${((ms * 1000) / devices).toFixed(1)} us`.padStart(10);
const ratio = (x: number): string => `${x.toFixed(2)}x`.padStart(7);

// Warm-up: the JIT, so the first rows measure the code and not the compiler.
for (const shapeOf of Object.values(kinds)) measure(shapeOf(1000));
console.log(`per-device time, fastest of at least ${runs} runs; ratios: per-device time / the 1k row's, and / the previous row's`);
console.log(`${'devices'.padEnd(17)}${'MB'.padStart(6)}${'parse/dev'.padStart(11)}${'vs 1k'.padStart(7)}${'vs prev'.padStart(8)}${'lint/dev'.padStart(11)}${'vs 1k'.padStart(7)}${'vs prev'.padStart(8)}`);
for (const [kind, shapeOf] of Object.entries(kinds)) {
  let base: { parse: number; lint: number } | null = null;
  let previous: { parse: number; lint: number } | null = null;
  for (const devices of sizes) {
    const m = measure(shapeOf(devices));
    const perDevice = { parse: m.parseMs / devices, lint: m.lintMs / devices };
    base ??= perDevice;
    previous ??= perDevice;
    console.log(
      `${`${devices} ${kind}`.padEnd(17)}${m.mb.toFixed(1).padStart(6)}` +
        `${us(m.parseMs, devices)}${ratio(perDevice.parse / base.parse)}${ratio(perDevice.parse / previous.parse).padStart(8)}` +
        `${us(m.lintMs, devices)}${ratio(perDevice.lint / base.lint)}${ratio(perDevice.lint / previous.lint).padStart(8)}`,
    );
    previous = perDevice;
  }
}

// The whole command as a user runs it: node start-up, reading the file, parsing, linting, printing every finding.
const dir = await mkdtemp(path.join(tmpdir(), 'vfmigrate-bench-xml-'));
try {
  const shape = shapeOfSize(20e6);
  const file = path.join(dir, 'domain-20mb.xml');
  const xml = largeDomainXml(shape);
  await writeFile(file, xml);
  const main = path.resolve(import.meta.dirname, '../src/cli/main.js');
  const t0 = performance.now();
  const result = await execa(process.execPath, [main, 'lint', file], { reject: false, maxBuffer: 1e9 });
  const seconds = (performance.now() - t0) / 1000;
  const lines = result.stdout.split('\n').filter(Boolean).length;
  console.log(
    `vfmigrate lint of a ${(xml.length / 1e6).toFixed(1)} MB domain (${shape.interfaces} interfaces, ${shape.hostdevs} hostdevs): ` +
      `${seconds.toFixed(2)} s, exit ${result.exitCode}, ${lines} findings${result.stderr ? `, stderr: ${result.stderr.slice(0, 200)}` : ''}`,
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
