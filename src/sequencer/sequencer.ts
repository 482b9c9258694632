/**
 * The sequencer: the single writer in front of the engine. Each state-changing command gets the next
 * sequence number and the current time, is executed by the pure engine, and is appended to the journal
 * in the same synchronous step. Its acknowledgement and its events may leave only once the journal batch
 * holding it is on disk (`ackAfter` / `onDurable`), so a crash loses only what nobody was told about.
 * Rejected commands change nothing and are not journaled; they are answered once everything before them
 * is durable, so even a refusal never rests on state a crash could take back.
 */
import { readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { syncDirectory } from '../durability/journal-io.js';
import { loadLatestSnapshot, pruneSnapshots, snapshotFileName, writeSnapshot } from '../durability/snapshot-store.js';
import { JournalWriter, type FsyncMode, type JournalIo, type SyncObserver } from '../durability/journal-writer.js';
import { readJournal, type TornTail } from '../durability/journal-reader.js';
import { pruneSegments } from '../durability/prune.js';
import { reject } from '../errors.js';
import type { Command, PlaceOrderCommand } from '../engine/commands.js';
import { Engine } from '../engine/engine.js';
import type { CommandResult, EngineEvent } from '../engine/events.js';
import type { MarketCatalogue, MarketConfig } from '../engine/market.js';
import { retentionPlan } from '../history/retention.js';
import { CommandEncoder, UnencodableCommandError, decodeTransient, releaseTransientDecoder } from './command-codec.js';
import { decodeSnapshot, encodeSnapshot } from './snapshot-codec.js';

type WithoutTime<T> = T extends unknown ? Omit<T, 'time'> : never;
/** A command as a client gives it; the sequencer stamps the time. */
export type CommandInput = WithoutTime<Command>;

export interface Executed {
  /** the command's sequence number, or null when it was rejected (and not journaled) */
  readonly seq: number | null;
  readonly result: CommandResult;
  readonly events: EngineEvent[];
  /** answer the caller only after whenDurable(ackAfter) */
  readonly ackAfter: number;
}

export interface SequencerLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface SequencerOptions {
  readonly markets: readonly MarketConfig[] | MarketCatalogue;
  readonly dataDir: string;
  readonly fsyncMode?: FsyncMode;
  /** a snapshot is taken after this many journaled commands (and on close) */
  readonly snapshotEvery?: number;
  readonly now?: () => number;
  readonly log?: SequencerLog;
  /** fault injection for tests */
  readonly journalIo?: Partial<JournalIo>;
}

export interface RecoveryReport {
  readonly snapshotSeq: number;
  readonly replayed: number;
  readonly lastSeq: number;
  readonly truncated: TornTail | null;
  readonly millis: number;
}

/**
 * Called once per durable command, in sequence order: its sequence number, its events and the time the
 * sequencer stamped on it (ms since the epoch; the events of a cancel carry no time of their own).
 */
export type DurableListener = (seq: number, events: readonly EngineEvent[], time: number) => void;

/** The oldest journal sequence a late reader may still need (see `Sequencer.retain`). */
export type RetainFrom = () => number;

/** Snapshots the sequencer keeps for its own recovery (a damaged newest one falls back to the other). */
const KEEP_SNAPSHOTS = 2;

/**
 * Commands between periodic snapshots when the options do not say. Capturing and encoding a snapshot
 * stops the engine for time proportional to the resting orders (tens of ms per 100k), so every 100k
 * commands cost a third or more of the throughput on a 100k-order book; every 1M costs a few percent,
 * and a restart then replays at most 1M commands (about a second) after the snapshot.
 */
export const DEFAULT_SNAPSHOT_EVERY = 1_000_000;

const SILENT: SequencerLog = { info() {}, warn() {}, error() {} };

export class ReplayDivergedError extends Error {}

export class Sequencer {
  private readonly encoder = new CommandEncoder();
  private readonly listeners: DurableListener[] = [];
  private readonly retainers: RetainFrom[] = [];
  private readonly unpublishedSeqs: number[] = [];
  private readonly unpublishedEvents: EngineEvent[][] = [];
  private readonly unpublishedTimes: number[] = [];
  private publishWatch = false;
  private lastSnapshotSeq: number;
  private snapshotting: Promise<void> | null = null;
  private closed = false;

  private constructor(
    readonly engine: Engine,
    private readonly journal: JournalWriter,
    private readonly options: SequencerOptions,
    readonly recovery: RecoveryReport,
    private readonly log: SequencerLog,
    private readonly now: () => number,
  ) {
    this.lastSnapshotSeq = recovery.snapshotSeq;
  }

  /** Recovers the state from the newest valid snapshot plus the journal after it, then opens the journal. */
  static async open(options: SequencerOptions): Promise<Sequencer> {
    const log = options.log ?? SILENT;
    const started = performance.now();
    const snapshotDir = join(options.dataDir, 'snapshots');
    const journalDir = join(options.dataDir, 'journal');
    const loaded = await loadLatestSnapshot(snapshotDir, { log });
    let engine: Engine;
    if (loaded === null) {
      engine = new Engine(options.markets);
    } else {
      // (loadLatestSnapshot has logged any newer snapshot it skipped; readJournal logs a torn tail)
      engine = Engine.fromSnapshot(options.markets, decodeSnapshot(loaded.payload));
    }
    const snapshotSeq = loaded?.seq ?? 0;
    let read: ReturnType<typeof readJournal>;
    try {
      read = readJournal({
        dir: journalDir,
        fromSeq: snapshotSeq + 1,
        log,
        onRecordAt(seq, buf, start, end) {
          // replay builds no events: nobody is told about what was already told
          const result = engine.execute(decodeTransient(buf, start, end), null);
          // only accepted commands are journaled: a refusal now means the engine is not deterministic
          if (!result.ok) throw new ReplayDivergedError(`replaying journal record ${seq} was refused: ${result.code}`);
        },
      });
    } finally {
      releaseTransientDecoder();
    }
    const lastSeq = Math.max(snapshotSeq, read.lastSeq);
    const journal = await JournalWriter.open({
      dir: journalDir,
      fsyncMode: options.fsyncMode ?? 'batched',
      startSeq: lastSeq + 1,
      io: options.journalIo,
    });
    const recovery: RecoveryReport = {
      snapshotSeq,
      replayed: read.recordsRead,
      lastSeq,
      truncated: read.truncated ?? null,
      millis: performance.now() - started,
    };
    log.info(recovery, 'state recovered');
    return new Sequencer(engine, journal, options, recovery, log, options.now ?? Date.now);
  }

  get lastSeq(): number {
    return this.journal.lastAppendedSeq;
  }

  get durableSeq(): number {
    return this.journal.durableSeq;
  }

  /** False once the journal failed: state-changing commands are refused until a restart. */
  get healthy(): boolean {
    return this.journal.healthy && !this.closed;
  }

  get journalStats(): JournalWriter['stats'] {
    return this.journal.stats;
  }

  /** Observes how long each journal fdatasync takes, in seconds (for the metrics). */
  onJournalSync(observer: SyncObserver): () => void {
    return this.journal.onSync(observer);
  }

  /** Executes one command now; the caller answers after whenDurable(executed.ackAfter). */
  execute(input: CommandInput): Executed {
    if (!this.healthy) {
      return { seq: null, result: reject('UNAVAILABLE', 'the journal is not writable; try again later'), events: [], ackAfter: 0 };
    }
    const cmd = stampCommand(input, this.now());
    // Encoded before it runs: a command the journal cannot store exactly must not change the state.
    let payload: Uint8Array;
    try {
      payload = this.encoder.encode(cmd);
    } catch (err) {
      if (!(err instanceof UnencodableCommandError)) throw err;
      return { seq: null, result: reject('VALIDATION_ERROR', err.message), events: [], ackAfter: this.journal.lastAppendedSeq };
    }
    const events: EngineEvent[] = [];
    const result = this.engine.execute(cmd, events);
    if (!result.ok) return { seq: null, result, events, ackAfter: this.journal.lastAppendedSeq };
    const seq = this.journal.lastAppendedSeq + 1;
    this.journal.append(seq, payload);
    // Held until durable only if someone will read them: holding every command's events past a few
    // young-generation collections cost about a quarter of the throughput when nobody listens.
    if (this.listeners.length > 0) {
      this.unpublishedSeqs.push(seq);
      this.unpublishedEvents.push(events);
      this.unpublishedTimes.push(cmd.time);
      this.watchForPublish(seq);
    }
    if (seq - this.lastSnapshotSeq >= (this.options.snapshotEvery ?? DEFAULT_SNAPSHOT_EVERY) && this.snapshotting === null) {
      this.snapshotting = this.snapshot().finally(() => (this.snapshotting = null));
    }
    return { seq, result, events, ackAfter: seq };
  }

  /** Resolves once every command up to `seq` is durable; rejects if the journal failed first. */
  whenDurable(seq: number): Promise<void> {
    return this.journal.whenDurable(seq);
  }

  /**
   * Events of durable commands, in sequence order: a listener gets every command executed after it
   * subscribed (and possibly some executed before, while other listeners were subscribed), each once.
   */
  onDurable(listener: DurableListener): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  /**
   * Registers a late reader of the journal (the history writer): `retainFrom()` is the oldest sequence it
   * may still have to read. Snapshot pruning then keeps, besides the newest two snapshots, the newest
   * snapshot with seq < retainFrom() and every journal segment after it (src/history/retention.ts); with
   * no snapshot that old, no segment is deleted. Returns the function that unregisters it.
   */
  retain(retainFrom: RetainFrom): () => void {
    this.retainers.push(retainFrom);
    return () => {
      const i = this.retainers.indexOf(retainFrom);
      if (i >= 0) this.retainers.splice(i, 1);
    };
  }

  /** The lowest retainFrom() of the registered readers; Infinity with none; 1 (keep all) if one throws or answers NaN. */
  private retainFrom(): number {
    let min = Infinity;
    for (const f of this.retainers) {
      try {
        const seq = f();
        // a reader that answers nonsense must not make pruning delete what it needs: keep everything
        min = Math.min(min, Number.isNaN(seq) ? 1 : seq);
      } catch (err) {
        this.log.error({ err }, 'a retention callback threw; pruning keeps the whole journal this time');
        min = 1;
      }
    }
    return min;
  }

  /**
   * Waits for the oldest unpublished command, so that any flush that makes progress wakes the watch
   * (this does not rely on how the writer groups records into flushes).
   */
  private watchForPublish(seq: number): void {
    if (this.publishWatch) return;
    this.publishWatch = true;
    this.journal.whenDurable(seq).then(
      () => {
        this.publishWatch = false;
        this.publishDurable();
      },
      (err: unknown) => {
        this.publishWatch = false;
        this.log.error({ err }, 'journal failed: events of commands after the last durable one are dropped');
      },
    );
  }

  private publishDurable(): void {
    const durable = this.journal.durableSeq;
    const seqs = this.unpublishedSeqs;
    const events = this.unpublishedEvents;
    const times = this.unpublishedTimes;
    let n = 0;
    while (n < seqs.length && seqs[n] <= durable) {
      for (const listener of this.listeners) {
        try {
          listener(seqs[n], events[n], times[n]);
        } catch (err) {
          // one faulty consumer must not stop the others or make the stream skip or repeat a command
          this.log.error({ err, seq: seqs[n] }, 'onDurable listener threw');
        }
      }
      n++;
    }
    seqs.splice(0, n);
    events.splice(0, n);
    times.splice(0, n);
    if (seqs.length > 0) this.watchForPublish(seqs[0]);
  }

  /**
   * Snapshots the state as of now. The state is captured synchronously; the file is written once the
   * journal holds everything up to it (a snapshot must never be ahead of the durable journal). Old
   * segments go only when the oldest snapshot kept covers them, so a damaged newest snapshot can fall
   * back to the one before. Late readers registered with `retain` keep what they still need.
   */
  async snapshot(): Promise<void> {
    const seq = this.journal.lastAppendedSeq;
    if (seq === this.lastSnapshotSeq) return;
    const payload = encodeSnapshot(this.engine.snapshot());
    this.lastSnapshotSeq = seq;
    try {
      await this.journal.whenDurable(seq);
      const dir = join(this.options.dataDir, 'snapshots');
      await writeSnapshot(dir, seq, payload);
      // read after the snapshot is written: a reader only moves forward, so a later value keeps less
      const retainFrom = this.retainFrom();
      const plan = retentionPlan(await listSnapshotSeqs(dir), KEEP_SNAPSHOTS, retainFrom);
      for (const old of plan.deleteSnapshots) await unlink(join(dir, snapshotFileName(old)));
      if (plan.deleteSnapshots.length > 0) await syncDirectory(dir);
      // with every snapshot kept, this only removes .tmp leftovers of crashed writes
      await pruneSnapshots(dir, Number.MAX_SAFE_INTEGER);
      if (plan.coveredSeq > 0) await pruneSegments(join(this.options.dataDir, 'journal'), plan.coveredSeq);
      this.log.info(
        { seq, bytes: payload.length, ...(Number.isFinite(retainFrom) ? { retainFrom, keptSnapshots: plan.keepSnapshots } : {}) },
        'snapshot written',
      );
    } catch (err) {
      this.log.error({ err, seq }, 'snapshot failed');
    }
  }

  /** Stops taking commands, flushes the journal, writes a final snapshot and closes the files. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.snapshotting !== null) await this.snapshotting;
    if (this.journal.healthy) await this.snapshot();
    await this.journal.close();
  }
}

/**
 * The input with its time, built field by field rather than by `{ ...input, time }`: inputs come in
 * many shapes (whichever optional fields the client gave), which makes a spread take V8's slow path,
 * about 300 ns a command; this costs a tenth of that and gives the engine one shape per command type.
 * Absent optional fields become undefined, which the engine and the codec treat as absent.
 */
export function stampCommand(input: CommandInput, time: number): Command {
  switch (input.type) {
    case 'placeOrder': {
      // every key listed, so that a field added to PlaceOrderCommand is a compile error here, not dropped
      const order: { [K in keyof Required<PlaceOrderCommand>]: PlaceOrderCommand[K] } = {
        type: 'placeOrder',
        time,
        userId: input.userId,
        pair: input.pair,
        side: input.side,
        orderType: input.orderType,
        price: input.price,
        amount: input.amount,
        quoteAmount: input.quoteAmount,
        timeInForce: input.timeInForce,
        postOnly: input.postOnly,
        clientOrderId: input.clientOrderId,
        maxSlippageBps: input.maxSlippageBps,
        selfTradePrevention: input.selfTradePrevention,
      };
      return order as PlaceOrderCommand;
    }
    case 'cancelOrder':
      return { type: 'cancelOrder', time, userId: input.userId, orderId: input.orderId };
    case 'cancelByClientOrderId':
      return { type: 'cancelByClientOrderId', time, userId: input.userId, clientOrderId: input.clientOrderId };
    case 'cancelAll':
      return { type: 'cancelAll', time, userId: input.userId, pair: input.pair };
    case 'deposit':
    case 'withdraw':
      return { type: input.type, time, userId: input.userId, asset: input.asset, amount: input.amount };
    default:
      // pool liquidity (rare), or a type the engine will refuse
      return { ...input, time } as Command;
  }
}

/** The seqs of the snapshot files in `dir` (not the .tmp leftovers), in no particular order. */
async function listSnapshotSeqs(dir: string): Promise<number[]> {
  return (await readdir(dir))
    .map((name) => /^snapshot-(\d+)\.snap$/.exec(name))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]));
}
