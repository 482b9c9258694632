/**
 * The Redis backend of the engine contract: the same commands give the same results and events as
 * the in-memory Engine (src/engine/engine.ts), with every piece of state in Redis: books, orders,
 * balances, AMM pools, id counters, per-market book sequences. Each state-changing command is ONE call
 * (FCALL) of a function of the `hooats` Redis function library (scripts.ts, lua/), run atomically by
 * Redis, so several processes can share one exchange: ids come from Redis counters, nothing is cached
 * here between commands.
 */
import { Redis, type RedisOptions } from 'ioredis';
import type { Command } from '../engine/commands.js';
import type { BookDepth } from '../engine/engine.js';
import type { CommandResult, EngineEvent, OrderView } from '../engine/events.js';
import { hashString } from '../engine/hash.js';
import { buildCatalogue, type MarketCatalogue, type MarketConfig, type MarketSpec } from '../engine/market.js';
import { SNAPSHOT_VERSION, type EngineSnapshot, type RestingOrderRecord } from '../engine/snapshot.js';
import { reject } from '../errors.js';
import { planCommand, timeText, type Layout, type ScriptName } from './command-args.js';
import { accountKeys, checkPrefix, marketKeys, orderKey, type Keyspace, type MarketKeys } from './keys.js';
import { checkPersistence } from './persistence.js';
import { ensureLibrary, FUNCTIONS, isMissingFunction, type ScriptReply } from './scripts.js';
import { isReplyError, neverSent, RedisUnavailableError } from './unavailable.js';

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
}

export interface ExecuteResult {
  readonly result: CommandResult;
  readonly events: EngineEvent[];
}

const NO_EVENTS: EngineEvent[] = [];

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

  private constructor(
    readonly redis: Redis,
    private readonly ownsClient: boolean,
    catalogue: MarketCatalogue,
    readonly keyspace: Keyspace,
    streamMaxLen: number,
  ) {
    this.catalogue = catalogue;
    const marketList = catalogue.markets.map((spec, index) => ({ spec, keys: marketKeys(keyspace, spec.pair), index }));
    this.layout = {
      catalogue,
      account: accountKeys(keyspace),
      markets: new Map(marketList.map((m) => [m.spec.pair, m])),
      marketList,
      streamMaxLen: String(streamMaxLen),
    };
  }

  /** Connects (unless given a client), registers the scripts and creates the state once. */
  static async open(options: RedisEngineOptions): Promise<RedisEngine> {
    const catalogue = Array.isArray(options.markets) ? buildCatalogue(options.markets) : (options.markets as MarketCatalogue);
    const prefix = options.prefix ?? 'hooats:';
    checkPrefix(prefix);
    let client = options.redis;
    const owns = client === undefined;
    if (client === undefined) {
      client = new Redis(options.url ?? 'redis://127.0.0.1:6379', redisClientOptions(options.commandTimeoutMs));
      // connection errors surface as RedisUnavailableError from the calls; the events are for logging
      client.on('error', (err: Error) => options.onConnectionError?.(err));
      try {
        await client.connect();
      } catch (err) {
        client.disconnect();
        throw new RedisUnavailableError(`cannot connect to Redis: ${(err as Error).message}`, 'not_applied', { cause: err });
      }
    }
    const engine = new RedisEngine(client, owns, catalogue, { prefix, singleSlot: options.singleSlot ?? false }, options.streamMaxLen ?? 100_000);
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
    const args: Array<string | number> = [fingerprint(this.catalogue), this.catalogue.assets.length, this.layout.marketList.length];
    for (const { spec, index } of this.layout.marketList) {
      const amm = spec.amm;
      args.push(spec.pair, spec.base, spec.quote, spec.baseAsset, spec.quoteAsset, spec.baseAtomsPerLot, spec.quoteAtomsPerTickLot);
      args.push(spec.makerFeeBps, spec.takerFeeBps, amm === null ? 0 : 1, amm?.baseReserve ?? 0, amm?.quoteReserve ?? 0, amm?.feeBps ?? 0, index);
    }
    const keys = [...this.layout.account.list, ...this.layout.marketList.map((m) => m.keys.market)];
    await this.redis.fcall(FUNCTIONS.init, keys.length, ...keys, ...args);
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
        return decode(await this.run(plan.script, plan.keys, plan.args));
    }
  }

  /**
   * One FCALL. If the server does not have the function (FUNCTION FLUSH, restart, failover), Redis
   * ran nothing: the library is loaded again and the command is resent only when no later command of
   * this engine was sent after it (commands arriving meanwhile wait for the reload), so a resend can
   * never run behind a later command. Otherwise the command fails as not applied (UNAVAILABLE).
   */
  private async run(script: ScriptName, keys: readonly string[], args: Array<string | number>): Promise<ScriptReply> {
    while (this.gate !== null) await this.gate;
    const fn = FUNCTIONS[script];
    const n = ++this.sent;
    try {
      return await this.call(() => this.redis.fcall(fn, keys.length, ...keys, ...args) as Promise<ScriptReply>);
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
      return await this.call(() => this.redis.fcall(fn, keys.length, ...keys, ...args) as Promise<ScriptReply>);
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
    const [seq, amm, pb, pq, pf, bids, asks] = await this.call(() => this.redis.fcall_ro(FUNCTIONS.read_depth, 4, k.market, k.bidLevels, k.askLevels, k.levelTotals, n) as Promise<
        [string | null, string | null, string | null, string | null, string | null, string[], string[]]
      >);
    return {
      pair,
      seq: Number(seq),
      bids: pairs(bids),
      asks: pairs(asks),
      pool: amm === '1' ? { baseReserve: Number(pb), quoteReserve: Number(pq), feeBps: Number(pf) } : null,
    };
  }

  /** A user's balances by asset name, in atoms. */
  async balances(userId: string): Promise<Record<string, { available: number; locked: number }>> {
    const assets = this.catalogue.assets;
    const values = await this.call(() => this.redis.hmget(this.layout.account.balances, ...assets.map((a) => `${a.index}:${userId}`)));
    const out: Record<string, { available: number; locked: number }> = {};
    assets.forEach((a, i) => (out[a.name] = parseBalance(values[i])));
    return out;
  }

  /** User ids in creation order. */
  async userIds(): Promise<string[]> {
    const all = await this.call(() => this.redis.hgetall(this.layout.account.accounts));
    return Object.entries(all)
      .sort((a, b) => Number(a[1]) - Number(b[1]))
      .map(([user]) => user);
  }

  /** Per asset: deposits − withdrawals + pool reserves added, in atoms. */
  async supply(): Promise<Record<string, number>> {
    const assets = this.catalogue.assets;
    const values = await this.call(() => this.redis.hmget(this.layout.account.counters, ...assets.map((a) => `s${a.index}`)));
    return Object.fromEntries(assets.map((a, i) => [a.name, Number(values[i] ?? 0)]));
  }

  async openOrder(orderId: number): Promise<OrderView | null> {
    if (!Number.isSafeInteger(orderId) || orderId <= 0) return null;
    const key = orderKey(orderId);
    const index = await this.call(() => this.redis.hget(this.layout.account.orderIndex, key));
    const market = index === null ? undefined : this.layout.marketList[Number(index)];
    if (market === undefined) return null;
    const packed = await this.call(() => this.redis.hget(market.keys.orders, key));
    return packed === null ? null : orderView(unpackOrder(orderId, packed), market.spec, 'status');
  }

  /** A user's open orders, oldest first; in one market or all. */
  async openOrders(userId: string, pair: string | null = null): Promise<OrderView[]> {
    const markets = pair === null ? this.layout.marketList : [this.layout.markets.get(pair)].filter((m) => m !== undefined);
    const out: OrderView[] = [];
    for (const m of markets) {
      const keys = await this.call(() => this.redis.zrange(`${m.keys.base}uo:${userId}`, '0', '-1'));
      if (keys.length === 0) continue;
      const packed = await this.call(() => this.redis.hmget(m.keys.orders, ...keys));
      keys.forEach((k, i) => {
        if (packed[i] !== null) out.push(orderView(unpackOrder(Number(k), packed[i]!), m.spec, 'status'));
      });
    }
    return out.sort((a, b) => a.id - b.id);
  }

  async openOrderCount(): Promise<number> {
    return this.call(() => this.redis.hlen(this.layout.account.orderIndex));
  }

  /** The whole state in the engine's snapshot form (read in one MULTI, so it is consistent). */
  async snapshot(): Promise<EngineSnapshot> {
    const a = this.layout.account;
    const tx = this.redis.multi();
    tx.hgetall(a.counters).hgetall(a.accounts).hgetall(a.balances);
    for (const m of this.layout.marketList) {
      tx.hmget(m.keys.market, 'seq', 'pb', 'pq').zrange(m.keys.bids, '0', '-1').zrange(m.keys.asks, '0', '-1').hgetall(m.keys.orders);
    }
    const replies = await this.call(() => tx.exec());
    if (replies === null) throw new RedisUnavailableError('snapshot transaction aborted', 'not_applied');
    const value = (i: number): unknown => {
      const [err, v] = replies[i];
      if (err !== null) throw err;
      return v;
    };
    const counters = value(0) as Record<string, string>;
    const accounts = value(1) as Record<string, string>;
    const balances = value(2) as Record<string, string>;
    const assets = this.catalogue.assets;
    const users = Object.entries(accounts)
      .sort((x, y) => Number(x[1]) - Number(y[1]))
      .map(([u]) => u);
    const markets = this.layout.marketList.map((m, i) => {
      const [seq, pb, pq] = value(3 + i * 4) as Array<string | null>;
      const orders = value(6 + i * 4) as Record<string, string>;
      const records = (keys: string[]): RestingOrderRecord[] =>
        keys.map((k) => {
          const o = unpackOrder(Number(k), orders[k]);
          return [o.id, o.userId, o.price, o.amount, o.remaining, o.postOnly, o.clientOrderId, o.createdAt as number];
        });
      return {
        pair: m.spec.pair,
        seq: Number(seq),
        pool: m.spec.amm === null ? null : { baseReserve: Number(pb), quoteReserve: Number(pq) },
        bids: records(value(4 + i * 4) as string[]),
        asks: records(value(5 + i * 4) as string[]),
      };
    });
    return {
      version: SNAPSHOT_VERSION,
      nextOrderId: Number(counters.oid ?? 1),
      nextTradeId: Number(counters.tid ?? 1),
      assets: assets.map((x) => x.name),
      supply: assets.map((x) => Number(counters[`s${x.index}`] ?? 0)),
      accounts: users.map((u) => {
        const parsed = assets.map((x) => parseBalance(balances[`${x.index}:${u}`] ?? null));
        return [u, parsed.map((b) => b.available), parsed.map((b) => b.locked)];
      }),
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
}

function decode(reply: ScriptReply): ExecuteResult {
  const result = JSON.parse(reply[0]) as CommandResult;
  const events = reply[1] === '[]' ? NO_EVENTS : (JSON.parse(reply[1]) as EngineEvent[]);
  return { result, events };
}

function pairs(flat: string[]): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let i = 0; i < flat.length; i += 2) out.push([Number(flat[i]), Number(flat[i + 1])]);
  return out;
}

function parseBalance(v: string | null): { available: number; locked: number } {
  if (v === null) return { available: 0, locked: 0 };
  const space = v.indexOf(' ');
  return { available: Number(v.slice(0, space)), locked: Number(v.slice(space + 1)) };
}

interface StoredOrder {
  id: number;
  side: 'buy' | 'sell';
  price: number;
  amount: number;
  remaining: number;
  postOnly: boolean;
  createdAt: unknown;
  userId: string;
  clientOrderId: string | null;
}

/** Reads the order hash's packed form: side|price|amount|remaining|postOnly|createdAt|#user|user cid */
function unpackOrder(id: number, packed: string): StoredOrder {
  const parts = packed.split('|', 7);
  let pos = 0;
  for (let i = 0; i < 7; i++) pos = packed.indexOf('|', pos) + 1;
  // #user counts UTF-8 bytes (Lua's #); slice by bytes
  const rest = Buffer.from(packed.slice(pos), 'utf8');
  const ulen = Number(parts[6]);
  const cid = rest.subarray(ulen).toString('utf8');
  return {
    id,
    side: parts[0] === '0' ? 'buy' : 'sell',
    price: Number(parts[1]),
    amount: Number(parts[2]),
    remaining: Number(parts[3]),
    postOnly: parts[4] === '1',
    createdAt: JSON.parse(parts[5]),
    userId: rest.subarray(0, ulen).toString('utf8'),
    clientOrderId: cid === '' ? null : cid,
  };
}

function orderView(o: StoredOrder, spec: MarketSpec, _status: 'status'): OrderView {
  return {
    id: o.id,
    clientOrderId: o.clientOrderId,
    userId: o.userId,
    pair: spec.pair,
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
    createdAt: o.createdAt as number,
  };
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

export { timeText };
