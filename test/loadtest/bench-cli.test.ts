/**
 * `hooats bench` end to end: the real CLI (bin/hooats.mjs, a child process) against a real test server
 * on loopback. Checks the JSON result's counts — every order accounted for exactly once, no errors, the
 * server's own order count matching what the client sent — for a burst, a short sustained run, each
 * transport, and a small ramp; and that the users' orders are cancelled at the end. Few users, so that
 * each places several orders and the mix includes cancels even in short runs.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { BenchResult } from '../../src/loadtest/bench.js';
import type { PhaseResult } from '../../src/loadtest/phase-stats.js';
import { SECRET, startServer, type Server } from '../api/helpers.js';

const run = promisify(execFile);
const BIN = join(import.meta.dirname, '..', '..', 'bin', 'hooats.mjs');

let server: Server;
let dir: string;

async function bench(args: string[]): Promise<{ result: BenchResult; stdout: string; stderr: string; file: string }> {
  const file = join(dir, `result-${Math.random().toString(36).slice(2)}.json`);
  const { stdout, stderr } = await run(process.execPath, [BIN, 'bench', ...args, '--url', server.url, '--json', file, '--plain'], {
    env: { ...process.env, HOOATS_JWT_SECRET: SECRET },
    timeout: 120_000,
  });
  return { result: JSON.parse(readFileSync(file, 'utf8')) as BenchResult, stdout, stderr, file };
}

/** Every scheduled order is in exactly one bucket, and the server counted the orders the client placed. */
function checkCounts(p: PhaseResult, scheduled: number, expectCancels = true): void {
  assert.equal(p.scheduled, scheduled);
  assert.equal(p.sent, scheduled);
  assert.equal(p.answered, scheduled);
  assert.equal(p.timedOut + p.notSent, 0);
  assert.deepEqual(p.errorsByCode, {});
  assert.equal(p.errors, 0);
  assert.equal(p.ok + p.cancelMisses, scheduled);
  assert.equal(p.latencyMs.count, p.ok + p.cancelMisses);
  const k = p.byKind;
  assert.equal(k.limit.ok + k.market.ok + k.cancel.ok, p.ok);
  assert.equal(k.cancel.cancelMisses, p.cancelMisses);
  assert.ok(k.limit.ok > 0 && k.market.ok > 0, JSON.stringify(k));
  if (expectCancels) assert.ok(k.cancel.ok + k.cancel.cancelMisses > 0, JSON.stringify(k));
  assert.equal(p.server?.orders, k.limit.ok + k.market.ok, 'the server counted every order placed (cancels are not orders)');
  const l = p.latencyMs;
  assert.ok(l.p50! <= l.p90! && l.p90! <= l.p99! && l.p99! <= l.p999! && l.p999! <= l.max!);
  assert.equal(p.timeline.reduce((a, s) => a + s.sent, 0), scheduled);
  assert.equal(p.timeline.reduce((a, s) => a + s.answered, 0), scheduled);
}

describe('hooats bench against a real server', () => {
  before(async () => {
    server = await startServer();
    dir = mkdtempSync(join(tmpdir(), 'hooats-bench-'));
  });
  after(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('burst 200 over HTTP: counts add up, HTML report written, book cleaned up', async () => {
    const html = join(dir, 'report.html');
    const { result, stdout } = await bench(['burst', '200', '--users', '10', '--html', html]);
    assert.equal(result.tool, 'hooats bench');
    assert.equal(result.transport, 'http');
    assert.equal(result.phases.length, 1);
    const p = result.phases[0];
    assert.equal(p.kind, 'burst');
    assert.equal(p.latencyMs.measuredFrom, 'actual send time');
    checkCounts(p, 200);
    assert.equal(result.totals.sent, 200);
    assert.equal(result.setup.deposits, 20, '10 users funded in base and quote');
    assert.ok(result.setup.cancelledAtEnd !== null);
    assert.equal(server.sequencer.engine.openOrderCount(), 0, 'the users\' resting orders were cancelled at the end');
    assert.match(stdout, /burst 200/);
    const report = readFileSync(html, 'utf8');
    assert.match(report, /<svg/);
    assert.doesNotMatch(report, /<script|<link|<img|\ssrc=|url\(/i, 'self-contained: no script, nothing fetched');
  });

  it('sustained 200/s for 1 s: open loop, latency from the intended send time', async () => {
    const { result } = await bench(['sustained', '200', '1s', '--seed', '7', '--users', '10']);
    const p = result.phases[0];
    assert.equal(p.kind, 'sustained');
    assert.equal(p.targetRate, 200);
    assert.equal(p.latencyMs.measuredFrom, 'intended send time');
    checkCounts(p, 200);
  });

  it('the batch and WebSocket transports', async () => {
    // a batch burst has every order in flight at once: none has rested yet when they are made, so no cancels
    const batch = await bench(['burst', '300', '--transport', 'batch', '--batch-size', '50', '--users', '4']);
    checkCounts(batch.result.phases[0], 300, false);
    const batched = await bench(['sustained', '400', '1s', '--transport', 'batch', '--batch-size', '20', '--users', '4']);
    checkCounts(batched.result.phases[0], 400);
    const ws = await bench(['sustained', '150', '1s', '--transport', 'ws', '--connections', '6']);
    assert.equal(ws.result.users, 6);
    checkCounts(ws.result.phases[0], 150);
  });

  it('ramp: steps until the limits or the step count, and reports the knee', async () => {
    const { result } = await bench(['ramp', '--start-rate', '100', '--step-rate', '100', '--step', '500ms', '--max-steps', '3', '--max-p99-ms', '5000', '--users', '5']);
    assert.deepEqual(result.phases.map((p) => p.targetRate), [100, 200, 300]);
    result.phases.forEach((p, i) => {
      checkCounts(p, (i + 1) * 50);
      assert.equal(p.passed, true);
    });
    assert.equal(result.knee?.rate, 300);
    assert.equal(result.knee?.failedAt, null);
  });

  it('refuses a non-loopback URL before sending anything', async () => {
    await assert.rejects(
      run(process.execPath, [BIN, 'bench', 'burst', '10', '--url', 'http://192.0.2.1:3001', '--secret', SECRET], { timeout: 30_000 }),
      (err: { code?: number; stderr?: string }) => err.code === 2 && /not a loopback address/.test(err.stderr ?? ''),
    );
  });
});
