/**
 * HOOATS_STORE=redis: the state lives in Redis (RedisEngine, one atomic function call per command), so
 * several API processes can serve one exchange. Commands are answered when Redis has run them (its AOF
 * is the journal: docs/redis.md, Persistence); reads go to Redis; the market data every process
 * publishes (book mirror, WebSocket diffs and trades, order updates) comes from the merged event streams
 * (StreamFeed), not from its own commands, so all processes send the same sequence.
 */
import type { Redis } from 'ioredis';
import type { BookDepth } from '../engine/engine.js';
import type { CommandResult } from '../engine/events.js';
import type { MarketConfig } from '../engine/market.js';
import { reject } from '../errors.js';
import { RedisEngine } from '../redis/redis-engine.js';
import { StreamFeed } from '../redis/stream-feed.js';
import { streamCatchUp } from '../redis/stream-replay.js';
import { RedisUnavailableError } from '../redis/unavailable.js';
import { stampCommand, type CommandInput } from '../sequencer/sequencer.js';
import { ApiError } from './api-error.js';
import type { Backend, BackendHealth, StateReads } from './backend.js';
import type { HistoryFeed } from './history-service.js';

export interface RedisBackendOptions {
  readonly url: string;
  readonly markets: readonly MarketConfig[];
  readonly prefix?: string;
  readonly now?: () => number;
  /** most commands per FCALL when requests are in flight together (RedisEngineOptions.maxBatch) */
  readonly maxBatch?: number;
  /** persistence warnings, connection errors, stream gaps */
  readonly log: { warn(obj: object, msg: string): void; error(obj: object, msg: string): void };
}

/** What a client is told when Redis could not take a command. */
function unavailableMessage(err: RedisUnavailableError): string {
  return err.outcome === 'unknown'
    ? 'the store did not answer; the command may have been applied: check your open orders (clientOrderId) before retrying'
    : 'the store is unreachable; nothing was applied, try again later';
}

export class RedisBackend implements Backend {
  readonly kind = 'redis';

  private constructor(
    readonly engine: RedisEngine,
    private readonly feed: StreamFeed,
    private readonly streams: readonly string[],
    private readonly books: BookDepth[],
    private readonly now: () => number,
  ) {}

  static async open(options: RedisBackendOptions): Promise<RedisBackend> {
    const { log } = options;
    const engine = await RedisEngine.open({
      url: options.url,
      markets: options.markets,
      prefix: options.prefix,
      maxBatch: options.maxBatch,
      onWarning: (message) => log.warn({ store: 'redis' }, message),
      onConnectionError: (err) => log.warn({ err: err.message }, 'Redis connection error (reconnecting)'),
    });
    let reader: Redis | null = null;
    try {
      reader = engine.redis.duplicate();
      reader.on('error', () => {});
      await reader.connect();
      const streams = [...engine.catalogue.markets.map((spec) => engine.marketKeys(spec.pair)!.events), engine.accountStream];
      const feed = await StreamFeed.start({
        reader,
        streams,
        decode: (fields) => engine.decodeStreamEntry(fields),
        onError: (err, what) => log.error({ err }, what),
      });
      // read after the feed's start: each book includes at least the entries before it (the mirror
      // skips events already included, by their per-market seq)
      const books = await Promise.all(engine.catalogue.markets.map(async (spec) => (await engine.depth(spec.pair))!));
      return new RedisBackend(engine, feed, streams, books, options.now ?? Date.now);
    } catch (err) {
      reader?.disconnect();
      await engine.close();
      throw err;
    }
  }

  get catalogue() {
    return this.engine.catalogue;
  }

  get events(): StreamFeed {
    return this.feed;
  }

  /** The history writer's events: the same merged streams, and catch-up from them. */
  historyFeed(): HistoryFeed {
    const { engine, feed } = this;
    return {
      catalogue: engine.catalogue,
      get durableSeq() {
        return feed.lastSeq;
      },
      onDurable: (listener) => feed.onDurable(listener),
      catchUp: streamCatchUp({ redis: engine.redis, streams: this.streams, decode: (fields) => engine.decodeStreamEntry(fields) }),
    };
  }

  initialBooks(): BookDepth[] {
    return this.books;
  }

  /**
   * Sent back to back on one connection, so Redis runs them in this order (the scripts are atomic, other
   * processes' commands may fall between). A command Redis could not take gets an UNAVAILABLE result.
   */
  async executeAll(cmds: readonly CommandInput[]): Promise<CommandResult[]> {
    const settled = await Promise.allSettled(cmds.map((cmd) => this.engine.execute(stampCommand(cmd, this.now()))));
    return settled.map((s) => {
      if (s.status === 'fulfilled') return s.value.result;
      if (s.reason instanceof RedisUnavailableError) return reject('UNAVAILABLE', unavailableMessage(s.reason));
      throw s.reason;
    });
  }

  async read<T>(read: (state: StateReads) => T | Promise<T>): Promise<{ value: T; seq: number }> {
    const seq = this.feed.lastSeq;
    try {
      return { value: await read(this.engine), seq };
    } catch (err) {
      if (err instanceof RedisUnavailableError) throw new ApiError('UNAVAILABLE', unavailableMessage(err));
      throw err;
    }
  }

  async health(): Promise<BackendHealth> {
    const status = this.engine.redis.status;
    const { lastSeq, gaps, failures, rewinds } = this.feed;
    return {
      // a rewound feed serves a book that is no longer Redis's: unhealthy until restarted
      healthy: status === 'ready' && rewinds === 0,
      detail: {
        redis: { status, streamSeq: lastSeq, streamGaps: gaps, streamReadFailures: failures, streamRewinds: rewinds },
      },
    };
  }

  counters(): Record<string, number> {
    const { calls, commands } = this.engine.batching;
    return { redisCalls: calls, redisCommands: commands };
  }

  async close(): Promise<void> {
    await this.feed.close();
    await this.engine.close();
  }
}
