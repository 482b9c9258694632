/**
 * Where a history writer that fell behind gets the missed commands' events again: the journal (replayed
 * through the engine from a snapshot, event-replay.ts) or, in Redis mode, the event streams
 * (redis/stream-replay.ts).
 */
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { DurableEntry } from './rows.js';

export interface CatchUpReplay {
  /** every command up to here has been passed over (applied silently or emitted) */
  readonly seq: number;
  /** where the replay started from a snapshot (0: from the beginning); for the logs */
  readonly snapshotSeq: number;
  /**
   * Goes through commands seq+1 .. toSeq; those <= silentThrough are skipped, for the others `emit` is
   * awaited with each run of consecutive entries. `pace` is awaited between chunks.
   */
  run(toSeq: number, silentThrough: number, emit: (entries: DurableEntry[]) => Promise<void>, options?: CatchUpRunOptions): Promise<void>;
}

export interface CatchUpRunOptions {
  /** entries per `emit` at most */
  readonly chunkRecords?: number;
  /** awaited between chunks (the writer gives way to matching) */
  readonly pace?: () => Promise<void>;
}

/** A run's options with their defaults: at most `chunk` entries per emit, `pace` awaited after each. */
export function runPacing(options: CatchUpRunOptions): { chunk: number; pace: () => Promise<void> } {
  return { chunk: options.chunkRecords ?? 500, pace: options.pace ?? ((): Promise<void> => yieldToLoop()) };
}

/** Opens a replay that starts at or before `atOrBefore` (so that it covers atOrBefore + 1 on). */
export type CatchUpSource = (atOrBefore: number) => Promise<CatchUpReplay>;

/** The commands needed are no longer there (trimmed streams, pruned journal): catch-up cannot proceed. */
export class CatchUpGapError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CatchUpGapError';
  }
}
