/**
 * The events of every process's commands, in commit order, read back from the Redis streams: what an
 * API process publishes to its WebSocket clients and book mirror in Redis mode, since other processes
 * change the book too. Each script XADDs its command's events with the exchange-wide command number
 * `n` (1, 2, 3, ... with no holes: only commands with events take one), so merging the streams by `n`
 * gives exactly the order Redis ran them in, and every process sees the same sequence.
 *
 * One blocking XREAD over all streams at a time (a dedicated connection), from the last id read of
 * each. A single XREAD is one atomic read of all streams, so when it returns entries past the next `n`
 * while no stream was cut short by COUNT, that `n` is gone (trimmed by the cap): logged, and skipped.
 */
import type { Redis } from 'ioredis';
import type { EngineEvent } from '../engine/events.js';
import type { StreamEntry } from './stream-entry.js';

/** as DurableListener: (sequence number, events, command time; null where the entry does not carry it) */
export type StreamListener = (seq: number, events: readonly EngineEvent[], time: number | null) => void;

export interface StreamFeedOptions {
  /** a connection of its own: XREAD BLOCK holds it */
  readonly reader: Redis;
  /** every stream the engine writes (each market's and the account stream) */
  readonly streams: readonly string[];
  readonly decode: (fields: ReadonlyArray<string | Buffer>) => StreamEntry;
  /** entries per stream per read */
  readonly count?: number;
  readonly blockMs?: number;
  readonly onError?: (err: unknown, what: string) => void;
}

type XReadReply = Array<[string, Array<[string, string[]]>]> | null;

export class StreamFeed {
  private seq: number;
  private readonly ids: string[];
  private readonly pending = new Map<number, StreamEntry>();
  private readonly listeners: StreamListener[] = [];
  private waiters: Array<{ seq: number; resolve: () => void }> = [];
  private running = true;
  private readonly loop: Promise<void>;
  /** entries whose number was lost (stream trimmed past this reader) */
  gaps = 0;
  /** consecutive failed reads (Redis away); 0 when reading */
  failures = 0;
  /** entries numbered at or below what was delivered: the keyspace was reset under this process */
  rewinds = 0;

  private constructor(private readonly options: StreamFeedOptions, start: { seq: number; ids: string[] }) {
    this.seq = start.seq;
    this.ids = start.ids;
    this.loop = this.run();
  }

  /**
   * Starts after the newest entry of every stream: `lastSeq` is the highest command number written so
   * far, and state read after this call includes at least that much.
   */
  static async start(options: StreamFeedOptions): Promise<StreamFeed> {
    const multi = options.reader.multi();
    for (const key of options.streams) multi.xrevrange(key, '+', '-', 'COUNT', 1);
    const replies = (await multi.exec()) ?? [];
    let seq = 0;
    const ids = options.streams.map((_key, i) => {
      const [err, entries] = replies[i] as [Error | null, Array<[string, string[]]>];
      if (err !== null) throw err;
      if (entries.length === 0) return '0-0';
      seq = Math.max(seq, options.decode(entries[0][1]).n);
      return entries[0][0];
    });
    return new StreamFeed(options, { seq, ids });
  }

  get lastSeq(): number {
    return this.seq;
  }

  onDurable(listener: StreamListener): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  /** Resolves once command number `seq` has been delivered to the listeners. */
  whenDurable(seq: number): Promise<void> {
    if (seq <= this.seq) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ seq, resolve }));
  }

  async close(): Promise<void> {
    this.running = false;
    // the blocked XREAD returns within blockMs; disconnecting ends it at once
    this.options.reader.disconnect();
    await this.loop;
    for (const w of this.waiters) w.resolve();
    this.waiters = [];
  }

  private async run(): Promise<void> {
    const { reader, streams } = this.options;
    const count = this.options.count ?? 1000;
    const blockMs = this.options.blockMs ?? 1000;
    while (this.running) {
      let reply: XReadReply;
      try {
        reply = (await reader.xread('COUNT', count, 'BLOCK', blockMs, 'STREAMS', ...streams, ...this.ids)) as XReadReply;
        this.failures = 0;
      } catch (err) {
        if (!this.running) return;
        this.failures++;
        if (this.failures === 1) this.options.onError?.(err, 'reading the event streams failed; retrying');
        await new Promise((r) => setTimeout(r, Math.min(100 * this.failures, 1000)));
        continue;
      }
      if (reply === null) continue;
      let cutShort = false;
      for (const [key, entries] of reply) {
        const index = streams.indexOf(key);
        for (const [id, fields] of entries) {
          this.ids[index] = id;
          try {
            const entry = this.options.decode(fields);
            if (entry.n > this.seq) this.pending.set(entry.n, entry);
            // each stream is read on from its last id, so an old number means the keyspace started over
            // (Redis restarted without persistence, or was flushed): nothing here can be trusted any more
            else this.rewound(key, entry.n);
          } catch (err) {
            this.options.onError?.(err, `undecodable stream entry ${key} ${id}`);
          }
        }
        if (entries.length >= count) cutShort = true;
      }
      this.deliver();
      if (!cutShort && this.pending.size > 0) this.skipGap();
    }
  }

  private deliver(): void {
    for (;;) {
      const next = this.seq + 1;
      const entry = this.pending.get(next);
      if (entry === undefined) break;
      this.pending.delete(next);
      this.seq = next;
      for (const listener of this.listeners) {
        try {
          listener(next, entry.events, entry.time);
        } catch (err) {
          this.options.onError?.(err, `a stream listener failed at ${next}`);
        }
      }
    }
    if (this.waiters.length === 0) return;
    const ready = this.waiters.filter((w) => w.seq <= this.seq);
    if (ready.length === 0) return;
    this.waiters = this.waiters.filter((w) => w.seq > this.seq);
    for (const w of ready) w.resolve();
  }

  private rewound(key: string, n: number): void {
    this.rewinds++;
    if (this.rewinds === 1) {
      this.options.onError?.(
        new Error(`${key} has command ${n} after ${this.seq}: the Redis keyspace started over (restart without AOF, FLUSHALL?)`),
        'stream rewound: this process must be restarted',
      );
    }
  }

  /** Every stream was read to its end and the next number is missing: it was trimmed away. */
  private skipGap(): void {
    const lowest = Math.min(...this.pending.keys());
    this.gaps += lowest - this.seq - 1;
    this.options.onError?.(new Error(`commands ${this.seq + 1}..${lowest - 1} left the capped streams before this process read them`), 'stream gap');
    this.seq = lowest - 1;
    this.deliver();
  }
}
