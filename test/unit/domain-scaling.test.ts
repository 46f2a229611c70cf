/**
 * Reading and linting a domain must stay linear in its devices. Timing would be flaky on a shared machine, so
 * these tests count work instead: every property read on the element tree (or on the DomainDescription) goes
 * through a counting proxy, and four times the devices must cost about four times the reads. A rule or helper
 * that scans all devices once per device costs sixteen times as much, which the last test shows is caught.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { describeDomain } from '../../src/domain/parse-domain-xml.js';
import { readXml, type XmlElement } from '../../src/domain/xml-reader.js';
import { lintDomain } from '../../src/lint/lint.js';
import type { DomainDescription } from '../../src/domain/description.js';
import { largeDomainXml, type LargeDomainShape } from '../support/large-domain.js';

const SMALL: LargeDomainShape = { interfaces: 120, hostdevs: 40 };
const LARGE: LargeDomainShape = { interfaces: 480, hostdevs: 160 };
/** LARGE has four times SMALL's devices; linear work grows 4x (less, with fixed costs), quadratic 16x. */
const MAX_GROWTH = 4.5;

interface Counter {
  reads: number;
}

/**
 * `value` behind proxies that count every property read on it and on every object reached from it. The same
 * object always gets the same proxy, so identity comparisons and Sets in the code under test still work.
 */
function counted<T extends object>(value: T, counter: Counter): T {
  const proxies = new WeakMap<object, object>();
  const wrap = (v: unknown): unknown => {
    if (typeof v !== 'object' || v === null) return v;
    const known = proxies.get(v);
    if (known !== undefined) return known;
    const proxy = new Proxy(v, {
      get(target, key) {
        counter.reads += 1;
        // Map methods need the real Map as `this`.
        const got: unknown = Reflect.get(target, key, target instanceof Map ? target : proxy);
        return typeof got === 'function' && target instanceof Map ? (got as (...args: unknown[]) => unknown).bind(target) : wrap(got);
      },
    });
    proxies.set(v, proxy);
    return proxy;
  };
  return wrap(value) as T;
}

function readsOf<T extends object>(input: T, work: (counted: T) => unknown): number {
  const counter = { reads: 0 };
  work(counted(input, counter));
  return counter.reads;
}

function growth<T extends object>(small: T, large: T, work: (input: T) => unknown): { small: number; large: number; ratio: number } {
  const s = readsOf(small, work);
  const l = readsOf(large, work);
  return { small: s, large: l, ratio: l / s };
}

const smallTree = readXml(largeDomainXml(SMALL));
const largeTree = readXml(largeDomainXml(LARGE));

void describe('linear work in the number of devices', () => {
  void it('the generated domains have the devices they claim', () => {
    assert.equal(describeDomain(smallTree).interfaces.length, SMALL.interfaces);
    assert.equal(describeDomain(largeTree).hostdevs.length, LARGE.hostdevs);
    assert.equal(describeDomain(largeTree).pcieRootPorts.length, (LARGE.interfaces + LARGE.hostdevs) / 4);
  });

  void it('describeDomain reads each element of the tree a bounded number of times', () => {
    const g = growth(smallTree, largeTree, describeDomain);
    assert.ok(g.ratio <= MAX_GROWTH, `4x the devices cost ${g.ratio.toFixed(2)}x the tree reads (${g.small} -> ${g.large})`);
  });

  void it('lintDomain looks at each device a bounded number of times, in both primary modes', () => {
    const small = describeDomain(smallTree);
    const large = describeDomain(largeTree);
    for (const primaryMode of ['hostdev', 'emulated'] as const) {
      const g = growth(small, large, (d: DomainDescription) => lintDomain(d, { primaryMode }));
      assert.ok(g.ratio <= MAX_GROWTH, `${primaryMode}: 4x the devices cost ${g.ratio.toFixed(2)}x the reads (${g.small} -> ${g.large})`);
    }
  });

  void it('the lint rules have work to do on these domains (every per-device code fires)', () => {
    const codes = new Set(lintDomain(describeDomain(smallTree), { primaryMode: 'hostdev' }).map((f) => f.code));
    for (const code of ['vf-without-teaming', 'transient-missing-persistent', 'persistent-target-missing', 'mac-mismatch', 'multiple-primaries'] as const) {
      assert.ok(codes.has(code), `no ${code} finding`);
    }
  });

  void it('would catch a per-device scan of the whole document', () => {
    // What the old parser did in effect: for each interface, walk every device again.
    const perDeviceScan = (root: XmlElement): number => {
      const devices = root.children.find((c) => c.name === 'devices')?.children ?? [];
      return devices.filter((d) => d.name === 'interface').reduce((sum) => sum + devices.filter((d) => d.name === 'controller').length, 0);
    };
    const g = growth(smallTree, largeTree, perDeviceScan);
    assert.ok(g.ratio > MAX_GROWTH, `the quadratic scan grew only ${g.ratio.toFixed(2)}x`);
  });
});
