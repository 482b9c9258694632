/**
 * npm run bench:redis — orders/s through the Redis-Lua backend (RedisEngine: each order one atomic
 * script run, events XADDed to the market's stream, results and events parsed back), with many
 * concurrent clients (one connection each) and pipelining (many commands in flight per connection,
 * ioredis auto-pipelining), against the raw ceiling of a trivial EVALSHA (one HSET) measured in the
 * same run on the same connections. The book market runs twice: one FCALL per order, then as the
 * engine is configured (the orders in flight coalesced into `hooats_batch` calls). Also an AMM market.
 * It prints the CPU each call cost this process and Redis (INFO cpu), which says which side binds. Needs a Redis server: REDIS_URL (default
 * redis://127.0.0.1:6379); its keys go under a fresh prefix and are deleted afterwards.
 * The last line printed is one JSON object.
 */
import { Redis } from 'ioredis';
import type { Command } from '../src/engine/commands.js';
import type { MarketConfig } from '../src/engine/market.js';
import { RedisEngine, redisClientOptions } from '../src/redis/redis-engine.js';
import { FUNCTIONS } from '../src/redis/scripts.js';
import { mulberry32 } from './support/prng.js';

const URL_ = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 8);
const IN_FLIGHT = Number(process.env.BENCH_IN_FLIGHT ?? 32);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const USERS = 200;

const BOOK: MarketConfig = { pair: 'IDX-USDC', base: 'IDX', quote: 'USDC', tickSize: '0.0001', lotSize: '0.01', minNotional: '0', makerFeeBps: 10, takerFeeBps: 25, amm: null };
const POOLED: MarketConfig = { ...BOOK, pair: 'AMM-USDC', base: 'AMM', amm: { baseReserve: '10000000', quoteReserve: '10000000', feeBps: 30 } };

/** A fixed order stream: limit buys and sells around the mid (about a fifth cross), some IOC and market orders. */
function orders(pair: string, count: number, seed: number): Command[] {
  const rnd = mulberry32(seed);
  const out: Command[] = [];
  for (let i = 0; i < count; i++) {
    const buy = rnd() < 0.5;
    const userId = `u${Math.floor(rnd() * USERS)}`;
    const amount = 1 + Math.floor(rnd() * 10);
    const kind = rnd();
    const offset = Math.floor(rnd() * 50) - 10;
    const price = buy ? 10_000 - offset : 10_000 + offset;
    if (kind < 0.05) out.push({ type: 'placeOrder', time: i, userId, pair, side: buy ? 'buy' : 'sell', orderType: 'market', amount });
    else out.push({ type: 'placeOrder', time: i, userId, pair, side: buy ? 'buy' : 'sell', orderType: 'limit', price, amount, ...(kind < 0.15 ? { timeInForce: 'IOC' as const } : {}) });
  }
  return out;
}

function client(): Redis {
  const r = new Redis(URL_, { ...redisClientOptions(10_000), enableAutoPipelining: true });
  r.on('error', () => {});
  return r;
}

/** Redis's CPU seconds so far (user + sys, from INFO cpu). */
async function redisCpu(r: Redis): Promise<number> {
  const info = await r.info('cpu');
  const num = (k: string) => Number(new RegExp(`${k}:([0-9.]+)`).exec(info)?.[1] ?? NaN);
  return num('used_cpu_user') + num('used_cpu_sys');
}

/** CPU per completed call of the last drive(): this process's and Redis's, in microseconds. */
const lastCpu = { clientUs: 0, redisUs: 0 };

/** Runs `op(i)` with IN_FLIGHT calls in flight per client for SECONDS; returns completed calls per second. */
async function drive(n: number, op: (client: number, i: number) => Promise<unknown>, probe?: Redis): Promise<number> {
  const redis0 = probe === undefined ? 0 : await redisCpu(probe);
  const cpu0 = process.cpuUsage();
  let done = 0;
  let next = 0;
  const deadline = performance.now() + SECONDS * 1000;
  const started = performance.now();
  const lane = async (c: number): Promise<void> => {
    while (performance.now() < deadline) {
      await op(c, next++);
      done++;
    }
  };
  const lanes: Array<Promise<void>> = [];
  for (let c = 0; c < n; c++) for (let k = 0; k < IN_FLIGHT; k++) lanes.push(lane(c));
  await Promise.all(lanes);
  const rate = done / ((performance.now() - started) / 1000);
  const cpu = process.cpuUsage(cpu0);
  lastCpu.clientUs = (cpu.user + cpu.system) / done;
  lastCpu.redisUs = probe === undefined ? NaN : ((await redisCpu(probe)) - redis0) * 1e6 / done;
  return rate;
}

async function main(): Promise<void> {
  const prefix = `hooats-bench:${process.pid}.${Date.now().toString(36)}:`;
  const clients = Array.from({ length: CLIENTS }, client);
  await Promise.all(clients.map((c) => c.connect()));
  const MAX_BATCH = process.env.BENCH_MAX_BATCH === undefined ? undefined : Number(process.env.BENCH_MAX_BATCH);
  // the engines as configured (commands in flight coalesced, command-batcher.ts), and the same on the
  // same connections sending one FCALL per order, for comparison
  const engines = await Promise.all(clients.map((redis) => RedisEngine.open({ redis, markets: [BOOK, POOLED], prefix, maxBatch: MAX_BATCH })));
  const singles = await Promise.all(clients.map((redis) => RedisEngine.open({ redis, markets: [BOOK, POOLED], prefix, maxBatch: 1 })));
  try {
    const e0 = engines[0];
    for (let u = 0; u < USERS; u++) {
      for (const asset of ['IDX', 'AMM']) await e0.execute({ type: 'deposit', time: 0, userId: `u${u}`, asset, amount: 1_000_000_000_000 });
      await e0.execute({ type: 'deposit', time: 0, userId: `u${u}`, asset: 'USDC', amount: 40_000_000_000_000 });
    }
    // a ring of pre-built commands, replayed in turn: small enough that the bench's own heap does not
    // make the garbage collector the bottleneck (4 million live command objects did)
    const stream = orders('IDX-USDC', 1 << 17, 42);
    const ammStream = orders('AMM-USDC', 1 << 17, 43);
    const hashKey = `${prefix}{noop}:h`;
    // the raw ceilings: the same one-HSET body as an EVALSHA script and as a function of the library
    const NOOP_LUA = `return redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])`;
    for (const c of clients) c.defineCommand('benchNoopHset', { lua: NOOP_LUA, numberOfKeys: 1 });
    const evalsha = (c: number, i: number): Promise<unknown> =>
      (clients[c] as unknown as { benchNoopHset(k: string, f: string, v: string): Promise<unknown> }).benchNoopHset(hashKey, `f${i & 1023}`, 'v');
    const fcall = (c: number, i: number): Promise<unknown> => clients[c].fcall(FUNCTIONS.noop_hset, 1, hashKey, `f${i & 1023}`, 'v');

    // warm-up (scripts loaded on every connection, JIT) with an order that never rests: repeating a
    // resting one would leave tens of thousands of one user's orders at one price for the measurement
    const warm = { ...stream[0], timeInForce: 'IOC' } as Command;
    await drive(CLIENTS, (c) => engines[c].execute(warm).then(() => engines[c].execute({ ...stream[1], type: 'cancelAll', userId: 'nobody', pair: null } as Command)));
    await drive(CLIENTS, evalsha);
    await drive(CLIENTS, fcall);

    const rawEvalsha = await drive(CLIENTS, evalsha, clients[0]);
    const cpuEvalsha = { ...lastCpu };
    console.log(`raw EVALSHA (one HSET):  ${Math.round(rawEvalsha)} calls/s  (${CLIENTS} clients × ${IN_FLIGHT} in flight)`);
    const rawFcall = await drive(CLIENTS, fcall, clients[0]);
    const cpuFcall = { ...lastCpu };
    console.log(`raw FCALL (one HSET):    ${Math.round(rawFcall)} calls/s`);
    // the ratio is taken against the higher of the two ceilings
    const raw = Math.max(rawEvalsha, rawFcall);
    let bookErrors = 0;
    const single = await drive(CLIENTS, async (c, i) => {
      const { result } = await singles[c].execute(stream[i % stream.length]);
      if (!result.ok) bookErrors++;
    }, clients[0]);
    const cpuSingle = { ...lastCpu };
    console.log(`orders via Lua (book), one FCALL per order: ${Math.round(single)} orders/s  (ratio ${(single / raw).toFixed(2)} of raw)`);
    const calls0 = engines.reduce((n, e) => n + e.batching.calls, 0);
    const commands0 = engines.reduce((n, e) => n + e.batching.commands, 0);
    const book = await drive(CLIENTS, async (c, i) => {
      const { result } = await engines[c].execute(stream[i % stream.length]);
      if (!result.ok) bookErrors++;
    }, clients[0]);
    const cpuBook = { ...lastCpu };
    const perCall = (engines.reduce((n, e) => n + e.batching.commands, 0) - commands0) / (engines.reduce((n, e) => n + e.batching.calls, 0) - calls0);
    const depth = await e0.depth('IDX-USDC');
    const open = await e0.openOrderCount();
    console.log(`orders via Lua (book), coalesced: ${Math.round(book)} orders/s  (ratio ${(book / raw).toFixed(2)} of raw; ${perCall.toFixed(1)} orders per FCALL; ${bookErrors} rejected; ${open} open orders, ${depth!.bids.length + depth!.asks.length} levels at the end)`);
    const amm = await drive(CLIENTS, async (c, i) => {
      await engines[c].execute(ammStream[i % ammStream.length]);
    }, clients[0]);
    const cpuAmm = { ...lastCpu };
    console.log(`orders via Lua (AMM):    ${Math.round(amm)} orders/s  (book + Uniswap-V2 pool routing, bigint math in Lua)`);
    const us = (c: typeof lastCpu) => `client ${c.clientUs.toFixed(1)} µs, Redis ${c.redisUs.toFixed(1)} µs`;
    console.log(`CPU per call: EVALSHA ${us(cpuEvalsha)}; FCALL ${us(cpuFcall)}; book order alone ${us(cpuSingle)}; book order coalesced ${us(cpuBook)}; AMM order ${us(cpuAmm)}`);
    const info = await clients[0].info('server');
    const version = /redis_version:(\S+)/.exec(info)?.[1] ?? '?';
    console.log(
      JSON.stringify({
        bench: 'redis',
        redis: version,
        clients: CLIENTS,
        inFlightPerClient: IN_FLIGHT,
        seconds: SECONDS,
        rawEvalshaPerSec: Math.round(rawEvalsha),
        rawFcallPerSec: Math.round(rawFcall),
        ordersPerSec: Math.round(book),
        ratioToRaw: Number((book / raw).toFixed(3)),
        ordersPerFcall: Number(perCall.toFixed(1)),
        unbatchedOrdersPerSec: Math.round(single),
        unbatchedRatioToRaw: Number((single / raw).toFixed(3)),
        ammOrdersPerSec: Math.round(amm),
        cpuUsPerOrder: { client: Number(cpuBook.clientUs.toFixed(1)), redis: Number(cpuBook.redisUs.toFixed(1)) },
        cpuUsPerUnbatchedOrder: { client: Number(cpuSingle.clientUs.toFixed(1)), redis: Number(cpuSingle.redisUs.toFixed(1)) },
        cpuUsPerRawCall: { client: Number(cpuFcall.clientUs.toFixed(1)), redis: Number(cpuFcall.redisUs.toFixed(1)) },
        targets: { ordersPerSec: 40_000, ratioToRaw: 0.5 },
        meetsTargets: book >= 40_000 && book / raw >= 0.5,
      }),
    );
  } finally {
    await engines[0].destroy();
    clients.forEach((c) => c.disconnect());
  }
}

await main();
