/**
 * The schedulers against a stub target on a simulated clock. The stub answers in 1 ms, except during a
 * stall [STALL_AT, STALL_AT + STALL_MS) when it answers nothing until the stall ends. The open loop must
 * show the stall on every request that was due during it (latency from the INTENDED send time ≥ what was
 * left of the stall), even when its in-flight cap holds requests back; a closed loop would record one slow
 * request per worker instead, which is the coordinated omission the open loop avoids.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SimulatedClock } from '../../src/loadtest/clock.js';
import { runClosedLoop, runOpenLoop, type Completion, type Outcome } from '../../src/loadtest/scheduler.js';

const SERVICE_MS = 1;
const STALL_AT = 200;
const STALL_MS = 300;

/** A target that is stalled in [from, from + ms): requests arriving then are answered at its end. */
function stalledTarget(clock: SimulatedClock, from: number, ms: number, outcome: Outcome = { ok: true, code: null }) {
  let received = 0;
  return {
    get received() {
      return received;
    },
    send(): Promise<Outcome> {
      received++;
      const now = clock.now();
      const ready = now >= from && now < from + ms ? from + ms : now;
      return new Promise((resolve) => clock.at(ready + SERVICE_MS, () => resolve(outcome)));
    },
  };
}

describe('open-loop scheduler', () => {
  for (const maxInFlight of [100_000, 8]) {
    it(`counts a ${STALL_MS} ms stall in every order due during it (max in flight ${maxInFlight})`, async () => {
      const clock = new SimulatedClock();
      const target = stalledTarget(clock, STALL_AT, STALL_MS);
      const done: Completion[] = [];
      const rate = 1000; // one order per ms, for a second
      const result = await clock.run(
        runOpenLoop({
          clock, ratePerSec: rate, durationMs: 1000, maxInFlight, drainTimeoutMs: 5000,
          make: (i) => i, send: () => target.send(), record: (c) => done.push(c),
        }),
      );
      assert.equal(result.scheduled, 1000);
      assert.equal(result.sent, 1000);
      assert.equal(result.answered, 1000);
      assert.equal(result.timedOut + result.notSent, 0);
      assert.equal(done.length, 1000);
      for (const c of done) {
        assert.equal(c.intended, c.index, 'order i is due at i ms');
        assert.equal(c.latencyMs, c.finished - c.intended);
        const dueInStall = c.intended >= STALL_AT && c.intended < STALL_AT + STALL_MS;
        if (dueInStall) {
          assert.ok(c.latencyMs >= STALL_AT + STALL_MS - c.intended, `order due at ${c.intended} ms shows ${c.latencyMs} ms`);
        } else if (c.intended < STALL_AT) {
          assert.equal(c.latencyMs, SERVICE_MS);
        }
      }
      // the orders due in the stall's first 200 ms all waited more than 100 ms
      assert.ok(done.filter((c) => c.latencyMs > 100).length >= 200);
      const worst = Math.max(...done.map((c) => c.latencyMs));
      assert.ok(worst >= STALL_MS && worst <= STALL_MS + SERVICE_MS + 1, `worst ${worst}`);
    });
  }

  it('sends on schedule when the server keeps up: every latency is the service time', async () => {
    const clock = new SimulatedClock();
    const target = stalledTarget(clock, Infinity, 0);
    const done: Completion[] = [];
    await clock.run(
      runOpenLoop({ clock, ratePerSec: 250, durationMs: 2000, maxInFlight: 10, drainTimeoutMs: 1000, make: (i) => i, send: () => target.send(), record: (c) => done.push(c) }),
    );
    assert.equal(done.length, 500);
    for (const c of done) {
      assert.equal(c.sentAt, c.intended);
      assert.equal(c.latencyMs, SERVICE_MS);
    }
  });

  it('is bounded in time: a server that never answers yields TIMEOUT and NOT_SENT, not a hang', async () => {
    const clock = new SimulatedClock();
    const done: Completion[] = [];
    const result = await clock.run(
      runOpenLoop({
        clock, ratePerSec: 100, durationMs: 1000, maxInFlight: 20, drainTimeoutMs: 500, make: (i) => i,
        send: () => new Promise<Outcome>(() => undefined), record: (c) => done.push(c),
      }),
    );
    assert.equal(result.scheduled, 100);
    assert.equal(result.sent, 20, 'the in-flight cap held the rest back');
    assert.equal(result.timedOut, 20);
    assert.equal(result.notSent, 80);
    assert.equal(done.length, 100);
    assert.ok(done.every((c) => c.outcome.code === 'TIMEOUT' || c.outcome.code === 'NOT_SENT'));
    assert.equal(clock.now(), 1500);
  });

  it('turns a thrown or rejected send into a NETWORK outcome', async () => {
    const clock = new SimulatedClock();
    const done: Completion[] = [];
    await clock.run(
      runOpenLoop({
        clock, ratePerSec: 10, durationMs: 200, maxInFlight: 5, drainTimeoutMs: 100, make: (i) => i,
        send: (i) => (i === 0 ? Promise.reject(Object.assign(new Error('x'), { code: 'ECONNRESET' })) : Promise.resolve({ ok: true, code: null })),
        record: (c) => done.push(c),
      }),
    );
    assert.deepEqual(done.map((c) => c.outcome.code), ['NETWORK_ECONNRESET', null]);
  });
});

describe('closed-loop scheduler (burst)', () => {
  it('sends N through C workers and measures from the actual send', async () => {
    const clock = new SimulatedClock();
    const target = stalledTarget(clock, STALL_AT, STALL_MS);
    const done: Completion[] = [];
    const result = await clock.run(
      runClosedLoop({ clock, count: 1000, concurrency: 4, timeLimitMs: 60_000, make: (i) => i, send: () => target.send(), record: (c) => done.push(c) }),
    );
    assert.equal(result.sent, 1000);
    assert.equal(result.answered, 1000);
    assert.equal(done.length, 1000);
    for (const c of done) assert.equal(c.intended, c.sentAt);
    // the closed loop sees the stall once per worker: the coordinated omission an open loop avoids
    assert.equal(done.filter((c) => c.latencyMs > 100).length, 4);
  });

  it('stops at its time limit', async () => {
    const clock = new SimulatedClock();
    const done: Completion[] = [];
    const result = await clock.run(
      runClosedLoop({ clock, count: 50, concurrency: 5, timeLimitMs: 1000, make: (i) => i, send: () => new Promise<Outcome>(() => undefined), record: (c) => done.push(c) }),
    );
    assert.equal(result.sent, 5);
    assert.equal(result.timedOut, 5);
    assert.equal(result.notSent, 45);
    assert.equal(done.length, 50);
    assert.equal(clock.now(), 1000);
  });
});
