/**
 * History catch-up in Redis mode: the missed commands' events read back from the capped event streams
 * (the streams hold exactly what each command returned, with its command number `n`), merged by `n`.
 * What the cap has already trimmed cannot come back: a hole is a CatchUpGapError (the writer reports
 * itself stalled), never a silent skip.
 */
import type { Redis } from 'ioredis';
import { CatchUpGapError, runPacing, type CatchUpReplay, type CatchUpRunOptions, type CatchUpSource } from '../history/catch-up.js';
import type { DurableEntry } from '../history/rows.js';
import type { StreamEntry } from './stream-entry.js';

export interface StreamReplayOptions {
  readonly redis: Redis;
  readonly streams: readonly string[];
  readonly decode: (fields: ReadonlyArray<string | Buffer>) => StreamEntry;
  /** entries per XRANGE */
  readonly pageSize?: number;
}

export function streamCatchUp(options: StreamReplayOptions): CatchUpSource {
  return async (atOrBefore) => new StreamReplay(options, atOrBefore);
}

class StreamReplay implements CatchUpReplay {
  readonly snapshotSeq = 0;
  /**
   * Per stream, the id of the last entry read at or below `passed`: the next run reads after it, not
   * the whole stream again (a writer catching up runs many times).
   */
  private readAfter = new Map<string, string>();

  constructor(
    private readonly options: StreamReplayOptions,
    private passed: number,
  ) {}

  get seq(): number {
    return this.passed;
  }

  async run(
    toSeq: number,
    silentThrough: number,
    emit: (entries: DurableEntry[]) => Promise<void>,
    options: CatchUpRunOptions = {},
  ): Promise<void> {
    const from = Math.max(this.passed, silentThrough);
    if (toSeq <= from) return;
    const { found, lastIds } = await this.read(from, toSeq);
    const { chunk, pace } = runPacing(options);
    let entries: DurableEntry[] = [];
    for (let n = from + 1; n <= toSeq; n++) {
      const entry = found.get(n);
      if (entry === undefined) {
        throw new CatchUpGapError(`command ${n} is no longer in the Redis event streams (trimmed by their cap); the history cannot be completed from ${n}`);
      }
      entries.push({ seq: n, events: entry.events, time: entry.time });
      if (entries.length >= chunk || n === toSeq) {
        await emit(entries);
        this.passed = n;
        entries = [];
        await pace();
      }
    }
    // everything up to toSeq is passed: later runs start after what this one read
    this.readAfter = lastIds;
  }

  /**
   * Every entry with from < n <= toSeq, from every stream (stream ids grow with n), and per stream the
   * id of the last entry read with n <= toSeq.
   */
  private async read(from: number, toSeq: number): Promise<{ found: Map<number, StreamEntry>; lastIds: Map<string, string> }> {
    const { redis, streams, decode } = this.options;
    const pageSize = this.options.pageSize ?? 1000;
    const found = new Map<number, StreamEntry>();
    const lastIds = new Map(this.readAfter);
    for (const key of streams) {
      const after = this.readAfter.get(key);
      let start = after === undefined ? '-' : '(' + after;
      for (;;) {
        const page = await redis.xrange(key, start, '+', 'COUNT', pageSize);
        let beyond = false;
        for (const [id, fields] of page) {
          const entry = decode(fields);
          if (entry.n > toSeq) {
            beyond = true;
            break;
          }
          lastIds.set(key, id);
          if (entry.n > from) found.set(entry.n, entry);
        }
        if (beyond || page.length < pageSize) break;
        start = '(' + page[page.length - 1][0];
      }
    }
    return { found, lastIds };
  }
}
