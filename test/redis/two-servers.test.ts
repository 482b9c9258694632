/**
 * HOOATS_STORE=redis end to end: two server processes (src/main.ts) on one Redis keyspace, random
 * orders, cancels and batches from several users through both at once. Both must then serve one
 * consistent exchange: the same book (GET /api/orderbook, and rebuilt from each one's WebSocket
 * snapshot + diffs, seq rising by exactly 1), the same trades in the same order on both WebSocket
 * feeds, the same balances and open orders, and every asset conserved (accounts + pool = deposits +
 * the pool's initial reserves). Each writes the order history from the streams into its own SQLite:
 * both list the same trades and the caller's filled and cancelled orders, and a third server started
 * afterwards catches its history up from the streams. HOOATS_SEED replays a run (the seed is printed).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { signToken } from '../../src/api/auth.js';
import { DEFAULT_MARKETS } from '../../src/engine/market.js';
import { eventually, WsClient } from '../api/helpers.js';
import { api, startMain, type MainProcess } from '../support/main-process.js';
import { makeRng, seedFromEnv } from '../support/prng.js';
import { REDIS_URL, redisSkip, uniquePrefix } from './support.js';
import { BookReplica } from '../support/book-replica.js';

const SECRET = 'two-servers-secret-two-servers-secret-0123';
const PAIR = DEFAULT_MARKETS[0].pair;
const USERS = 4;
const ORDERS_PER_USER = 80;
const DEPOSIT = { USDC: '100000', HYPERINDEX: '100000' };

/** Subscribes to the book and trades; the replica follows the book messages, `trades` collects the rest. */
async function watch(url: string): Promise<{ client: WsClient; book: BookReplica; trades: any[] }> {
  const client = await WsClient.open(url.replace(/^http/, 'ws') + '/ws');
  const book = new BookReplica();
  const trades: any[] = [];
  client.ws.on('message', (data) => {
    const m = JSON.parse(data.toString());
    if (m.type === 'book') book.apply(m);
    else if (m.type === 'trade') trades.push(m);
  });
  client.send({ op: 'subscribe', reqId: 's', channels: [`book:${PAIR}`, `trades:${PAIR}`] });
  await client.next((m) => m.type === 'book' && m.snapshot === true);
  return { client, book, trades };
}

const sum = (values: string[]) => values.reduce((a, v) => a + Number(v.replace('.', '')), 0);

describe('two server processes on one Redis (HOOATS_STORE=redis)', { skip: redisSkip }, () => {
  const prefix = uniquePrefix('servers');
  const servers: MainProcess[] = [];
  const dataDirs: string[] = [];
  let admin = '';
  /** a server process on the shared keyspace, with its own data dir (its SQLite history) */
  const serve = async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'hooats-two-servers-'));
    dataDirs.push(dataDir);
    const env = { HOOATS_STORE: 'redis', REDIS_URL, HOOATS_REDIS_PREFIX: prefix, HOOATS_JWT_SECRET: SECRET, HOOATS_RATE_LIMIT_PER_SEC: '0', DATABASE_URL: '', HOOATS_DATA_DIR: dataDir };
    const server = await startMain(env);
    servers.push(server);
    return server;
  };

  before(async () => {
    await serve();
    await serve();
    admin = await signToken(SECRET, 'ops', ['admin']);
  });

  after(async () => {
    for (const s of servers) {
      s.child.kill('SIGTERM');
      await s.exited;
    }
    for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
    const r = new Redis(REDIS_URL);
    let cursor = '0';
    do {
      const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length > 0) await r.del(...keys);
      cursor = next;
    } while (cursor !== '0');
    await r.quit();
  });

  it('serves one book, one trade sequence and the same balances from both', async () => {
    const seed = seedFromEnv(Date.now() % 2_147_483_647);
    console.log(`two-servers seed=${seed} (replay with HOOATS_SEED=${seed})`);
    const [a, b] = servers;
    for (let u = 0; u < USERS; u++) {
      for (const [asset, amount] of Object.entries(DEPOSIT)) {
        const r = await api((u % 2 === 0 ? a : b).url, 'POST', '/api/admin/deposits', admin, { userId: `t${u}`, asset, amount });
        assert.equal(r.status, 200, JSON.stringify(r.body));
      }
    }
    const watchers = [await watch(a.url), await watch(b.url)];

    const trader = async (u: number) => {
      const rng = makeRng(seed * 31 + u);
      const token = await signToken(SECRET, `t${u}`, ['trade']);
      const open: string[] = [];
      for (let i = 0; i < ORDERS_PER_USER; i++) {
        const url = servers[(u + i) % 2].url;
        const roll = rng.next();
        if (roll < 0.1 && open.length > 0) {
          const id = open.splice(rng.int(open.length), 1)[0];
          const r = await api(url, 'DELETE', `/api/trading/v2/orders/${id}`, token);
          assert.ok(r.status === 200 || r.status === 404, JSON.stringify(r.body));
          continue;
        }
        const side = rng.chance(0.5) ? 'buy' : 'sell';
        const price = (1 + (rng.range(-30, 30) + (side === 'buy' ? -5 : 5)) / 1000).toFixed(4);
        const amount = (rng.range(1, 5000) / 1000).toFixed(3);
        const body =
          roll < 0.15
            ? { pair: PAIR, side, type: 'market', amount }
            : { pair: PAIR, side, type: 'limit', price, amount, timeInForce: roll < 0.25 ? 'IOC' : 'GTC' };
        if (roll > 0.95) {
          const r = await api(url, 'POST', '/api/trading/v2/batch', token, { orders: [body, { ...body, amount: '0.001' }] });
          assert.equal(r.status, 200, JSON.stringify(r.body));
          continue;
        }
        const r = await api(url, 'POST', '/api/trading/v2/orders', token, body);
        assert.equal(r.status, 201, JSON.stringify(r.body));
        if (r.body.order.status === 'open' || r.body.order.status === 'partially_filled') open.push(r.body.order.id);
      }
    };
    await Promise.all(Array.from({ length: USERS }, (_, u) => trader(u)));

    const [bookA, bookB] = await Promise.all(servers.map((s) => api(s.url, 'GET', `/api/orderbook/${PAIR}?depth=5000`, admin)));
    assert.deepEqual(bookA.body, bookB.body, 'both servers show the same book, pool and sequence');
    assert.ok(bookA.body.sequence > 50, `the book changed ${bookA.body.sequence} times`);
    if (bookA.body.bids.length > 0 && bookA.body.asks.length > 0) assert.ok(Number(bookA.body.bids[0][0]) < Number(bookA.body.asks[0][0]), 'book not crossed');
    for (const w of watchers) {
      await eventually(() => w.book.seq === bookA.body.sequence, 10_000);
      assert.equal(w.book.gaps, 0, 'diff seqs rise by exactly 1');
      assert.deepEqual(w.book.levels('bids'), bookA.body.bids);
      assert.deepEqual(w.book.levels('asks'), bookA.body.asks);
    }
    await eventually(() => watchers[0].trades.length === watchers[1].trades.length, 10_000);
    assert.ok(watchers[0].trades.length > 20, `${watchers[0].trades.length} trades`);
    assert.deepEqual(watchers[0].trades, watchers[1].trades, 'the same trades in the same order on both feeds');

    // balances and open orders agree, and every asset is conserved
    const totals: Record<string, number> = { USDC: 0, HYPERINDEX: 0 };
    for (const user of [...Array.from({ length: USERS }, (_, u) => `t${u}`), 'fees']) {
      const [ra, rb] = await Promise.all(servers.map((s) => api(s.url, 'GET', `/api/admin/balances/${user}`, admin)));
      assert.deepEqual(ra.body, rb.body, `balances of ${user}`);
      for (const [asset, bal] of Object.entries(ra.body.balances as Record<string, { available: string; locked: string }>)) {
        totals[asset] += sum([bal.available, bal.locked]);
      }
    }
    const pool = bookA.body.amm;
    const amm = DEFAULT_MARKETS[0].amm!;
    assert.equal(totals.USDC + sum([pool.quoteReserve]), USERS * sum([`${DEPOSIT.USDC}.0000000`]) + sum([`${amm.quoteReserve}.0000000`]), 'USDC conserved');
    assert.equal(totals.HYPERINDEX + sum([pool.baseReserve]), USERS * sum([`${DEPOSIT.HYPERINDEX}.000`]) + sum([`${amm.baseReserve}.000`]), 'HYPERINDEX conserved');
    const token = await signToken(SECRET, 't0', ['trade']);
    const [oa, ob] = await Promise.all(servers.map((s) => api(s.url, 'GET', `/api/trading/v2/orders?pair=${PAIR}&status=open`, token)));
    assert.deepEqual(oa.body, ob.body, 'open orders of t0');
    for (const w of watchers) w.client.close();

    // the history: both servers, and one started now (catching up from the streams), list the same trades
    const late = await serve();
    const tradesOf = async (url: string) => {
      const r = await api(url, 'GET', `/api/trading/v2/trades/${PAIR}?limit=1000`, admin);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return r.body.trades as any[];
    };
    await eventually(async () => (await tradesOf(late.url)).length === watchers[0].trades.length, 10_000);
    const listed = await tradesOf(a.url);
    assert.deepEqual(await tradesOf(b.url), listed);
    assert.deepEqual(await tradesOf(late.url), listed);
    assert.deepEqual(listed.map((t) => t.id).sort(), watchers[0].trades.map((t) => t.id).sort(), 'the history holds every trade');
    const closed = await Promise.all([a, b, late].map((s) => api(s.url, 'GET', `/api/trading/v2/orders?pair=${PAIR}&status=closed&limit=500`, token)));
    assert.ok(closed[0].body.orders.length > 0, 't0 has closed orders');
    assert.deepEqual(closed[1].body, closed[0].body);
    assert.deepEqual(closed[2].body, closed[0].body);
  });

  it("delivers a user's own order updates on the other server's WebSocket", async () => {
    const [a, b] = servers;
    const token = await signToken(SECRET, 'watcher', ['trade']);
    await api(a.url, 'POST', '/api/admin/deposits', admin, { userId: 'watcher', asset: 'USDC', amount: '100' });
    const ws = await WsClient.open(b.url.replace(/^http/, 'ws') + '/ws');
    await ws.request({ op: 'auth', reqId: 'a', token });
    await ws.request({ op: 'subscribe', reqId: 's', channels: ['orders'] });
    const placed = await api(a.url, 'POST', '/api/trading/v2/orders', token, { pair: PAIR, side: 'buy', type: 'limit', price: '0.5', amount: '2' });
    assert.equal(placed.status, 201, JSON.stringify(placed.body));
    const id = placed.body.order.id;
    const opened = await ws.next((m) => m.type === 'order' && m.order.id === id);
    assert.equal(opened.order.status, 'open');
    assert.equal((await api(a.url, 'DELETE', `/api/trading/v2/orders/${id}`, token)).status, 200);
    const cancelled = await ws.next((m) => m.type === 'order' && m.order.id === id && m.order.status === 'cancelled');
    assert.equal(cancelled.order.cancelReason, 'user');
    ws.close();
  });

  it('reports the store in /api/health', async () => {
    const r = await api(servers[0].url, 'GET', '/api/health', admin);
    assert.equal(r.status, 200);
    assert.equal(r.body.store, 'redis');
    assert.equal(r.body.redis.status, 'ready');
  });

  it('counts the FCALLs and the commands they carried in /metrics (a batch goes out coalesced)', async () => {
    const text = await (await fetch(`${servers[0].url}/metrics`)).text();
    const value = (name: string): number => Number(new RegExp(`^${name} (\\d+)`, 'm').exec(text)?.[1] ?? NaN);
    const calls = value('hooats_redis_calls_total');
    const commands = value('hooats_redis_commands_total');
    assert.ok(calls > 0, `hooats_redis_calls_total ${calls}`);
    assert.ok(commands > calls, `${commands} commands in ${calls} FCALLs: the batches were not coalesced`);
  });
});
