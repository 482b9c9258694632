/**
 * The Redis backend of the engine contract: the same commands give the same results and events as
 * the in-memory Engine (src/engine/engine.ts), with every piece of state in Redis: books, orders,
 * balances, AMM pools, id counters, per-market book sequences. Each state-changing command is ONE run
 * of a function of the `hooats` Redis function library (scripts.ts, lua/), atomic in Redis: its own
 * FCALL, or one entry of a `hooats_batch` FCALL when callers have several in flight (command-batcher.ts).
 * Several processes can share one exchange: ids come from Redis counters, nothing is cached here
 * between commands.
 */
import { Redis, type RedisOptions } from 'ioredis';
import type { Command } from '../engine/commands.js';
import type { BookDepth } from '../engine/engine.js';
import type { EngineEvent, OrderView } from '../engine/events.js';
import { hashString } from '../engine/hash.js';
import { buildCatalogue, type MarketCatalogue, type MarketConfig } from '../engine/market.js';
import { SNAPSHOT_VERSION, type EngineSnapshot, type RestingOrderRecord } from '../engine/snapshot.js';
import { buildLayout, planCommand, type Layout } from './command-args.js';
import { checkMaxBatch, CommandBatcher, type BatchCounters } from './command-batcher.js';
import { accountKeys, checkPrefix, marketKeys, orderKey, userOrdersKey, type Keyspace, type MarketKeys } from './keys.js';
import { checkPersistence } from './persistence.js';
import type { ExecuteResult } from './reply.js';
import { ensureLibrary, FUNCTIONS, isMissingFunction } from './scripts.js';
import { decodeStreamEntry, type StreamEntry } from './stream-entry.js';
import { isReplyError, neverSent, RedisUnavailableError } from './unavailable.js';
import { parseOrderText, type OrderFields } from './wire.js';

export type { ExecuteResult } from './reply.js';

export interface RedisEngineOptions {
  readonly markets: readonly MarketConfig[] | MarketCatalogue;
  /** a client to use (not closed by close()); otherwise one is made from `url` */
  readonly redis?: Redis;
  readonly url?: string;
  /** key prefix (default `hooats:`) */
  readonly prefix?: string;
  /** every key under one hash tag, for Redis Cluster (see docs/redis.md) */
  readonly singleSlot?: boolean;
  /** approximate length cap of each event stream (XADD MAXLEN ~), default 100000 */
  readonly streamMaxLen?: number;
  /** ms before a command counts as failed (UNAVAILABLE, outcome unknown); default 5000 */
  readonly commandTimeoutMs?: number;
  /** told about risky persistence settings at open (AOF off...); the server logs them */
  readonly onWarning?: (message: string) => void;
  /** told about each connection error of a client the engine made (it keeps reconnecting) */
  readonly onConnectionError?: (err: Error) => void;
  /**
   * most commands sent in one FCALL when callers have several in flight (command-batcher.ts);
   * default 64, 1 sends every command alone
   */
  readonly maxBatch?: number;
}

const NO_EVENTS: EngineEvent[] = [];

/** ioredis has FCALL with a Buffer reply at run time (every command has a `…Buffer` twin) but does not type it. */
type BufferCalls = { fcallBuffer(fn: string, numKeys: number, ...args: Array<string | number>): Promise<Buffer | Buffer[]> };

/** The client options the backend needs: fail fast, reconnect forever, never resend a script. */
export function redisClientOptions(commandTimeoutMs = 5000): RedisOptions {
  return {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    commandTimeout: commandTimeoutMs,
    connectTimeout: 2000,
    retryStrategy: (times: number) => Math.min(50 * times, 1000),
  };
}

export class RedisEngine {
  readonly catalogue: MarketCatalogue;
  private readonly layout: Layout;
  /** commands handed to the client so far (a command's number is its position in send order) */
  private sent = 0;
  /** set while the library is (re)loaded: commands wait for it before they are sent */
  private gate: Promise<void> | null = null;
  private loading: Promise<void> | null = null;
  private readonly onReady = (): void => void this.reload().catch(() => {});
  private readonly batcher: CommandBatcher;

  private constructor(
    readonly redis: Redis,
    private readonly ownsClient: boolean,
    catalogue: MarketCatalogue,
    readonly keyspace: Keyspace,
    streamMaxLen: number,
    maxBatch: number,
  ) {
    this.catalogue = catalogue;
    this.layout = buildLayout(catalogue, accountKeys(keyspace), (pair) => marketKeys(keyspace, pair), streamMaxLen);
    this.batcher = new CommandBatcher(this.layout.allKeys, (fn, keys, args) => this.run(fn, keys, args), maxBatch);
  }

  /** Connects (unless given a client), registers the scripts and creates the state once. */
  static async open(options: RedisEngineOptions): Promise<RedisEngine> {
    const catalogue = Array.isArray(options.markets) ? buildCatalogue(options.markets) : (options.markets as MarketCatalogue);
    const prefix = options.prefix ?? 'hooats:';
    checkPrefix(prefix);
    const maxBatch = options.maxBatch ?? 64;
    // before connecting: a refused option must not leave a client behind
    checkMaxBatch(maxBatch);
    let client = options.redis;
    const owns = client === undefined;
    if (client === undefined) {
      client = new Redis(options.url ?? 'redis://127.0.0.1:6379', redisClientOptions(options.commandTimeoutMs));
      // connection errors surface as RedisUnavailableError from the calls; the events are for logging
      let refused: Error | null = null;
      client.on('error', (err: Error) => {
        refused = err;
        options.onConnectionError?.(err);
      });
      try {
        await client.connect();
      } catch (err) {
        client.disconnect();
        // a refused AUTH (WRONGPASS, NOAUTH) comes as an error event; connect() then only says the
        // connection closed, so the event's reason is the one to report (it never holds the password)
        const reason = (refused as Error | null)?.message ?? (err as Error).message;
        throw new RedisUnavailableError(`cannot connect to Redis: ${reason}`, 'not_applied', { cause: err });
      }
    }
    const engine = new RedisEngine(client, owns, catalogue, { prefix, singleSlot: options.singleSlot ?? false }, options.streamMaxLen ?? 100_000, maxBatch);
    try {
      await ensureLibrary(client);
      await engine.init();
      // a reconnection may reach a server that lost the library (restart, failover): check it again
      client.on('ready', engine.onReady);
      const report = await checkPersistence(client);
      for (const warning of report.warnings) options.onWarning?.(warning);
    } catch (err) {
      if (owns) client.disconnect();
      if (err instanceof Error && !isReplyError(err)) throw new RedisUnavailableError(`Redis failed: ${err.message}`, 'unknown', { cause: err });
      throw err;
    }
    return engine;
  }

  private async init(): Promise<void> {
    const args: Array<string | number> = [fingerprint(this.catalogue), this.layout.marketList.length];
    for (const { spec, descriptor } of this.layout.marketList) {
      args.push(descriptor, spec.pair, spec.amm?.baseReserve ?? 0, spec.amm?.quoteReserve ?? 0);
    }
    const keys = this.layout.allKeys;
    await this.redis.fcall(FUNCTIONS.init, keys.length, ...keys, ...args);
  }

  /** FCALLs sent for commands so far and the commands they carried (command-batcher.ts). */
  get batching(): Readonly<BatchCounters> {
    return this.batcher.counters;
  }

  /** Runs one command atomically; its result and events equal the in-memory Engine's. */
  async execute(cmd: Command): Promise<ExecuteResult> {
    const plan = planCommand(this.layout, cmd);
    switch (plan.kind) {
      case 'reject':
        return { result: plan.rejection, events: NO_EVENTS };
      case 'done':
        return { result: plan.result, events: NO_EVENTS };
      case 'script':
        return plan.decoder.decode(await this.batcher.submit(plan.script, plan.keys, plan.args));
    }
  }

  /**
   * One FCALL. If the server does not have the function (FUNCTION FLUSH, restart, failover), Redis
   * ran nothing: the library is loaded again and the command is resent only when no later command of
   * this engine was sent after it (commands arriving meanwhile wait for the reload), so a resend can
   * never run behind a later command. Otherwise the command fails as not applied (UNAVAILABLE).
   */
  private async run(fn: string, keys: readonly string[], args: ReadonlyArray<string | number>): Promise<Buffer | Buffer[]> {
    while (this.gate !== null) await this.gate;
    const n = ++this.sent;
    try {
      return await this.send(fn, keys, args);
    } catch (err) {
      if (!isMissingFunction(err)) throw err;
      const last = n === this.sent;
      const reloaded = this.reload();
      if (!last) {
        await reloaded.catch(() => {});
        throw new RedisUnavailableError(`Redis had no ${fn} (library flushed or lost); the command was not applied`, 'not_applied', { cause: err });
      }
      // nothing was sent after this command, and the gate holds new ones until it is resent
      try {
        await reloaded;
      } catch (loadErr) {
        throw new RedisUnavailableError(`Redis had no ${fn} and reloading the library failed; the command was not applied`, 'not_applied', { cause: loadErr });
      }
      this.sent++;
      return await this.send(fn, keys, args);
    }
  }

  /** One FCALL with a Buffer reply; connection failures become RedisUnavailableError (as call()). */
  private async send(fn: string, keys: readonly string[], args: ReadonlyArray<string | number>): Promise<Buffer | Buffer[]> {
    if (this.redis.status !== 'ready') throw new RedisUnavailableError(`Redis is ${this.redis.status}`, 'not_applied');
    try {
      return await (this.redis as unknown as BufferCalls).fcallBuffer(fn, keys.length, ...keys, ...args);
    } catch (err) {
      if (isReplyError(err)) throw err;
      throw new RedisUnavailableError(`Redis failed: ${(err as Error).message}`, neverSent(err) ? 'not_applied' : 'unknown', { cause: err });
    }
  }

  /**
   * Loads the library if the server lacks this version. New commands wait at the gate meanwhile; the
   * gate opens on the macrotask after the load settles, so a command being resent (whose continuation
   * runs on the load's microtasks) is always handed to the client before any waiting command.
   */
  private reload(): Promise<void> {
    if (this.loading !== null) return this.loading;
    let open!: () => void;
    this.gate = new Promise<void>((resolve) => (open = resolve));
    const loading = ensureLibrary(this.redis).then(() => undefined);
    this.loading = loading;
    const settle = (): void => {
      this.loading = null;
      setImmediate(() => {
        this.gate = null;
        open();
      });
    };
    loading.then(settle, settle);
    return loading;
  }

  /** Runs a Redis call, turning connection failures into RedisUnavailableError (API: 503). */
  private async call<T>(fn: () => Promise<T>): Promise<T> {
    if (this.redis.status !== 'ready') throw new RedisUnavailableError(`Redis is ${this.redis.status}`, 'not_applied');
    try {
      return await fn();
    } catch (err) {
      if (isReplyError(err)) throw err;
      throw new RedisUnavailableError(`Redis failed: ${(err as Error).message}`, neverSent(err) ? 'not_applied' : 'unknown', { cause: err });
    }
  }

  // --- reads (atomic per call; several processes may be writing) ---

  async depth(pair: string, levels = Number.MAX_SAFE_INTEGER): Promise<BookDepth | null> {
    const market = this.layout.markets.get(pair);
    if (market === undefined) return null;
    const k = market.keys;
    const n = levels >= 1_000_000_000 ? -1 : Math.max(0, levels);
    if (n === 0) {
      const d = await this.depth(pair, 1);
      return d === null ? null : { ...d, bids: [], asks: [] };
    }
    const keys = [this.layout.account.state, k.bidLevels, k.askLevels, k.levelTotals];
    const [seq, pb, pq, bids, asks] = await this.call(
      () => this.redis.fcall_ro(FUNCTIONS.read_depth, 4, ...keys, market.index, n) as Promise<[string | null, string | null, string | null, string[], string[]]>,
    );
    const amm = market.spec.amm;
    return {
      pair,
      seq: Number(seq ?? 0),
      bids: pairs(bids),
      asks: pairs(asks),
      pool: amm === null ? null : { baseReserve: Number(pb), quoteReserve: Number(pq), feeBps: amm.feeBps },
    };
  }

  /** A user's balances by asset name, in atoms. */
  async balances(userId: string): Promise<Record<string, { available: number; locked: number }>> {
    const assets = this.catalogue.assets;
    const fields = assets.flatMap((a) => [`a${a.index}:${userId}`, `l${a.index}:${userId}`]);
    const values = await this.call(() => this.redis.hmget(this.layout.account.state, ...fields));
    const out: Record<string, { available: number; locked: number }> = {};
    assets.forEach((a, i) => (out[a.name] = { available: Number(values[2 * i] ?? 0), locked: Number(values[2 * i + 1] ?? 0) }));
    return out;
  }

  /** User ids in creation order. */
  async userIds(): Promise<string[]> {
    return accountsOf(await this.call(() => this.redis.hgetall(this.layout.account.state)));
  }

  /** Per asset: deposits − withdrawals + pool reserves added, in atoms. */
  async supply(): Promise<Record<string, number>> {
    const assets = this.catalogue.assets;
    const values = await this.call(() => this.redis.hmget(this.layout.account.state, ...assets.map((a) => `s${a.index}`)));
    return Object.fromEntries(assets.map((a, i) => [a.name, Number(values[i] ?? 0)]));
  }

  async openOrder(orderId: number): Promise<OrderView | null> {
    if (!Number.isSafeInteger(orderId) || orderId <= 0) return null;
    const record = await this.call(() => this.redis.hget(this.layout.account.orders, orderKey(orderId)));
    return record === null ? null : this.restingView(orderId, parseOrderText(record, true));
  }

  /** A user's open orders, oldest first; in one market or all. */
  async openOrders(userId: string, pair: string | null = null): Promise<OrderView[]> {
    let index = -1;
    if (pair !== null) {
      const market = this.layout.markets.get(pair);
      if (market === undefined) return [];
      index = market.index;
    }
    const keys = await this.call(() => this.redis.zrange(userOrdersKey(this.layout.account, userId), '0', '-1'));
    if (keys.length === 0) return [];
    const records = await this.call(() => this.redis.hmget(this.layout.account.orders, ...keys));
    const out: OrderView[] = [];
    keys.forEach((k, i) => {
      const record = records[i];
      if (record === null) return;
      const o = parseOrderText(record, true);
      if (index < 0 || o.marketIndex === index) out.push(this.restingView(Number(k), o));
    });
    return out;
  }

  async openOrderCount(): Promise<number> {
    return this.call(() => this.redis.hlen(this.layout.account.orders));
  }

  private restingView(id: number, o: OrderFields): OrderView {
    return {
      id,
      clientOrderId: o.clientOrderId,
      userId: o.userId,
      pair: this.catalogue.markets[o.marketIndex].pair,
      side: o.side,
      type: 'limit',
      price: o.price,
      amount: o.amount,
      filled: o.amount - o.remaining,
      status: o.remaining === o.amount ? 'open' : 'partially_filled',
      cancelReason: null,
      timeInForce: 'GTC',
      postOnly: o.postOnly,
      quoteAmount: null,
      createdAt: o.createdAt,
    };
  }

  /** The whole state in the engine's snapshot form (read in one MULTI, so it is consistent). */
  async snapshot(): Promise<EngineSnapshot> {
    const a = this.layout.account;
    const tx = this.redis.multi();
    tx.hgetall(a.state).hgetall(a.orders);
    for (const m of this.layout.marketList) tx.zrange(m.keys.bids, '0', '-1').zrange(m.keys.asks, '0', '-1');
    const replies = await this.call(() => tx.exec());
    if (replies === null) throw new RedisUnavailableError('snapshot transaction aborted', 'not_applied');
    const value = (i: number): unknown => {
      const [err, v] = replies[i];
      if (err !== null) throw err;
      return v;
    };
    const state = value(0) as Record<string, string>;
    const orders = value(1) as Record<string, string>;
    const num = (field: string): number => Number(state[field] ?? 0);
    const assets = this.catalogue.assets;
    const markets = this.layout.marketList.map((m, i) => {
      const records = (keys: string[]): RestingOrderRecord[] =>
        keys.map((k) => {
          const o = parseOrderText(orders[k], true);
          return [Number(k), o.userId, o.price, o.amount, o.remaining, o.postOnly, o.clientOrderId, o.createdAt];
        });
      return {
        pair: m.spec.pair,
        seq: num(`q${m.index}`),
        pool: m.spec.amm === null ? null : { baseReserve: num(`pb${m.index}`), quoteReserve: num(`pq${m.index}`) },
        bids: records(value(2 + i * 2) as string[]),
        asks: records(value(3 + i * 2) as string[]),
      };
    });
    return {
      version: SNAPSHOT_VERSION,
      nextOrderId: Number(state.oid ?? 1),
      nextTradeId: Number(state.tid ?? 1),
      assets: assets.map((x) => x.name),
      supply: assets.map((x) => num(`s${x.index}`)),
      accounts: accountsOf(state).map((u) => [u, assets.map((x) => num(`a${x.index}:${u}`)), assets.map((x) => num(`l${x.index}:${u}`))]),
      markets,
    };
  }

  /** The same hash as Engine.stateHash() for the same state. */
  async stateHash(): Promise<string> {
    return hashString(JSON.stringify(await this.snapshot()));
  }

  /** Deletes every key under this engine's prefix (tests and tools; never on a shared production prefix). */
  async destroy(): Promise<number> {
    let removed = 0;
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', `${this.keyspace.prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) removed += await this.redis.unlink(...keys);
    } while (cursor !== '0');
    return removed;
  }

  async close(): Promise<void> {
    this.redis.off('ready', this.onReady);
    if (this.ownsClient) await this.redis.quit().catch(() => this.redis.disconnect());
  }

  /** Keys of a market (for tools and tests that read its event stream). */
  marketKeys(pair: string): MarketKeys | undefined {
    return this.layout.markets.get(pair)?.keys;
  }

  get accountStream(): string {
    return this.layout.account.events;
  }

  /** The command number and events of one entry of this engine's streams (see stream-entry.ts). */
  decodeStreamEntry(fields: ReadonlyArray<string | Buffer>): StreamEntry {
    return decodeStreamEntry(fields, this.catalogue);
  }
}

function pairs(flat: string[]): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let i = 0; i < flat.length; i += 2) out.push([Number(flat[i]), Number(flat[i + 1])]);
  return out;
}

/** The users of the state hash (fields `n:<user>` = creation number), in creation order. */
function accountsOf(state: Record<string, string>): string[] {
  return Object.keys(state)
    .filter((f) => f.startsWith('n:'))
    .sort((x, y) => Number(state[x]) - Number(state[y]))
    .map((f) => f.slice(2));
}

/** Identifies a market configuration, so that two processes with different ones cannot share a keyspace. */
function fingerprint(catalogue: MarketCatalogue): string {
  return hashString(
    JSON.stringify({
      assets: catalogue.assets.map((a) => [a.name, a.decimals]),
      markets: catalogue.markets.map((m) => [m.pair, m.baseAtomsPerLot, m.quoteAtomsPerTickLot, m.minNotionalAtoms, m.makerFeeBps, m.takerFeeBps, m.amm]),
    }),
  );
}

