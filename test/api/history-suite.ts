/**
 * The order history through the API, over real sockets, against one history store backend (SQLite or
 * PostgreSQL; see history-sqlite.test.ts and history-postgres.test.ts). One server lifetime after another
 * on the same data dir and database:
 *
 * 1. read-your-writes: an order filled or cancelled a moment ago is found, with its fill and trade;
 * 2. a seeded burst of trading (single orders, batches, market orders through the AMM, cancels) under a
 *    clock that moves by minutes per command, so candles of every interval and the 24 h window fill up;
 *    then every history endpoint is walked page by page (cursor pagination) and compared with what the
 *    durable events say (orders also by their reused clientOrderIds), candles with a brute-force
 *    recomputation from GET trades, the ticker with one from the trades in its window;
 * 3. a restart: the history answers exactly the same afterwards;
 * 4. a store outage during trading: orders keep being accepted, health stays 200 and shows the lag,
 *    history reads answer 503, the writer's bounded queue overflows and snapshots are pruned meanwhile;
 *    once the store is back the history catches up from the journal (which retention kept) to exactly
 *    the durable events.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildCatalogue } from '../../src/engine/market.js';
import { HistoryFormatter } from '../../src/history/format.js';
import type { HistoryDump, HistoryStore } from '../../src/history/types.js';
import { expectedDump, type DurableRecord } from '../history/support.js';
import { makeRng, seedFromEnv } from '../support/prng.js';
import { MARKETS, call, eventually, fund, startServer, type Reply, type Server } from './helpers.js';

export interface Outage {
  begin(): Promise<void>;
  end(): Promise<void>;
}

export interface StoreHandle {
  readonly store: HistoryStore;
  readonly outage: Outage;
}

export interface Backend {
  readonly name: string;
  /** A store on this backend's database for `dataDir`; every call reaches the same data (restarts). */
  open(dataDir: string): Promise<StoreHandle>;
  dispose(): Promise<void>;
}

const PAIRS = MARKETS.map((m) => m.pair);
const USERS = ['h0', 'h1', 'h2', 'h3', 'h4'];
/** few, so that they are reused once their orders close (and now and then refused while one is open) */
const CLIENT_IDS = ['k0', 'k1', 'k2', 'k 3/é'];
const INTERVALS = { '1m': 60_000, '5m': 300_000, '15m': 900_000, '1h': 3_600_000, '1d': 86_400_000 } as const;
const DAY = 86_400_000;
const fmt = new HistoryFormatter(buildCatalogue(MARKETS));

// --- decimal strings as exact integers (every value of one field of one market has the same decimals)
const units = (s: string): bigint => BigInt(s.replace('.', ''));
const decimalsOf = (s: string): number => (s.includes('.') ? s.length - s.indexOf('.') - 1 : 0);
function decimal(n: bigint, decimals: number): string {
  const digits = n.toString().padStart(decimals + 1, '0');
  return decimals === 0 ? digits : digits.slice(0, -decimals) + '.' + digits.slice(-decimals);
}
const maxBy = <T>(xs: T[], key: (x: T) => bigint): T => xs.reduce((a, b) => (key(b) > key(a) ? b : a));
const minBy = <T>(xs: T[], key: (x: T) => bigint): T => xs.reduce((a, b) => (key(b) < key(a) ? b : a));

interface TradeJson {
  id: string;
  price: string;
  amount: string;
  quoteAmount: string;
  takerSide: string;
  venue: string;
  time: number;
}

/** Candles of one pair and interval recomputed from the tape alone, oldest first. */
function bruteForceCandles(trades: TradeJson[], ms: number) {
  const buckets = new Map<number, TradeJson[]>();
  for (const t of trades) {
    const start = t.time - (t.time % ms);
    buckets.set(start, [...(buckets.get(start) ?? []), t]);
  }
  return [...buckets.keys()]
    .sort((a, b) => a - b)
    .map((start) => {
      const ts = buckets.get(start)!;
      const id = (t: TradeJson) => BigInt(t.id);
      const price = (t: TradeJson) => units(t.price);
      const sum = (f: (t: TradeJson) => string) => decimal(ts.reduce((s, t) => s + units(f(t)), 0n), decimalsOf(f(ts[0])));
      return {
        time: start,
        open: minBy(ts, id).price,
        high: maxBy(ts, price).price,
        low: minBy(ts, price).price,
        close: maxBy(ts, id).price,
        volume: sum((t) => t.amount),
        quoteVolume: sum((t) => t.quoteAmount),
        trades: ts.length,
      };
    });
}

function orderJson(o: HistoryDump['orders'][number]) {
  const { updatedAt: _updatedAt, ...rest } = fmt.order(o);
  return rest;
}

export function historySuite(backend: Backend): void {
  describe(`order history through the API (${backend.name})`, () => {
    const seed = seedFromEnv(Date.now() % 1_000_000);
    const rng = makeRng(seed);
    const dataDir = mkdtempSync(join(tmpdir(), `hooats-api-history-${backend.name}-`));
    const records: DurableRecord[] = [];
    const placed = new Map<string, Set<string>>(USERS.map((u) => [u, new Set<string>()]));
    const tokens = new Map<string, string>();
    // command times: minutes apart (now and then a step back), so every candle interval gets buckets
    let clock = Date.UTC(2024, 2, 1, 0, 0);
    const tick = () => (clock += rng.chance(0.03) ? -rng.int(20_000) : rng.int(600_000));
    let s: Server;
    let handle: StoreHandle;

    async function start(): Promise<void> {
      handle = await backend.open(dataDir);
      s = await startServer({
        dataDir,
        env: { HOOATS_RATE_LIMIT_PER_SEC: '0' },
        // frequent snapshots: pruning runs often, also while the history is behind
        sequencer: { now: tick, snapshotEvery: 100 },
        now: () => clock,
        historyStore: handle.store,
        // a small queue, so that an outage overflows it and the catch-up from the journal is exercised
        historyWriter: { initialBackoffMs: 10, maxBackoffMs: 100, maxQueuedCommands: 150 },
      });
      s.sequencer.onDurable((seq, events) => records.push({ seq, events }));
    }

    const token = (u: string) => tokens.get(u)!;
    const get = (path: string, user?: string): Promise<Reply> => call(s, 'GET', path, user === undefined ? undefined : token(user));

    before(async () => {
      console.log(`[api history ${backend.name}] seed ${seed} (HOOATS_SEED to repeat)`);
      await start();
      for (const u of USERS) {
        tokens.set(u, await s.token(u));
        await fund(s, u, { USDC: '1000000', IDX: '100000', HYPERINDEX: '1000000' });
      }
    });
    after(async () => {
      await s?.close(true);
      await backend.dispose();
      rmSync(dataDir, { recursive: true, force: true });
    });

    function randomOrder(): Record<string, unknown> {
      const pair = rng.pick(PAIRS);
      const side = rng.chance(0.5) ? 'buy' : 'sell';
      const idx = pair === 'IDX-USDC';
      const amount = idx ? (rng.range(1, 3000) / 1000).toFixed(3) : (rng.range(1, 20_000) / 1000).toFixed(3);
      const r = rng.next();
      if (r < 0.12) return { pair, side, type: 'market', amount };
      if (r < 0.16 && !idx) return { pair, side: 'buy', type: 'market', quoteAmount: (rng.range(1, 5000) / 100).toFixed(2) };
      const price = idx ? ((1000 + rng.range(-15, 15)) / 100).toFixed(2) : ((10_000 + rng.range(-150, 150)) / 10_000).toFixed(4);
      const order: Record<string, unknown> = { pair, side, type: 'limit', price, amount };
      if (rng.chance(0.15)) order.timeInForce = 'IOC';
      else if (rng.chance(0.05)) order.postOnly = true;
      if (rng.chance(0.25)) order.clientOrderId = rng.pick(CLIENT_IDS);
      return order;
    }

    const isClosed = (o: { status: string }) => o.status === 'filled' || o.status === 'cancelled';

    /** `n` requests of random trading; every one must succeed. Orders closed on arrival are read back at once. */
    async function trade(n: number, readBack: boolean): Promise<void> {
      for (let i = 0; i < n; i++) {
        const u = rng.pick(USERS);
        const r = rng.next();
        if (r < 0.3) {
          const orders = Array.from({ length: rng.range(1, 20) }, randomOrder);
          const res = await call(s, 'POST', '/api/trading/v2/batch', token(u), { orders });
          assert.equal(res.status, 200, JSON.stringify(res.body));
          for (const x of res.body.results) if (x.ok) placed.get(u)!.add(x.order.id);
        } else if (r < 0.9) {
          const res = await call(s, 'POST', '/api/trading/v2/orders', token(u), randomOrder());
          if (res.status !== 201) {
            // a limit order that cannot lock its funds, or a clientOrderId still in use
            assert.ok(res.status === 422 || res.status === 409, JSON.stringify(res.body));
            continue;
          }
          placed.get(u)!.add(res.body.order.id);
          if (readBack && isClosed(res.body.order)) {
            // closed on arrival: only the history knows it now, and it must already
            const back = await get(`/api/trading/v2/orders/${res.body.order.id}`, u);
            assert.equal(back.status, 200, JSON.stringify(back.body));
            assert.deepEqual(back.body.order, res.body.order);
          }
        } else if (r < 0.98) {
          const open = await get('/api/trading/v2/orders?status=open&limit=50', u);
          assert.equal(open.status, 200);
          if (open.body.orders.length === 0) continue;
          const victim = rng.pick(open.body.orders as Array<{ id: string }>);
          const res = await call(s, 'DELETE', `/api/trading/v2/orders/${victim.id}`, token(u));
          assert.equal(res.status, 200, JSON.stringify(res.body));
          if (readBack) assert.deepEqual((await get(`/api/trading/v2/orders/${victim.id}`, u)).body.order, res.body.order);
        } else {
          const res = await call(s, 'DELETE', `/api/trading/v2/orders?pair=${rng.pick(PAIRS)}`, token(u));
          assert.equal(res.status, 200, JSON.stringify(res.body));
        }
      }
    }

    /** Every item of a paginated listing, page by page; checks page sizes, cursors and the id order. */
    async function walk(path: string, key: string, limit: number, user?: string): Promise<any[]> {
      const out: any[] = [];
      let cursor: string | null = null;
      for (let pages = 0; ; pages++) {
        assert.ok(pages < 5_000, 'pagination ends');
        const sep = path.includes('?') ? '&' : '?';
        const r = await get(`${path}${sep}limit=${limit}${cursor === null ? '' : `&cursor=${cursor}`}`, user);
        assert.equal(r.status, 200, `${path}: ${JSON.stringify(r.body)}`);
        const items = r.body[key] as any[];
        assert.ok(items.length <= limit);
        out.push(...items);
        cursor = r.body.nextCursor;
        if (cursor === null) break;
        assert.equal(items.length, limit, 'only the last page is short');
        assert.equal(cursor, items[items.length - 1].id, 'the cursor is the last id of the page');
      }
      for (let i = 1; i < out.length; i++) assert.ok(BigInt(out[i - 1].id) > BigInt(out[i].id), `${path}: ids strictly descending`);
      return out;
    }

    /** Every history answer, for comparing before and after a restart. */
    async function answers() {
      const all: Record<string, unknown> = {};
      for (const u of USERS) {
        all[`orders ${u}`] = await walk('/api/trading/v2/orders?status=all', 'orders', 40, u);
        all[`fills ${u}`] = await walk('/api/trading/v2/fills', 'fills', 40, u);
      }
      for (const pair of PAIRS) {
        all[`trades ${pair}`] = await walk(`/api/trading/v2/trades/${pair}`, 'trades', 100);
        all[`ticker ${pair}`] = (await get(`/api/trading/v2/market/${pair}`)).body;
        for (const interval of Object.keys(INTERVALS)) {
          all[`candles ${pair} ${interval}`] = (await get(`/api/trading/v2/candles/${pair}?interval=${interval}&limit=1000`)).body;
        }
      }
      return all;
    }

    /** Compares every history endpoint with the durable events (and candles/ticker with the tape). */
    async function verify(label: string): Promise<void> {
      const expected = expectedDump(records, MARKETS);
      assert.equal(expected.lastSeq, s.sequencer.durableSeq, 'the recorder saw every durable command');
      const byIdDesc = <T extends { id: number }>(xs: T[]) => [...xs].sort((a, b) => b.id - a.id);
      let reusedClientIds = 0;
      for (const u of USERS) {
        const mine = byIdDesc(expected.orders.filter((o) => o.userId === u));
        assert.deepEqual(new Set(mine.map((o) => String(o.id))), placed.get(u), `${label}: ${u}'s orders are the ones placed`);
        const all = await walk('/api/trading/v2/orders?status=all', 'orders', rng.range(3, 40), u);
        assert.deepEqual(all, mine.map(orderJson), `${label}: ${u} orders`);
        const open = await walk('/api/trading/v2/orders?status=open', 'orders', rng.range(2, 20), u);
        assert.deepEqual(open, mine.filter((o) => !isClosed(o)).map(orderJson), `${label}: ${u} open orders`);
        const closed = await walk('/api/trading/v2/orders?status=closed', 'orders', rng.range(2, 30), u);
        assert.deepEqual(closed, mine.filter(isClosed).map(orderJson), `${label}: ${u} closed orders`);
        const filled = await walk('/api/trading/v2/orders?status=filled&pair=IDX-USDC', 'orders', 25, u);
        assert.deepEqual(filled, mine.filter((o) => o.status === 'filled' && o.pair === 'IDX-USDC').map(orderJson), `${label}: ${u} filled`);
        for (const o of all.filter(() => rng.chance(0.25))) {
          const one = await get(`/api/trading/v2/orders/${o.id}`, u);
          assert.deepEqual(one.body.order, o, `${label}: GET order ${o.id}`);
          const other = USERS.find((x) => x !== u)!;
          assert.equal((await get(`/api/trading/v2/orders/${o.id}`, other)).status, 404, 'another user’s order is not found');
        }
        for (const cid of CLIENT_IDS) {
          // newest first: the open one (at most one), else the newest closed one
          const withCid = mine.filter((o) => o.clientOrderId === cid);
          const listed = await walk(`/api/trading/v2/orders?clientOrderId=${encodeURIComponent(cid)}`, 'orders', rng.range(1, 8), u);
          assert.deepEqual(listed, withCid.map(orderJson), `${label}: ${u} orders with clientOrderId ${cid}`);
          const one = await get(`/api/trading/v2/orders/client/${encodeURIComponent(cid)}`, u);
          const expected = withCid.find((o) => !isClosed(o)) ?? withCid[0];
          if (expected === undefined) assert.equal(one.status, 404, `${label}: ${u} ${cid} never used`);
          else assert.deepEqual(one.body.order, orderJson(expected), `${label}: ${u} GET by clientOrderId ${cid}`);
          if (withCid.length > 1) reusedClientIds++;
        }
        const fills = await walk('/api/trading/v2/fills', 'fills', rng.range(3, 40), u);
        assert.deepEqual(fills, byIdDesc(expected.fills.filter((f) => f.userId === u)).map((f) => fmt.fill(f)), `${label}: ${u} fills`);
      }
      assert.ok(reusedClientIds > 0, `${label}: clientOrderIds were reused`);
      for (const pair of PAIRS) {
        const trades = (await walk(`/api/trading/v2/trades/${pair}`, 'trades', rng.range(5, 60))) as TradeJson[];
        assert.deepEqual(trades, byIdDesc(expected.trades.filter((t) => t.pair === pair)).map((t) => fmt.trade(t)), `${label}: ${pair} tape`);
        assert.ok(trades.some((t) => t.venue === 'book'), 'book trades');
        if (pair === 'HYPERINDEX-USDC') assert.ok(trades.some((t) => t.venue === 'amm'), 'AMM trades');
        for (const [interval, ms] of Object.entries(INTERVALS)) {
          const r = await get(`/api/trading/v2/candles/${pair}?interval=${interval}&limit=1000`);
          assert.equal(r.status, 200, JSON.stringify(r.body));
          assert.equal(r.body.pair, pair);
          assert.equal(r.body.interval, interval);
          const brute = bruteForceCandles(trades, ms);
          assert.ok(brute.length < 1000);
          assert.deepEqual(r.body.candles, brute, `${label}: ${pair} ${interval} candles = brute force from the tape`);
          if (brute.length > 3) {
            const newest = await get(`/api/trading/v2/candles/${pair}?interval=${interval}&limit=2`);
            assert.deepEqual(newest.body.candles, brute.slice(-2), 'without startTime: the newest, oldest first');
            const from = await get(`/api/trading/v2/candles/${pair}?interval=${interval}&limit=2&startTime=${brute[1].time}`);
            assert.deepEqual(from.body.candles, brute.slice(1, 3), 'with startTime: the first from it');
            const until = await get(`/api/trading/v2/candles/${pair}?interval=${interval}&limit=2&endTime=${brute[2].time}`);
            assert.deepEqual(until.body.candles, brute.slice(0, 2), 'endTime: candles starting before it');
          }
        }
        // the ticker's 24 h figures recomputed from the tape, its book figures from the order book
        const ticker = (await get(`/api/trading/v2/market/${pair}`)).body;
        const book = (await get(`/api/orderbook/${pair}?depth=1`)).body;
        const inWindow = trades.filter((t) => t.time >= clock + 1 - DAY && t.time < clock + 1);
        assert.ok(inWindow.length > 0 && inWindow.length < trades.length, 'the window cuts the tape');
        const sum = (f: (t: TradeJson) => string) => decimal(inWindow.reduce((a, t) => a + units(f(t)), 0n), decimalsOf(f(trades[0])));
        assert.deepEqual(ticker, {
          pair,
          last: trades[0].price,
          bestBid: book.bids[0]?.[0] ?? null,
          bestAsk: book.asks[0]?.[0] ?? null,
          ammPrice: book.amm?.price ?? null,
          volume24h: sum((t) => t.amount),
          quoteVolume24h: sum((t) => t.quoteAmount),
          high24h: maxBy(inWindow, (t) => units(t.price)).price,
          low24h: minBy(inWindow, (t) => units(t.price)).price,
          trades24h: inWindow.length,
        }, `${label}: ${pair} ticker`);
      }
    }

    it('finds an order filled or cancelled a moment ago, with its fill and its trade', async () => {
      const sell = await call(s, 'POST', '/api/trading/v2/orders', token('h0'), { pair: 'IDX-USDC', side: 'sell', type: 'limit', price: '10.00', amount: '1.5' });
      const buy = await call(s, 'POST', '/api/trading/v2/orders', token('h1'), { pair: 'IDX-USDC', side: 'buy', type: 'limit', price: '10.00', amount: '1.5' });
      placed.get('h0')!.add(sell.body.order.id);
      placed.get('h1')!.add(buy.body.order.id);
      assert.equal(buy.body.order.status, 'filled');
      const tradeId = buy.body.fills[0].tradeId;
      const maker = await get(`/api/trading/v2/orders/${sell.body.order.id}`, 'h0');
      assert.equal(maker.status, 200);
      assert.deepEqual(maker.body.order, { ...sell.body.order, status: 'filled', filled: '1.500', remaining: '0.000' });
      assert.deepEqual((await get(`/api/trading/v2/orders/${buy.body.order.id}`, 'h1')).body.order, buy.body.order);
      const makerFills = (await get('/api/trading/v2/fills?pair=IDX-USDC', 'h0')).body;
      assert.equal(makerFills.fills[0].tradeId, tradeId);
      assert.equal(makerFills.fills[0].liquidity, 'maker');
      assert.equal(makerFills.fills[0].orderId, sell.body.order.id);
      assert.equal(makerFills.nextCursor, null);
      const takerFill = (await get('/api/trading/v2/fills', 'h1')).body.fills[0];
      const { orderId: _o, pair: _p, side: _s, time: _t, id: fillId, ...asPlaced } = takerFill;
      assert.deepEqual(asPlaced, buy.body.fills[0]);
      assert.equal(fillId, String(BigInt(tradeId) * 2n));
      const tape = (await get('/api/trading/v2/trades/IDX-USDC?limit=1')).body;
      assert.equal(tape.trades[0].id, tradeId);
      assert.equal((await get('/api/trading/v2/market/IDX-USDC')).body.last, '10.00');
      const candles = (await get('/api/trading/v2/candles/IDX-USDC?interval=1h')).body.candles;
      assert.equal(candles.length, 1);
      assert.deepEqual([candles[0].open, candles[0].volume, candles[0].quoteVolume, candles[0].trades], ['10.00', '1.500', '15.0000000', 1]);

      const resting = await call(s, 'POST', '/api/trading/v2/orders', token('h0'), { pair: 'IDX-USDC', side: 'buy', type: 'limit', price: '9.00', amount: '1' });
      placed.get('h0')!.add(resting.body.order.id);
      const cancelled = await call(s, 'DELETE', `/api/trading/v2/orders/${resting.body.order.id}`, token('h0'));
      assert.deepEqual((await get(`/api/trading/v2/orders/${resting.body.order.id}`, 'h0')).body.order, cancelled.body.order);
      const closed = (await get('/api/trading/v2/orders?status=closed', 'h0')).body.orders.map((o: { id: string }) => o.id);
      assert.deepEqual(closed, [resting.body.order.id, sell.body.order.id]);
    });

    it('answers every history endpoint as the durable events say, page by page, after a burst of trading', async () => {
      await trade(160, true);
      assert.ok(clock - Date.UTC(2024, 2, 1) > 1.5 * DAY, 'the trading spans more than a day');
      await verify('burst');
    });

    it('refuses bad parameters with the catalogue codes', async () => {
      const bad: Array<[string, string, string?]> = [
        ['/api/trading/v2/candles/IDX-USDC?interval=2m', 'VALIDATION_ERROR'],
        ['/api/trading/v2/candles/IDX-USDC', 'VALIDATION_ERROR'],
        ['/api/trading/v2/candles/IDX-USDC?interval=1m&limit=0', 'VALIDATION_ERROR'],
        ['/api/trading/v2/candles/IDX-USDC?interval=1m&limit=1001', 'VALIDATION_ERROR'],
        ['/api/trading/v2/candles/IDX-USDC?interval=1m&limit=ten', 'VALIDATION_ERROR'],
        ['/api/trading/v2/candles/IDX-USDC?interval=1m&startTime=-5', 'VALIDATION_ERROR'],
        ['/api/trading/v2/candles/IDX-USDC?interval=1m&startTime=200&endTime=100', 'VALIDATION_ERROR'],
        ['/api/trading/v2/candles/IDX-USDC?interval=1m&foo=1', 'VALIDATION_ERROR'],
        ['/api/trading/v2/candles/NOPE-X?interval=1m', 'UNKNOWN_PAIR'],
        ['/api/trading/v2/trades/IDX-USDC?cursor=0', 'VALIDATION_ERROR'],
        ['/api/trading/v2/trades/IDX-USDC?cursor=abc', 'VALIDATION_ERROR'],
        ['/api/trading/v2/trades/IDX-USDC?cursor=99999999999999999', 'VALIDATION_ERROR'],
        ['/api/trading/v2/trades/IDX-USDC?limit=1001', 'VALIDATION_ERROR'],
        ['/api/trading/v2/fills?cursor=-1', 'VALIDATION_ERROR', 'h0'],
        ['/api/trading/v2/fills?pair=NOPE-X', 'UNKNOWN_PAIR', 'h0'],
        ['/api/trading/v2/orders?status=nope', 'VALIDATION_ERROR', 'h0'],
        ['/api/trading/v2/orders?cursor=1.5', 'VALIDATION_ERROR', 'h0'],
        ['/api/trading/v2/orders?limit=0', 'VALIDATION_ERROR', 'h0'],
      ];
      for (const [path, code, user] of bad) {
        const r = await get(path, user);
        assert.equal(r.body?.error?.code, code, `${path}: ${JSON.stringify(r.body)}`);
        assert.equal(r.status, 400, path);
      }
      assert.equal((await get('/api/trading/v2/fills')).status, 401);
    });

    it('keeps the history across a restart', async () => {
      const before = await answers();
      await s.close(true);
      await start();
      // the writer reads its progress from the store: everything written before the shutdown
      await eventually(async () => (await get('/api/health')).body.history.persistedSeq === s.sequencer.durableSeq);
      assert.equal(s.history.status().state, 'ok');
      assert.deepEqual(await answers(), before);
      await trade(20, true);
      await verify('after restart');
    });

    it('keeps trading through a store outage, shows the lag, answers 503 for history, and catches up', async () => {
      await handle.outage.begin();
      try {
        // trading never waits for the history; snapshots (every 100 commands) are pruned meanwhile
        const seqBefore = s.sequencer.durableSeq;
        while (s.sequencer.durableSeq - seqBefore < 350) await trade(10, false);
        await eventually(async () => (await get('/api/health')).body.history.state === 'backing_off');
        const health = await get('/api/health');
        assert.equal(health.status, 200, 'the history does not make the health 503');
        assert.equal(health.body.status, 'ok');
        assert.equal(health.body.history.store, handle.store.kind);
        assert.ok(health.body.history.lag > 0);
        assert.ok(health.body.history.persistedSeq < s.sequencer.durableSeq);
        assert.ok(health.body.history.overflows > 0, 'the bounded queue overflowed');

        const trades = await get('/api/trading/v2/trades/IDX-USDC');
        assert.equal(trades.status, 503);
        assert.equal(trades.body.error.code, 'UNAVAILABLE');
        assert.equal(trades.headers.get('retry-after'), '1');
        const closedId = [...placed.get('h0')!][0];
        assert.equal((await get(`/api/trading/v2/orders/${closedId}`, 'h0')).status, 503, 'not 404: the order exists');
        assert.equal((await get('/api/trading/v2/orders/client/never-used', 'h0')).status, 503, 'not 404: a closed one may exist');
        assert.equal((await get('/api/trading/v2/fills', 'h0')).status, 503);
        assert.equal((await get('/api/trading/v2/candles/IDX-USDC?interval=1m')).status, 503);
        assert.equal((await get('/api/trading/v2/market/IDX-USDC')).status, 503);
        assert.equal((await get('/api/trading/v2/orders?status=open', 'h0')).status, 200, 'open orders come from the engine');
        assert.equal((await get('/api/trading/v2/balances', 'h0')).status, 200);

        const metrics = String((await get('/metrics')).body);
        const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(metrics)?.[1]);
        assert.ok(value('hooats_history_lag') > 0, 'lag in /metrics');
        assert.ok(value('hooats_history_write_failures_total') > 0);
        assert.ok(value('hooats_history_overflows_total') > 0);
        assert.ok(value('hooats_history_read_failures_total') >= 0);
        assert.match(metrics, /^hooats_history_state\{state="backing_off"\} 1$/m);
      } finally {
        await handle.outage.end();
      }
      await eventually(async () => {
        const h = (await get('/api/health')).body.history;
        // stalled = the journal it needs to catch up was pruned: the retention failed
        assert.notEqual(h.state, 'stalled', `history writer stalled: ${s.history.status().lastError}`);
        return h.state === 'ok' && h.lag === 0;
      }, 20_000);
      await verify('after the outage');
      const metrics = String((await get('/metrics')).body);
      assert.match(metrics, /^hooats_history_state\{state="ok"\} 1$/m);
      assert.match(metrics, /^hooats_history_lag 0$/m);
    });
  });
}
