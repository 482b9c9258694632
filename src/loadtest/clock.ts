/**
 * Time for the load generator, injected so the schedulers can be tested with a simulated clock: `now()`
 * in milliseconds (monotonic), `sleepUntil(t)` resolves once now() ≥ t.
 */
import { performance } from 'node:perf_hooks';

export interface Clock {
  now(): number;
  sleepUntil(t: number): Promise<void>;
  /** a wake-up at t that can be called off (so a far deadline keeps no timer alive once work is done) */
  timer(t: number): ClockTimer;
}

export interface ClockTimer {
  readonly promise: Promise<void>;
  cancel(): void;
}

/** performance.now(): monotonic, sub-millisecond. Short waits yield to the event loop instead of a timer. */
export const realClock: Clock = {
  now: () => performance.now(),
  sleepUntil(t: number): Promise<void> {
    const wait = t - performance.now();
    // timers are ~1 ms coarse; below that, yield once so replies are read, and let the caller re-check
    if (wait <= 1) return new Promise((resolve) => setImmediate(resolve));
    return new Promise((resolve) => setTimeout(resolve, Math.max(1, Math.floor(wait))));
  },
  timer(t: number): ClockTimer {
    let handle: NodeJS.Timeout | undefined;
    const promise = new Promise<void>((resolve) => {
      handle = setTimeout(resolve, Math.max(0, Math.ceil(t - performance.now())));
    });
    return { promise, cancel: () => clearTimeout(handle) };
  },
};

/**
 * A discrete-event clock for tests: time only moves when `run` advances it to the next pending wake-up,
 * after letting every promise settle. Stubs schedule their replies with `at`.
 */
export class SimulatedClock implements Clock {
  private time = 0;
  private timers: Array<{ at: number; seq: number; fire: () => void }> = [];
  private seq = 0;

  now(): number {
    return this.time;
  }

  sleepUntil(t: number): Promise<void> {
    if (t <= this.time) return Promise.resolve();
    return new Promise((resolve) => this.at(t, resolve));
  }

  timer(t: number): ClockTimer {
    let entry: { at: number; seq: number; fire: () => void } | undefined;
    const promise = new Promise<void>((resolve) => {
      entry = this.at(t, resolve);
    });
    return { promise, cancel: () => (this.timers = this.timers.filter((x) => x !== entry)) };
  }

  /** Calls fire at simulated time t (now, if t is past). */
  at(t: number, fire: () => void): { at: number; seq: number; fire: () => void } {
    const entry = { at: Math.max(t, this.time), seq: this.seq++, fire };
    this.timers.push(entry);
    return entry;
  }

  /** Runs `task` to completion, advancing time from wake-up to wake-up. */
  async run<T>(task: Promise<T>): Promise<T> {
    let done = false;
    let failed = false;
    let result: T | undefined;
    let error: unknown;
    task.then(
      (r) => ((done = true), (result = r)),
      (e: unknown) => ((done = true), (failed = true), (error = e)),
    );
    for (;;) {
      await settle();
      if (done) break;
      if (this.timers.length === 0) throw new Error('simulation stalled: the task waits on nothing the clock knows');
      this.timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.timers.shift()!;
      this.time = next.at;
      next.fire();
    }
    if (failed) throw error;
    return result as T;
  }
}

/** Lets every queued promise reaction run (a macrotask turn). */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
