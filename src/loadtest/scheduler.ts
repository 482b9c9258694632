/**
 * The two ways of sending a phase's requests.
 *
 * Open loop (`runOpenLoop`, for `sustained` and `ramp`): request i is due at start + i / rate, whatever
 * happened to the earlier ones, and its latency is measured from that INTENDED time, not from when it
 * actually left. A server that stalls for X ms therefore shows X ms (minus how late in the stall the
 * request was due) on every request due during the stall — the queue the stall built is not hidden
 * ("coordinated omission"). When `maxInFlight` requests are outstanding, further ones wait here, still
 * timed from their intended time.
 *
 * Closed loop (`runClosedLoop`, for `burst`): N requests through C concurrent workers as fast as the
 * server answers; latency is the service time from the actual send.
 *
 * Both are bounded in time: what has not been sent by the deadline is counted NOT_SENT, and what has not
 * been answered by then TIMEOUT.
 */
import type { Clock } from './clock.js';

export interface Outcome {
  readonly ok: boolean;
  /** the error code when not ok (catalogue code, or a client-side one: TIMEOUT, NETWORK_ERROR, HTTP_nnn) */
  readonly code: string | null;
  /** a cancel answered 404: the order had already been filled or cancelled (expected under load) */
  readonly cancelMiss?: boolean;
}

export interface Completion {
  readonly index: number;
  /** when the request was due (open loop) or sent (closed loop), clock ms */
  readonly intended: number;
  /** when it was actually sent, or null when it never was */
  readonly sentAt: number | null;
  readonly finished: number;
  /** finished − intended */
  readonly latencyMs: number;
  readonly outcome: Outcome;
}

export interface LoopResult {
  readonly scheduled: number;
  readonly sent: number;
  readonly answered: number;
  readonly timedOut: number;
  readonly notSent: number;
  readonly startedAt: number;
  /** when the last answer (or the deadline) came */
  readonly endedAt: number;
}

export interface OpenLoopOptions<Op> {
  readonly clock: Clock;
  readonly ratePerSec: number;
  readonly durationMs: number;
  readonly maxInFlight: number;
  /** time after the schedule's end for outstanding requests before they count as TIMEOUT */
  readonly drainTimeoutMs: number;
  make(index: number): Op;
  send(op: Op): Promise<Outcome>;
  record(completion: Completion): void;
  /** called for each request as it is sent */
  onSend?(index: number, at: number): void;
}

const TIMEOUT: Outcome = Object.freeze({ ok: false, code: 'TIMEOUT' });
const NOT_SENT: Outcome = Object.freeze({ ok: false, code: 'NOT_SENT' });
const YIELD_EVERY = 64;

function failure(err: unknown): Outcome {
  const code = (err as { code?: unknown } | null)?.code;
  return { ok: false, code: typeof code === 'string' ? `NETWORK_${code}` : 'NETWORK_ERROR' };
}

/** Tracks outstanding requests; `idle` and `slot` resolve when the count drops. */
class InFlight {
  count = 0;
  private waiters: Array<() => void> = [];

  wait(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  release(): void {
    this.count--;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}

export async function runOpenLoop<Op>(o: OpenLoopOptions<Op>): Promise<LoopResult> {
  if (!(o.ratePerSec > 0) || !(o.durationMs > 0)) throw new RangeError('rate and duration must be positive');
  const { clock } = o;
  const scheduled = Math.max(1, Math.floor((o.ratePerSec * o.durationMs) / 1000));
  const interval = 1000 / o.ratePerSec;
  const startedAt = clock.now();
  const deadline = startedAt + o.durationMs + o.drainTimeoutMs;
  const deadlineTimer = clock.timer(deadline);
  const flight = new InFlight();
  const open = new Set<number>();
  let sent = 0;
  let answered = 0;
  let sinceYield = 0;
  let lastAnswer = startedAt;

  const dispatch = (index: number, intended: number) => {
    const sentAt = clock.now();
    sent++;
    flight.count++;
    open.add(index);
    o.onSend?.(index, sentAt);
    let promise: Promise<Outcome>;
    try {
      promise = o.send(o.make(index));
    } catch (err) {
      promise = Promise.resolve(failure(err));
    }
    promise.then(
      (outcome) => finish(index, intended, sentAt, outcome),
      (err: unknown) => finish(index, intended, sentAt, failure(err)),
    );
  };
  const finish = (index: number, intended: number, sentAt: number, outcome: Outcome) => {
    if (!open.delete(index)) return; // already counted as TIMEOUT
    const finished = clock.now();
    answered++;
    lastAnswer = finished;
    flight.release();
    o.record({ index, intended, sentAt, finished, latencyMs: finished - intended, outcome });
  };

  let index = 0;
  while (index < scheduled) {
    const intended = startedAt + index * interval;
    const now = clock.now();
    if (now >= deadline) break;
    if (now < intended) {
      sinceYield = 0;
      await clock.sleepUntil(intended);
      continue;
    }
    if (flight.count >= o.maxInFlight) {
      await Promise.race([flight.wait(), deadlineTimer.promise]);
      continue;
    }
    dispatch(index++, intended);
    // when behind schedule the loop never sleeps: yield now and then so answers are read
    if (++sinceYield >= YIELD_EVERY) {
      sinceYield = 0;
      await clock.sleepUntil(clock.now());
    }
  }
  const notSent = scheduled - index;
  for (let i = index; i < scheduled; i++) {
    const intended = startedAt + i * interval;
    o.record({ index: i, intended, sentAt: null, finished: deadline, latencyMs: deadline - intended, outcome: NOT_SENT });
  }
  const timedOut = await drain(clock, flight, open, deadline, deadlineTimer.promise, (i) => {
    const intended = startedAt + i * interval;
    o.record({ index: i, intended, sentAt: null, finished: deadline, latencyMs: deadline - intended, outcome: TIMEOUT });
  });
  deadlineTimer.cancel();
  return { scheduled, sent, answered, timedOut, notSent, startedAt, endedAt: timedOut > 0 || notSent > 0 ? deadline : lastAnswer };
}

/** Waits for every outstanding request or the deadline; what is still open then is reported and dropped. */
async function drain(
  clock: Clock, flight: InFlight, open: Set<number>, deadline: number, atDeadline: Promise<void>, timedOut: (index: number) => void,
): Promise<number> {
  while (flight.count > 0 && clock.now() < deadline) {
    await Promise.race([flight.wait(), atDeadline]);
  }
  const late = [...open];
  open.clear();
  for (const i of late) timedOut(i);
  return late.length;
}

export interface ClosedLoopOptions<Op> {
  readonly clock: Clock;
  readonly count: number;
  readonly concurrency: number;
  /** nothing is sent after this long; what is outstanding then counts as TIMEOUT */
  readonly timeLimitMs: number;
  make(index: number): Op;
  send(op: Op): Promise<Outcome>;
  record(completion: Completion): void;
  onSend?(index: number, at: number): void;
}

export async function runClosedLoop<Op>(o: ClosedLoopOptions<Op>): Promise<LoopResult> {
  const { clock } = o;
  const startedAt = clock.now();
  const deadline = startedAt + o.timeLimitMs;
  const deadlineTimer = clock.timer(deadline);
  const atDeadline = deadlineTimer.promise.then(() => null);
  const flight = new InFlight();
  const open = new Set<number>();
  const sentAtOf = new Map<number, number>();
  let next = 0;
  let sent = 0;
  let answered = 0;
  let lastAnswer = startedAt;

  const worker = async () => {
    while (next < o.count && clock.now() < deadline) {
      const index = next++;
      const sentAt = clock.now();
      sent++;
      flight.count++;
      open.add(index);
      sentAtOf.set(index, sentAt);
      o.onSend?.(index, sentAt);
      let outcome: Outcome;
      try {
        outcome = (await Promise.race([o.send(o.make(index)), atDeadline])) ?? TIMEOUT;
      } catch (err) {
        outcome = failure(err);
      }
      if (outcome === TIMEOUT) return; // reported by drain below
      open.delete(index);
      sentAtOf.delete(index);
      flight.release();
      const finished = clock.now();
      answered++;
      lastAnswer = finished;
      o.record({ index, intended: sentAt, sentAt, finished, latencyMs: finished - sentAt, outcome });
    }
  };
  const workers = Array.from({ length: Math.max(1, Math.min(o.concurrency, o.count)) }, () => worker());
  await Promise.all(workers);
  const notSent = o.count - next;
  for (let i = next; i < o.count; i++) {
    o.record({ index: i, intended: deadline, sentAt: null, finished: deadline, latencyMs: 0, outcome: NOT_SENT });
  }
  const timedOut = await drain(clock, flight, open, deadline, deadlineTimer.promise, (i) => {
    const sentAt = sentAtOf.get(i) ?? startedAt;
    o.record({ index: i, intended: sentAt, sentAt, finished: deadline, latencyMs: deadline - sentAt, outcome: TIMEOUT });
  });
  deadlineTimer.cancel();
  return { scheduled: o.count, sent, answered, timedOut, notSent, startedAt, endedAt: timedOut > 0 ? deadline : lastAnswer };
}
