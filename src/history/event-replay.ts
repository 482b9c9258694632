/**
 * Regenerates the durable event stream from disk, for a history writer that fell behind (database down,
 * queue dropped, restart). Events are not stored anywhere, but the engine is deterministic: the newest
 * snapshot at or before the point we need, plus the journal after it, replays to exactly the events the
 * live engine produced. Records up to what the store already has are applied silently; the rest are
 * handed over with their events.
 */
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { SNAPSHOT_HEADER_BYTES, validateSnapshot } from '../durability/snapshot-store.js';
import type { MarketCatalogue, MarketConfig } from '../engine/market.js';
import { Engine } from '../engine/engine.js';
import type { EngineEvent } from '../engine/events.js';
import { decodeCommand } from '../sequencer/command-codec.js';
import { decodeSnapshot } from '../sequencer/snapshot-codec.js';
import { readJournalRange } from './journal-range.js';
import { runPacing, type CatchUpReplay, type CatchUpRunOptions } from './catch-up.js';
import type { DurableEntry } from './rows.js';

const SNAPSHOT_NAME = /^snapshot-(\d{20})\.snap$/;

/** Replaying a journal record was refused: the journal and the snapshot do not belong together. */
export class ReplayMismatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReplayMismatchError';
  }
}

export interface ReplayLog {
  warn(obj: object, msg: string): void;
}

export interface OpenReplayOptions {
  readonly dataDir: string;
  readonly markets: readonly MarketConfig[] | MarketCatalogue;
  /** the replay starts from the newest valid snapshot with seq <= this (else from an empty engine) */
  readonly atOrBefore: number;
  readonly log?: ReplayLog;
}

export class EventReplay implements CatchUpReplay {
  private constructor(
    private readonly engine: Engine,
    private readonly journalDir: string,
    /** every journal record up to here is applied */
    private appliedSeq: number,
    readonly snapshotSeq: number,
  ) {}

  static async open(options: OpenReplayOptions): Promise<EventReplay> {
    const dir = join(options.dataDir, 'snapshots');
    const journalDir = join(options.dataDir, 'journal');
    let names: string[] = [];
    try {
      names = await readdir(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    const seqs = names
      .map((n) => SNAPSHOT_NAME.exec(n))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => Number(m[1]))
      .filter((seq) => seq <= options.atOrBefore)
      .sort((a, b) => b - a);
    for (const seq of seqs) {
      const file = join(dir, `snapshot-${String(seq).padStart(20, '0')}.snap`);
      try {
        const data = await readFile(file);
        const valid = validateSnapshot(data, seq);
        if (typeof valid === 'string') throw new Error(valid);
        const snap = decodeSnapshot(data.subarray(SNAPSHOT_HEADER_BYTES));
        return new EventReplay(Engine.fromSnapshot(options.markets, snap), journalDir, seq, seq);
      } catch (err) {
        // pruned between readdir and readFile, or damaged: an older one (or the journal from 1) will do
        options.log?.warn({ err, file }, 'history catch-up could not use a snapshot, trying an older one');
      }
    }
    return new EventReplay(new Engine(options.markets), journalDir, 0, 0);
  }

  /** every journal record up to here is applied to the replay engine */
  get seq(): number {
    return this.appliedSeq;
  }

  /**
   * Applies records seq+1 .. toSeq. Those <= silentThrough only change the state; for the others
   * `emit` is awaited with each run of consecutive entries (at most `chunkRecords` of them).
   */
  async run(
    toSeq: number,
    silentThrough: number,
    emit: (entries: DurableEntry[]) => Promise<void>,
    options: CatchUpRunOptions = {},
  ): Promise<void> {
    const { chunk, pace } = runPacing(options);
    if (toSeq <= this.appliedSeq) return;
    await readJournalRange(
      this.journalDir,
      this.appliedSeq + 1,
      toSeq,
      async (firstSeq, payloads) => {
        const entries: DurableEntry[] = [];
        for (let i = 0; i < payloads.length; i++) {
          const seq = firstSeq + i;
          const events: EngineEvent[] | null = seq > silentThrough ? [] : null;
          const cmd = decodeCommand(payloads[i]);
          const result = this.engine.execute(cmd, events);
          // only accepted commands are journaled: a refusal means the state we replay onto is wrong
          if (!result.ok) throw new ReplayMismatchError(`journal record ${seq} was refused on replay: ${result.code}`);
          this.appliedSeq = seq;
          if (events !== null) entries.push({ seq, events, time: cmd.time });
        }
        if (entries.length > 0) await emit(entries);
        // the sequencer shares this thread: let it in between chunks
        await pace();
      },
      { chunkRecords: chunk },
    );
  }
}
