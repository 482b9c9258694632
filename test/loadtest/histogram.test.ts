/**
 * The latency histogram against brute force: for many seeded random samples of different shapes, every
 * percentile it reports is ≥ the exact nearest-rank percentile of the sorted samples and within the
 * histogram's stated relative precision of it (plus the 1 µs of rounding up to whole microseconds).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LatencyHistogram, MAX_TRACKABLE_US } from '../../src/loadtest/histogram.js';
import { Prng } from '../../src/loadtest/prng.js';

const QUANTILES = [0.001, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999, 0.9999, 1];

/** Exact nearest-rank percentile: the ceil(q·n)-th smallest value. */
function exact(sorted: Float64Array, q: number): number {
  const rank = Math.max(1, Math.ceil(q * sorted.length - 1e-9));
  return sorted[rank - 1];
}

function check(samplesMs: number[], bits: number): void {
  const h = new LatencyHistogram(bits);
  for (const v of samplesMs) h.recordMs(v);
  const sorted = Float64Array.from(samplesMs).sort();
  for (const q of QUANTILES) {
    const want = exact(sorted, q);
    const got = h.valueAtQuantile(q)!;
    const slack = want * h.relativePrecision + 0.001; // relative precision + one µs of rounding up
    assert.ok(got >= want - 1e-9, `q=${q}: reported ${got} below the exact ${want}`);
    assert.ok(got - want <= slack + 1e-9, `q=${q}: reported ${got}, exact ${want}, allowed ${slack} (bits ${bits})`);
  }
  const s = h.summary();
  assert.equal(s.count, samplesMs.length);
  assert.ok(Math.abs(s.max! - sorted[sorted.length - 1]) <= 0.001 + 1e-9);
  assert.ok(Math.abs(s.min! - sorted[0]) <= 0.001 + 1e-9);
}

describe('LatencyHistogram', () => {
  const shapes: Record<string, (r: Prng) => number> = {
    uniform: (r) => r.next() * 50,
    'log-normal-ish': (r) => Math.exp(r.next() * 6 - 2),
    bimodal: (r) => (r.chance(0.97) ? 0.2 + r.next() * 0.5 : 200 + r.next() * 800),
    'heavy tail': (r) => 0.05 / Math.max(1e-6, r.next()),
    'sub-millisecond': (r) => r.next() * 0.3,
  };
  for (const [name, gen] of Object.entries(shapes)) {
    it(`matches a brute-force sort within its precision: ${name}`, () => {
      for (let seed = 1; seed <= 20; seed++) {
        const r = new Prng(seed * 7919);
        const n = 1 + r.int(0, 5000);
        const samples = Array.from({ length: n }, () => gen(r));
        check(samples, 8);
        check(samples, 4);
      }
    });
  }

  it('is exact below 2^P µs and states its precision', () => {
    const h = new LatencyHistogram(8);
    assert.equal(h.relativePrecision, 1 / 256);
    for (let us = 0; us < 256; us++) h.recordUs(us);
    assert.equal(h.valueAtQuantile(0.5), 0.127); // 128th smallest of 0..255 µs
    assert.equal(h.valueAtQuantile(1), 0.255);
  });

  it('adds histograms, reports empty as null, clamps huge values', () => {
    const a = new LatencyHistogram();
    const b = new LatencyHistogram();
    assert.equal(a.valueAtQuantile(0.5), null);
    assert.equal(a.summary().p99, null);
    a.recordMs(1);
    b.recordMs(3, 3);
    a.add(b);
    assert.equal(a.count, 4);
    const p25 = a.valueAtQuantile(0.25)!;
    assert.ok(p25 >= 1 && p25 <= 1 + 1 / 256, `p25 ${p25}`);
    assert.ok(Math.abs(a.valueAtQuantile(0.5)! - 3) <= 3 / 256 + 0.001);
    assert.equal(a.summary().mean, 2.5);
    a.recordUs(MAX_TRACKABLE_US * 4);
    assert.equal(a.clamped, 1);
    assert.equal(a.summary().max, MAX_TRACKABLE_US / 1000);
    assert.throws(() => a.add(new LatencyHistogram(5)), /different precision/);
  });

  it('lists its non-empty buckets with their bounds', () => {
    const h = new LatencyHistogram(8);
    h.recordMs(0.1);
    h.recordMs(10, 2);
    const buckets = h.buckets();
    assert.equal(buckets.length, 2);
    assert.equal(buckets.reduce((acc, b) => acc + b.count, 0), 3);
    for (const b of buckets) assert.ok(b.lowMs < b.highMs);
    assert.ok(buckets[1].lowMs <= 10 && 10 < buckets[1].highMs);
  });
});
