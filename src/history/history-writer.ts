/**
 * The history writer: durable engine events → the history store, off the hot path.
 *
 * `listener` is subscribed to `sequencer.onDurable`. It only appends (seq, events) to an in-memory queue
 * and wakes the write loop: O(1), no I/O, never throws. The loop writes bounded batches, each in one
 * transaction together with the progress row, so the store always holds exactly the commands up to its
 * progress (a crash between two batches loses nothing and duplicates nothing).
 *
 * When the store fails, the loop backs off (exponential, capped) and keeps retrying. Memory is bounded:
 * when the queue passes its limit it is dropped whole, and the missing commands are later regenerated
 * from disk (newest snapshot at or before the stored progress + the journal after it, see
 * event-replay.ts) until the loop reaches the live queue again. The same catch-up runs at start, from
 * the progress row. It needs those files: `retainFrom()` tells the sequencer's pruning what to keep.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as delay, setImmediate as yieldToLoop } from 'node:timers/promises';
import { buildCatalogue, type MarketCatalogue, type MarketConfig } from '../engine/market.js';
import type { EngineEvent } from '../engine/events.js';
import { CatchUpGapError, type CatchUpReplay, type CatchUpSource } from './catch-up.js';
import { EventReplay, ReplayMismatchError } from './event-replay.js';
import { JournalGapError, JournalRangeError } from './journal-range.js';
import { buildBatch, pairAssets, type DurableEntry, type PairAssets } from './rows.js';
import type { HistoryStore } from './types.js';

export interface HistoryWriterLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface HistoryWriterOptions {
  readonly store: HistoryStore;
  /** the sequencer's markets: catch-up replays the engine */
  readonly markets: readonly MarketConfig[] | MarketCatalogue;
  /** the sequencer's data directory (journal/ and snapshots/ inside), where catch-up replays from ... */
  readonly dataDir: string;
  /** ... unless another source is given (Redis mode: the event streams) */
  readonly catchUpSource?: CatchUpSource;
  /** the sequencer's durable sequence (`() => sequencer.durableSeq`) */
  readonly durableSeq: () => number;
  /** the queue is dropped (and later regenerated from disk) when it holds more events than this */
  readonly maxQueuedEvents?: number;
  /** ... or more commands than this */
  readonly maxQueuedCommands?: number;
  /** one transaction holds at most this many commands ... */
  readonly maxBatchCommands?: number;
  /** ... and about this many events */
  readonly maxBatchEvents?: number;
  /**
   * Catch-up replays the engine on the exchange's thread, so it gives way: between chunks of 500 commands
   * it waits while the thread was busier than this (event-loop utilisation, 0..1, default 0.5) ...
   */
  readonly catchUpMaxUtilization?: number;
  /** ... but never more than this long per chunk (default 1000 ms), so it always moves on */
  readonly catchUpMaxWaitMs?: number;
  /** first retry delay after a failure, doubled per failure up to maxBackoffMs */
  readonly initialBackoffMs?: number;
  readonly maxBackoffMs?: number;
  readonly log?: HistoryWriterLog;
}

/**
 * - starting: reading the progress row
 * - ok: writing the live stream (or idle, caught up)
 * - catching_up: regenerating missed commands from the snapshot + journal
 * - backing_off: the store failed; waiting before the next try
 * - stalled: catch-up cannot proceed (journal records gone or not matching); retried at the longest backoff
 * - stopped: closed
 */
export type HistoryWriterState = 'starting' | 'ok' | 'catching_up' | 'backing_off' | 'stalled' | 'stopped';

export interface HistoryWriterStatus {
  readonly state: HistoryWriterState;
  /** durable seq − persisted seq */
  readonly lag: number;
  readonly durableSeq: number;
  /** -1 until the progress row was read */
  readonly persistedSeq: number;
  readonly queuedCommands: number;
  readonly queuedEvents: number;
  /** times the queue was dropped for passing its limit */
  readonly overflows: number;
  readonly consecutiveFailures: number;
  readonly lastError: string | null;
  readonly retainFrom: number;
  /**
   * The store held more commands than the journal (or streams) at start: it belongs to another data
   * dir or keyspace, and its rows up to that point are not this exchange's. Shown in /api/health.
   */
  readonly storeAhead: boolean;
}

const SILENT: HistoryWriterLog = { info() {}, warn() {}, error() {} };

export class HistoryWriterClosedError extends Error {
  constructor() {
    super('history writer closed');
    this.name = 'HistoryWriterClosedError';
  }
}

interface Waiter {
  readonly seq: number;
  resolve(): void;
  reject(err: Error): void;
}

export class HistoryWriter {
  private readonly store: HistoryStore;
  private readonly catalogue: MarketCatalogue;
  private readonly assets: ReadonlyMap<string, PairAssets>;
  private readonly log: HistoryWriterLog;
  private readonly maxQueuedEvents: number;
  private readonly maxQueuedCommands: number;
  private readonly maxBatchCommands: number;
  private readonly maxBatchEvents: number;
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly catchUpMaxUtilization: number;
  private readonly catchUpMaxWaitMs: number;

  // the queue: parallel arrays from `head` on, seqs consecutive
  private seqs: number[] = [];
  private eventLists: (readonly EngineEvent[] | undefined)[] = [];
  /** each queued command's time, null when the source does not tell it */
  private times: Array<number | null> = [];
  private head = 0;
  private queuedEvents = 0;
  private overflowing = false;
  /** false after an overflow while catch-up is far behind: queueing events it will regenerate anyway only churns memory */
  private queueing = true;

  private persisted = -1;
  private storeAhead = false;
  private replay: CatchUpReplay | null = null;
  private mode: 'starting' | 'live' | 'catching_up' = 'starting';
  private backingOff = false;
  private stalled = false;
  private failures = 0;
  private lastError: string | null = null;
  private overflows = 0;
  private waiters: Waiter[] = [];
  private wake: (() => void) | null = null;
  private sleepTimer: { timer: NodeJS.Timeout; done: () => void } | null = null;
  private loop: Promise<void> | null = null;
  private closed = false;

  constructor(private readonly options: HistoryWriterOptions) {
    this.store = options.store;
    this.catalogue = Array.isArray(options.markets)
      ? buildCatalogue(options.markets as readonly MarketConfig[])
      : (options.markets as MarketCatalogue);
    this.assets = pairAssets(this.catalogue);
    this.log = options.log ?? SILENT;
    this.maxQueuedEvents = options.maxQueuedEvents ?? 50_000;
    this.maxQueuedCommands = options.maxQueuedCommands ?? 20_000;
    this.maxBatchCommands = options.maxBatchCommands ?? 2_000;
    this.maxBatchEvents = options.maxBatchEvents ?? 20_000;
    this.initialBackoffMs = options.initialBackoffMs ?? 100;
    this.maxBackoffMs = options.maxBackoffMs ?? 10_000;
    this.catchUpMaxUtilization = options.catchUpMaxUtilization ?? 0.5;
    this.catchUpMaxWaitMs = options.catchUpMaxWaitMs ?? 1_000;
  }

  /** Subscribe this to `sequencer.onDurable`, before the first command is executed. */
  readonly listener = (seq: number, events: readonly EngineEvent[], time: number | null = null): void => {
    if (this.closed || !this.queueing) return;
    this.seqs.push(seq);
    this.eventLists.push(events);
    this.times.push(time);
    this.queuedEvents += events.length;
    if (this.seqs.length - this.head > this.maxQueuedCommands || this.queuedEvents > this.maxQueuedEvents) {
      // drop everything (freeing the memory at once); catch-up regenerates it from the journal
      this.seqs = [];
      this.eventLists = [];
      this.times = [];
      this.head = 0;
      this.queuedEvents = 0;
      this.overflows++;
      this.queueing = false;
      if (!this.overflowing) {
        this.overflowing = true;
        this.log.warn({ seq, persistedSeq: this.persisted }, 'history queue overflowed; dropped it, will catch up from the journal');
      }
    }
    if (this.wake !== null) {
      const wake = this.wake;
      this.wake = null;
      wake();
    }
  };

  /** Starts the write loop (reads the progress row, catches up from disk, then follows the live stream). */
  start(): void {
    if (this.loop !== null || this.closed) return;
    this.loop = this.run().catch((err: unknown) => {
      // a bug, not a database problem (those are retried): say so loudly
      this.log.error({ err }, 'history writer loop crashed');
      this.lastError = errorText(err);
      this.stalled = true;
    });
  }

  get lag(): number {
    return Math.max(0, this.options.durableSeq() - Math.max(this.persisted, 0));
  }

  get persistedSeq(): number {
    return this.persisted;
  }

  get state(): HistoryWriterState {
    if (this.closed) return 'stopped';
    if (this.stalled) return 'stalled';
    if (this.backingOff) return 'backing_off';
    if (this.mode === 'starting') return 'starting';
    return this.mode === 'catching_up' ? 'catching_up' : 'ok';
  }

  status(): HistoryWriterStatus {
    return {
      state: this.state,
      lag: this.lag,
      durableSeq: this.options.durableSeq(),
      persistedSeq: this.persisted,
      queuedCommands: this.seqs.length - this.head,
      queuedEvents: this.queuedEvents,
      overflows: this.overflows,
      consecutiveFailures: this.failures,
      lastError: this.lastError,
      retainFrom: this.retainFrom(),
      storeAhead: this.storeAhead,
    };
  }

  /**
   * The oldest journal sequence this writer may still have to read. Pruning must keep the newest
   * snapshot with seq < retainFrom() (if there is one) and every journal record after that snapshot;
   * without such a snapshot, the whole journal from seq 1. Before the progress row is read: 1.
   */
  retainFrom(): number {
    if (this.persisted < 0) return 1;
    const replaySeq = this.replay === null ? Infinity : this.replay.seq;
    return Math.min(this.persisted, replaySeq) + 1;
  }

  /** Resolves once everything up to `seq` is in the store; rejects if the writer closes first. */
  whenPersisted(seq: number): Promise<void> {
    if (this.persisted >= seq) return Promise.resolve();
    if (this.closed) return Promise.reject(new HistoryWriterClosedError());
    return new Promise((resolve, reject) => this.waiters.push({ seq, resolve, reject }));
  }

  /** For shutdown: waits up to `timeoutMs` for the store to reach the durable seq. True if it did. */
  async flush(timeoutMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    try {
      return await Promise.race([this.whenPersisted(this.options.durableSeq()).then(() => true), timeout]);
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Stops the loop (a batch in flight finishes or fails first). Does not close the store. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.wake?.();
    this.wake = null;
    this.sleepTimer?.done();
    await this.loop;
    this.seqs = [];
    this.eventLists = [];
    this.times = [];
    this.head = 0;
    this.queuedEvents = 0;
    this.replay = null;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w.reject(new HistoryWriterClosedError());
  }

  // --- the loop ---

  private async run(): Promise<void> {
    while (!this.closed) {
      if (this.persisted < 0) {
        await this.loadProgress();
        continue;
      }
      this.dropWritten();
      if (this.head < this.seqs.length && this.seqs[this.head] === this.persisted + 1) {
        if (this.mode !== 'live') this.goLive();
        await this.writeWithRetry(this.takeBatch());
        // let the sequencer's I/O in between batches
        await yieldToLoop();
        continue;
      }
      // close enough to the live stream again: queue from now on (in the same synchronous step as reading
      // the durable seq, so every command after the catch-up target is queued)
      if (!this.queueing && this.options.durableSeq() - this.persisted <= this.maxQueuedCommands / 2) this.queueing = true;
      const target = this.head < this.seqs.length ? this.seqs[this.head] - 1 : this.options.durableSeq();
      if (target > this.persisted) {
        await this.catchUp(target);
        continue;
      }
      if (this.mode !== 'live') this.goLive();
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  private goLive(): void {
    if (this.mode === 'catching_up') this.log.info({ persistedSeq: this.persisted }, 'history writer caught up');
    this.mode = 'live';
    this.overflowing = false;
    // the replay engine is a second copy of the exchange state: free it once the live stream joins
    this.replay = null;
  }

  private async loadProgress(): Promise<void> {
    try {
      const seq = await this.store.persistedSeq();
      const durable = this.options.durableSeq();
      if (seq > durable) {
        this.storeAhead = true;
        this.log.error(
          { persistedSeq: seq, durableSeq: durable },
          'history store is ahead of the journal (another data dir?); commands up to its progress will be skipped',
        );
      }
      this.persisted = seq;
      this.succeeded();
      this.log.info({ persistedSeq: seq, durableSeq: durable }, 'history writer resuming');
    } catch (err) {
      await this.failed(err, 'reading history progress failed', false);
    }
  }

  private dropWritten(): void {
    while (this.head < this.seqs.length && this.seqs[this.head] <= this.persisted) {
      this.queuedEvents -= this.eventLists[this.head]!.length;
      this.eventLists[this.head] = undefined;
      this.head++;
    }
    this.compact();
  }

  private compact(): void {
    if (this.head > 1024 && this.head * 2 > this.seqs.length) {
      this.seqs = this.seqs.slice(this.head);
      this.eventLists = this.eventLists.slice(this.head);
      this.times = this.times.slice(this.head);
      this.head = 0;
    }
  }

  /** Consecutive queued commands, up to the batch limits. */
  private takeBatch(): DurableEntry[] {
    const entries: DurableEntry[] = [];
    let events = 0;
    let expected = this.seqs[this.head];
    while (this.head < this.seqs.length && entries.length < this.maxBatchCommands && this.seqs[this.head] === expected) {
      const list = this.eventLists[this.head]!;
      if (entries.length > 0 && events + list.length > this.maxBatchEvents) break;
      entries.push({ seq: expected, events: list, time: this.times[this.head] });
      events += list.length;
      this.queuedEvents -= list.length;
      this.eventLists[this.head] = undefined;
      this.head++;
      expected++;
    }
    this.compact();
    return entries;
  }

  /** Writes until it succeeds; false if the writer closed first. */
  private async writeWithRetry(entries: DurableEntry[]): Promise<boolean> {
    if (entries.length === 0) return true;
    const batch = buildBatch(entries, this.assets);
    while (!this.closed) {
      try {
        await this.store.write(batch);
        this.advance(batch.lastSeq);
        this.succeeded();
        return true;
      } catch (err) {
        await this.failed(err, 'history write failed', false);
      }
    }
    return false;
  }

  private async catchUp(target: number): Promise<void> {
    if (this.mode !== 'catching_up') {
      this.mode = 'catching_up';
      this.log.info({ persistedSeq: this.persisted, target }, 'history writer catching up from the journal');
    }
    try {
      if (this.replay === null || this.replay.seq > this.persisted) {
        this.replay = null;
        this.replay = await (this.options.catchUpSource ?? this.journalReplay)(this.persisted);
        this.log.info(
          { snapshotSeq: this.replay.snapshotSeq, persistedSeq: this.persisted, target },
          this.replay.snapshotSeq === 0 ? 'history catch-up replays the journal from its start' : 'history catch-up replays from a snapshot',
        );
      }
      let buffered: DurableEntry[] = [];
      let bufferedEvents = 0;
      const flush = async (): Promise<void> => {
        const entries = buffered;
        buffered = [];
        bufferedEvents = 0;
        if (!(await this.writeWithRetry(entries))) throw new HistoryWriterClosedError();
      };
      await this.replay.run(
        target,
        this.persisted,
        async (entries) => {
          for (const e of entries) {
            buffered.push(e);
            bufferedEvents += e.events.length;
          }
          if (buffered.length >= this.maxBatchCommands || bufferedEvents >= this.maxBatchEvents) await flush();
        },
        { pace: () => this.giveWay() },
      );
      await flush();
      this.stalled = false;
    } catch (err) {
      this.replay = null;
      if (this.closed) return;
      const hopeless =
        err instanceof JournalGapError || err instanceof JournalRangeError || err instanceof ReplayMismatchError || err instanceof CatchUpGapError;
      await this.failed(err, hopeless ? 'history catch-up cannot proceed' : 'history catch-up failed', hopeless);
    }
  }

  private readonly journalReplay: CatchUpSource = (atOrBefore) =>
    EventReplay.open({ dataDir: this.options.dataDir, markets: this.catalogue, atOrBefore, log: this.log });

  /**
   * Matching comes first: wait in short naps while the thread stays busy without us (the utilisation
   * measured over a nap is other work's), up to catchUpMaxWaitMs.
   */
  private async giveWay(): Promise<void> {
    const until = Date.now() + this.catchUpMaxWaitMs;
    for (;;) {
      const mark = performance.eventLoopUtilization();
      await delay(2);
      if (this.closed || performance.eventLoopUtilization(mark).utilization < this.catchUpMaxUtilization) return;
      if (Date.now() >= until) return;
    }
  }

  private advance(seq: number): void {
    if (seq <= this.persisted) return;
    this.persisted = seq;
    if (this.waiters.length === 0) return;
    const still: Waiter[] = [];
    for (const w of this.waiters) {
      if (w.seq <= seq) w.resolve();
      else still.push(w);
    }
    this.waiters = still;
  }

  private succeeded(): void {
    if (this.failures > 0) this.log.info({ failures: this.failures }, 'history store reachable again');
    this.failures = 0;
    this.backingOff = false;
    this.stalled = false;
    this.lastError = null;
  }

  private async failed(err: unknown, msg: string, stalled: boolean): Promise<void> {
    this.failures++;
    this.lastError = errorText(err);
    this.stalled = stalled;
    this.backingOff = !stalled;
    const delay = stalled
      ? this.maxBackoffMs
      : Math.min(this.maxBackoffMs, this.initialBackoffMs * 2 ** Math.min(this.failures - 1, 30));
    // the first failure of an outage and then every tenth, so a long outage does not flood the log
    if (this.failures === 1 || this.failures % 10 === 0 || stalled) {
      (stalled ? this.log.error : this.log.warn).call(this.log, { err, failures: this.failures, retryInMs: delay }, msg);
    }
    await this.sleep(delay);
  }

  private sleep(ms: number): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.sleepTimer = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.sleepTimer = { timer, done };
    });
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
