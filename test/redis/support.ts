/**
 * Shared pieces of the Redis tests: finding a server (REDIS_URL, else redis://127.0.0.1:6379; no
 * server means the tests are skipped with the reason printed, never failed), a fresh key prefix per
 * run, the markets with AMM pools, the in-memory Engine behind the same async interface, and a check
 * of the Redis backend's own indexes.
 */
import { Redis } from 'ioredis';
import type { Command } from '../../src/engine/commands.js';
import { Engine, type BookDepth } from '../../src/engine/engine.js';
import type { EngineEvent, OrderView } from '../../src/engine/events.js';
import type { EngineSnapshot } from '../../src/engine/snapshot.js';
import type { MarketConfig } from '../../src/engine/market.js';
import { RedisEngine, type ExecuteResult } from '../../src/redis/redis-engine.js';
import { TEST_MARKETS } from '../support/markets.js';

export const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';

async function probe(): Promise<string | null> {
  const r = new Redis(REDIS_URL, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 1000 });
  r.on('error', () => {});
  try {
    await r.connect();
    await r.ping();
    return null;
  } catch (err) {
    return `no Redis server answers at ${REDIS_URL} (${(err as Error).message}); set REDIS_URL or start redis-server`;
  } finally {
    r.disconnect();
  }
}

/** Why the Redis tests are skipped, or false when a server answers. */
export const redisSkip: string | false = (await probe()) ?? false;
if (redisSkip !== false) console.log(`# SKIP Redis tests: ${redisSkip}`);

let counter = 0;
/** A key prefix no other run uses (process id, time, a counter). */
export function uniquePrefix(name: string): string {
  return `hooats-test:${name}:${process.pid}.${Date.now().toString(36)}.${counter++}:`;
}

/** TEST_MARKETS (same scales the random command stream assumes) with an AMM pool in each market. */
export const POOL_MARKETS: readonly MarketConfig[] = [
  { ...TEST_MARKETS[0], amm: { baseReserve: '50000', quoteReserve: '50000', feeBps: 30 } },
  { ...TEST_MARKETS[1], amm: { baseReserve: '40', quoteReserve: '80000', feeBps: 25 } },
];

/** The engine contract as the contract suite sees it: async, results and events. */
export interface Backend {
  execute(cmd: Command): Promise<ExecuteResult>;
  depth(pair: string, levels?: number): Promise<BookDepth | null>;
  balances(userId: string): Promise<Record<string, { available: number; locked: number }>>;
  userIds(): Promise<string[]>;
  supply(): Promise<Record<string, number>>;
  openOrder(orderId: number): Promise<OrderView | null>;
  openOrders(userId: string, pair?: string | null): Promise<OrderView[]>;
  snapshot(): Promise<EngineSnapshot>;
  stateHash(): Promise<string>;
  close(): Promise<void>;
}

/** The in-memory Engine wrapped to the async interface. */
export class InMemoryBackend implements Backend {
  readonly engine: Engine;
  constructor(markets: readonly MarketConfig[]) {
    this.engine = new Engine(markets);
  }
  async execute(cmd: Command): Promise<ExecuteResult> {
    const events: EngineEvent[] = [];
    const result = this.engine.execute(cmd, events);
    return { result, events };
  }
  async depth(pair: string, levels?: number): Promise<BookDepth | null> {
    return this.engine.depth(pair, levels);
  }
  async balances(userId: string) {
    return this.engine.balances(userId);
  }
  async userIds() {
    return this.engine.userIds();
  }
  async supply() {
    return this.engine.supply();
  }
  async openOrder(orderId: number) {
    return this.engine.openOrder(orderId);
  }
  async openOrders(userId: string, pair: string | null = null) {
    return this.engine.openOrders(userId, pair);
  }
  async snapshot() {
    return this.engine.snapshot();
  }
  async stateHash() {
    return this.engine.stateHash();
  }
  async close(): Promise<void> {}
}

/** A RedisEngine on a fresh prefix; close() deletes its keys and disconnects. */
export async function openRedisBackend(markets: readonly MarketConfig[], name: string): Promise<RedisEngine & Backend> {
  const engine = await RedisEngine.open({ url: REDIS_URL, markets, prefix: uniquePrefix(name) });
  const close = engine.close.bind(engine);
  return Object.assign(engine, {
    close: async () => {
      await engine.destroy();
      await close();
    },
  });
}

/**
 * The Redis backend's own indexes agree with its orders: every order in the order hash is in its
 * market's side sorted set at its price and in its owner's open-order set, the clientOrderId index
 * points to it; level totals are the sums of their orders and the level sets list exactly the levels
 * with a total; the books hold nothing else. Throws with the first difference.
 */
export async function assertRedisIndexes(engine: RedisEngine): Promise<void> {
  const r = engine.redis;
  const { accountKeys, userOrdersKey } = await import('../../src/redis/keys.js');
  const { parseOrderText } = await import('../../src/redis/wire.js');
  const acct = accountKeys(engine.keyspace);
  const orders = await r.hgetall(acct.orders);
  const cids = await r.hgetall(acct.clientOrderIds);
  const fail = (what: string): never => {
    throw new Error(`redis index broken: ${what}`);
  };
  const parsed = new Map(Object.entries(orders).map(([k, rec]) => [k, parseOrderText(rec, true)]));
  const cidSeen = new Map<string, string>();
  let booked = 0;
  for (const [index, spec] of engine.catalogue.markets.entries()) {
    const k = engine.marketKeys(spec.pair)!;
    const totals = new Map<string, number>();
    for (const [side, zkey, prefix, sign] of [['buy', k.bids, 'b', -1], ['sell', k.asks, 'a', 1]] as const) {
      const members = await r.zrange(zkey, '0', '-1', 'WITHSCORES');
      for (let i = 0; i < members.length; i += 2) {
        const key = members[i];
        const o = parsed.get(key) ?? fail(`${spec.pair}: ${key} in the book but not in the order hash`);
        booked++;
        if (o.marketIndex !== index) fail(`${key} in ${spec.pair}'s book, record says market ${o.marketIndex}`);
        if (o.side !== side) fail(`${key} on the wrong side`);
        if (Number(members[i + 1]) !== sign * o.price) fail(`${key} scored ${members[i + 1]}, price ${o.price}`);
        const field = `${prefix}${o.price}`;
        totals.set(field, (totals.get(field) ?? 0) + o.remaining);
      }
    }
    const stored = await r.hgetall(k.levelTotals);
    if (JSON.stringify(Object.entries(stored).map(([f, v]) => [f, Number(v)]).sort()) !== JSON.stringify([...totals.entries()].sort())) {
      fail(`${spec.pair}: level totals ${JSON.stringify(stored)} differ from the orders' ${JSON.stringify([...totals.entries()])}`);
    }
    for (const [zkey, prefix] of [[k.bidLevels, 'b'], [k.askLevels, 'a']] as const) {
      const prices = (await r.zrange(zkey, '0', '-1')).map((p) => `${prefix}${p}`).sort();
      const expected = [...totals.keys()].filter((f) => f.startsWith(prefix)).sort();
      if (JSON.stringify(prices) !== JSON.stringify(expected)) fail(`${spec.pair}: level set ${prefix} ${prices.join(',')} vs ${expected.join(',')}`);
    }
  }
  if (booked !== parsed.size) fail(`${parsed.size} orders in the order hash, ${booked} in the books`);
  for (const [key, o] of parsed) {
    if ((await r.zscore(userOrdersKey(acct, o.userId), key)) === null) fail(`${key} not in ${o.userId}'s open orders`);
    if (o.clientOrderId !== null) cidSeen.set(`${Buffer.byteLength(o.userId)}:${o.userId}${o.clientOrderId}`, String(Number(key)));
  }
  if (JSON.stringify(Object.entries(cids).sort()) !== JSON.stringify([...cidSeen.entries()].sort())) {
    throw new Error(`clientOrderId index ${JSON.stringify(cids)} differs from the orders' ${JSON.stringify([...cidSeen.entries()])}`);
  }
}
