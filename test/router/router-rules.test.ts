/**
 * Unit tests of the hybrid router's rules: which venue goes first, limits and budgets on both venues,
 * slippage, post-only and fill-or-kill over the book and the pool, funds running out inside a pool
 * stretch, pool events, liquidity commands, k and conservation.
 *
 * Market: tick 0.01, lot 0.001, IDX 6 decimals, USDC 7 (1 lot = 1000 IDX atoms, 1 tick × 1 lot = 100
 * USDC atoms), taker fee 25 bps, maker fee 10 bps. Pool: 1000 IDX / 100000 USDC (price 100.00), fee
 * 30 bps, so its marginal ask is 100.3009… (10031 ticks, rounded up) and its marginal bid 99.70.
 * Every command is followed by RouterRig.check(): invariants, conservation, k.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { quoteInForBaseOut } from '../../src/engine/amm/uniswap-v2-math.js';
import { Engine } from '../../src/engine/engine.js';
import type { EngineEvent, Fill, PlaceOrderResult, PoolEvent, TradeEvent } from '../../src/engine/events.js';
import { feeOf } from '../../src/engine/fees.js';
import { MAX_ATOMS } from '../../src/engine/market.js';
import { rejected } from '../support/harness.js';
import { makeRng } from '../support/prng.js';
import {
  afterBuy,
  afterSell,
  askAtMost,
  bidAtLeast,
  kOf,
  marketsOf,
  PAIR,
  replayPoolFills,
  totals,
  WIDE_SCALES,
} from './router-fixtures.js';
import { RouterRig } from './router-rig.js';

const BASE_RESERVE = 1_000_000_000n; // 1000 IDX
const QUOTE_RESERVE = 1_000_000_000_000n; // 100000 USDC
const LOT = 1000; // IDX atoms per lot
const TICK_LOT = 100; // USDC atoms per tick × lot

function rig(feeBps = 30): RouterRig {
  const r = new RouterRig(WIDE_SCALES, { baseReserve: BASE_RESERVE, quoteReserve: QUOTE_RESERVE, feeBps });
  r.deposit('mk', 'IDX', 1_000_000_000_000);
  r.deposit('mk', 'USDC', 100_000_000_000_000);
  return r;
}

/** Places resting makers that must not trade on arrival (neither with the book nor the pool). */
function rest(r: RouterRig, side: 'buy' | 'sell', levels: Array<[number, number]>): void {
  for (const [price, lots] of levels) {
    const placed = r.limit('mk', side, price, lots);
    assert.equal(placed.fills.length, 0, `maker ${side} ${lots}@${price} traded on arrival`);
  }
}

const venues = (fills: readonly Fill[]): string[] => fills.map((f) => f.venue);
const poolEvents = (events: EngineEvent[]): PoolEvent[] => events.filter((e): e is PoolEvent => e.type === 'pool');
const tradeEvents = (events: EngineEvent[]): TradeEvent[] => events.filter((e): e is TradeEvent => e.type === 'trade');

/** Snapshot without the order-id counter: a cancelled order still used up its id, and nothing else. */
function stateWithoutIds(engine: Engine): string {
  return JSON.stringify({ ...engine.snapshot(), nextOrderId: 0 });
}

describe('router: which venue goes first', () => {
  it('a buy takes a better book level first, then the pool up to the next (worse) level, then the pool beyond', () => {
    const r = rig();
    rest(r, 'sell', [[10010, 200], [10100, 300]]);
    r.deposit('t', 'USDC', 10_000_000_000_000);
    const start = r.pool();
    assert.ok(!askAtMost(r.spec, start, 10010), 'the pool is worse than the first level');
    const res = r.market('t', 'buy', { amount: 20_000 });
    assert.deepEqual(venues(res.fills), ['book', 'amm', 'book', 'amm']);
    assert.deepEqual([res.fills[0].price, res.fills[0].amount], [10010, 200]);
    assert.deepEqual([res.fills[2].price, res.fills[2].amount], [10100, 300]);
    const states = replayPoolFills(r.spec, start, 'buy', res.fills);
    // the first stretch ends where one more lot would take the pool's marginal ask past 101.00
    assert.ok(askAtMost(r.spec, states[0], 10100));
    assert.ok(!askAtMost(r.spec, afterBuy(r.spec, states[0], 1)!, 10100));
    assert.deepEqual(r.pool(), states[1]);
    assert.deepEqual(res.route, { book: 500, amm: 19_500 });
    assert.equal(res.order.status, 'filled');
  });

  it('a sell takes a better book level first, then the pool down to the next (worse) level, then the pool beyond', () => {
    const r = rig();
    rest(r, 'buy', [[9990, 200], [9900, 300]]);
    r.deposit('t', 'IDX', 100_000_000);
    const start = r.pool();
    assert.ok(!bidAtLeast(r.spec, start, 9990));
    const res = r.market('t', 'sell', { amount: 20_000 });
    assert.deepEqual(venues(res.fills), ['book', 'amm', 'book', 'amm']);
    assert.deepEqual([res.fills[0].price, res.fills[0].amount], [9990, 200]);
    assert.deepEqual([res.fills[2].price, res.fills[2].amount], [9900, 300]);
    const states = replayPoolFills(r.spec, start, 'sell', res.fills);
    assert.ok(bidAtLeast(r.spec, states[0], 9900));
    assert.ok(!bidAtLeast(r.spec, afterSell(r.spec, states[0], 1), 9900));
    assert.deepEqual(r.pool(), states[1]);
    assert.deepEqual(res.route, { book: 500, amm: 19_500 });
  });

  it('ties: a level at exactly the pool marginal price is taken before the pool moves past it (both sides)', () => {
    // fee 0 and price 100.00: the pool's marginal ask and bid are both exactly 10000 ticks
    const buySide = rig(0);
    rest(buySide, 'sell', [[10000, 100]]);
    assert.ok(askAtMost(buySide.spec, buySide.pool(), 10000) && !askAtMost(buySide.spec, buySide.pool(), 9999));
    buySide.deposit('t', 'USDC', 1_000_000_000_000);
    const bought = buySide.market('t', 'buy', { amount: 1000 });
    assert.deepEqual(venues(bought.fills), ['book', 'amm']);
    assert.deepEqual([bought.fills[0].price, bought.fills[0].amount, bought.fills[1].amount], [10000, 100, 900]);

    const sellSide = rig(0);
    rest(sellSide, 'buy', [[10000, 100]]);
    sellSide.deposit('t', 'IDX', 10_000_000);
    const sold = sellSide.market('t', 'sell', { amount: 1000 });
    assert.deepEqual(venues(sold.fills), ['book', 'amm']);
    assert.deepEqual([sold.fills[0].price, sold.fills[0].amount, sold.fills[1].amount], [10000, 100, 900]);
  });
});

describe('router: limits and budgets on both venues', () => {
  it('a limit buy never pays above its limit on either venue (per fill and on average); its GTC remainder rests', () => {
    const r = rig();
    rest(r, 'sell', [[10020, 100], [10060, 100]]);
    const deposit = 10_000_000_000_000;
    r.deposit('t', 'USDC', deposit);
    const start = r.pool();
    const res = r.limit('t', 'buy', 10050, 10_000);
    assert.deepEqual(venues(res.fills), ['book', 'amm']);
    for (const f of res.fills) {
      assert.ok(f.price <= 10050, `fill price ${f.price}`);
      assert.ok(f.quote <= f.amount * 10050 * TICK_LOT, `fill of ${f.amount} lots cost ${f.quote}`);
    }
    const t = totals(res.fills);
    assert.ok(t.quote <= t.lots * 10050 * TICK_LOT);
    const states = replayPoolFills(r.spec, start, 'buy', res.fills);
    const end = states[states.length - 1];
    assert.ok(askAtMost(r.spec, end, 10050) && !askAtMost(r.spec, afterBuy(r.spec, end, 1)!, 10050), 'the pool is used up to the limit');
    const remaining = 10_000 - t.lots;
    assert.equal(res.order.status, 'partially_filled');
    assert.equal(res.order.filled, t.lots);
    assert.deepEqual(r.h.depth().bids[0], [10050, remaining]);
    assert.deepEqual(r.h.depth().asks[0], [10060, 100], 'the level beyond the limit is untouched');
    const locked = remaining * 10050 * TICK_LOT;
    assert.deepEqual(r.bal('t', 'USDC'), { available: deposit - t.quote - locked, locked });
    const fees = res.fills.reduce((a, f) => a + f.fee, 0);
    assert.equal(fees, res.fills.reduce((a, f) => a + feeOf(f.amount * LOT, 25), 0));
    assert.deepEqual(r.bal('t', 'IDX'), { available: t.lots * LOT - fees, locked: 0 });
  });

  it('a limit sell never receives below its limit on either venue (per fill and on average); its GTC remainder rests', () => {
    const r = rig();
    rest(r, 'buy', [[9980, 100], [9940, 100]]);
    const deposit = 10_000 * LOT;
    r.deposit('t', 'IDX', deposit);
    const start = r.pool();
    const res = r.limit('t', 'sell', 9950, 10_000);
    assert.deepEqual(venues(res.fills), ['book', 'amm']);
    for (const f of res.fills) {
      assert.ok(f.price >= 9950, `fill price ${f.price}`);
      assert.ok(f.quote >= f.amount * 9950 * TICK_LOT, `fill of ${f.amount} lots got ${f.quote}`);
    }
    const t = totals(res.fills);
    const states = replayPoolFills(r.spec, start, 'sell', res.fills);
    const end = states[states.length - 1];
    assert.ok(bidAtLeast(r.spec, end, 9950) && !bidAtLeast(r.spec, afterSell(r.spec, end, 1), 9950));
    const remaining = 10_000 - t.lots;
    assert.equal(res.order.status, 'partially_filled');
    assert.deepEqual(r.h.depth().asks[0], [9950, remaining]);
    assert.deepEqual(r.h.depth().bids[0], [9940, 100]);
    assert.deepEqual(r.bal('t', 'IDX'), { available: 0, locked: remaining * LOT });
    const fees = res.fills.reduce((a, f) => a + f.fee, 0);
    assert.equal(fees, res.fills.reduce((a, f) => a + feeOf(f.quote, 25), 0));
    assert.deepEqual(r.bal('t', 'USDC'), { available: t.quote - fees, locked: 0 });
  });

  it('a market buy by quoteAmount spends at most quoteAmount across both venues and stops when no lot is affordable', () => {
    const r = rig();
    rest(r, 'sell', [[10020, 30], [10100, 40]]);
    const deposit = 10_000_000_000_000;
    r.deposit('t', 'USDC', deposit);
    const budget = 2_000_000_000;
    const start = r.pool();
    const res = r.market('t', 'buy', { quoteAmount: budget });
    assert.deepEqual(venues(res.fills), ['book', 'amm']);
    replayPoolFills(r.spec, start, 'buy', res.fills);
    const t = totals(res.fills);
    assert.ok(t.quote <= budget);
    assert.equal(res.order.status, 'filled');
    assert.equal(res.order.filled, t.lots);
    assert.equal(r.bal('t', 'USDC').available, deposit - t.quote);
    const left = budget - t.quote;
    assert.ok(quoteInForBaseOut(r.pool(), BigInt(LOT))! > BigInt(left), 'the pool would sell one more lot for what is left');
    assert.ok(r.h.depth().asks[0][0] * TICK_LOT > left, 'the book would sell one more lot for what is left');
  });

  it('a market order that runs out of funds inside a pool stretch stops with insufficient_balance, balances exact', () => {
    const r = rig();
    rest(r, 'sell', [[10020, 30], [10100, 40]]);
    const deposit = 3_000_000_000; // 300 USDC
    r.deposit('t', 'USDC', deposit);
    const fees0 = r.bal('fees', 'IDX').available;
    const start = r.pool();
    const res = r.market('t', 'buy', { amount: 100_000 });
    assert.equal(res.order.status, 'cancelled');
    assert.equal(res.order.cancelReason, 'insufficient_balance');
    assert.deepEqual(venues(res.fills), ['book', 'amm']);
    replayPoolFills(r.spec, start, 'buy', res.fills);
    const end = r.pool();
    assert.ok(askAtMost(r.spec, afterBuy(r.spec, end, 1)!, 10100), 'the next lot was still the pool’s');
    const t = totals(res.fills);
    const left = deposit - t.quote;
    assert.ok(quoteInForBaseOut(end, BigInt(LOT))! > BigInt(left), 'stopped only when one more pool lot was unaffordable');
    const fees = res.fills.reduce((a, f) => a + f.fee, 0);
    assert.deepEqual(r.bal('t', 'USDC'), { available: left, locked: 0 });
    assert.deepEqual(r.bal('t', 'IDX'), { available: t.lots * LOT - fees, locked: 0 });
    assert.equal(r.bal('fees', 'IDX').available, fees0 + fees);

    // the sell side: 3000.5 lots of IDX, the pool stretch down to 99.00 would take more
    const s = rig();
    rest(s, 'buy', [[9990, 30], [9900, 40]]);
    s.deposit('t', 'IDX', 3_000_500);
    const sStart = s.pool();
    const sold = s.market('t', 'sell', { amount: 100_000 });
    assert.equal(sold.order.cancelReason, 'insufficient_balance');
    assert.deepEqual(venues(sold.fills), ['book', 'amm']);
    replayPoolFills(s.spec, sStart, 'sell', sold.fills);
    assert.ok(bidAtLeast(s.spec, afterSell(s.spec, s.pool(), 1), 9900), 'the next lot was still the pool’s');
    const st = totals(sold.fills);
    assert.equal(st.lots, 3000);
    const sFees = sold.fills.reduce((a, f) => a + f.fee, 0);
    assert.deepEqual(s.bal('t', 'IDX'), { available: 500, locked: 0 });
    assert.deepEqual(s.bal('t', 'USDC'), { available: st.quote - sFees, locked: 0 });
  });
});

describe('router: slippage, post-only, fill-or-kill', () => {
  it('maxSlippageBps is relative to the best price on arrival over both venues and cancels with slippage_limit', () => {
    // the pool is best: 10031 ticks (rounded up) + 50 bps = 10031 + 50 → bound 10081
    const a = rig();
    rest(a, 'sell', [[10060, 50], [10100, 100]]);
    a.deposit('t', 'USDC', 10_000_000_000_000);
    const startA = a.pool();
    const resA = a.market('t', 'buy', { amount: 1_000_000, maxSlippageBps: 50 });
    assert.equal(resA.order.cancelReason, 'slippage_limit');
    assert.deepEqual(venues(resA.fills), ['amm', 'book', 'amm']);
    assert.deepEqual([resA.fills[1].price, resA.fills[1].amount], [10060, 50]);
    replayPoolFills(a.spec, startA, 'buy', resA.fills);
    assert.ok(askAtMost(a.spec, a.pool(), 10081) && !askAtMost(a.spec, afterBuy(a.spec, a.pool(), 1)!, 10081));
    assert.deepEqual(a.h.depth().asks[0], [10100, 100]);

    // the book is best: 10010 + floor(10010 × 20 / 10000) = 10030, below the pool's 10030.09…
    const b = rig();
    rest(b, 'sell', [[10010, 5], [10025, 5], [10040, 5]]);
    b.deposit('t', 'USDC', 10_000_000_000_000);
    const resB = b.market('t', 'buy', { amount: 1000, maxSlippageBps: 20 });
    assert.equal(resB.order.cancelReason, 'slippage_limit');
    assert.deepEqual(resB.route, { book: 10, amm: 0 });
    assert.deepEqual(b.h.depth().asks[0], [10040, 5]);

    // a sell: the pool's bid 9970 is best; 9970 − floor(9970 × 50 / 10000) = 9921
    const c = rig();
    rest(c, 'buy', [[9940, 50], [9900, 100]]);
    c.deposit('t', 'IDX', 1_000_000_000);
    const startC = c.pool();
    const resC = c.market('t', 'sell', { amount: 1_000_000, maxSlippageBps: 50 });
    assert.equal(resC.order.cancelReason, 'slippage_limit');
    assert.deepEqual(venues(resC.fills), ['amm', 'book', 'amm']);
    replayPoolFills(c.spec, startC, 'sell', resC.fills);
    assert.ok(bidAtLeast(c.spec, c.pool(), 9921) && !bidAtLeast(c.spec, afterSell(c.spec, c.pool(), 1), 9921));
    assert.deepEqual(c.h.depth().bids[0], [9900, 100]);
  });

  it('a post-only order is cancelled when the pool would fill it and changes nothing; otherwise it rests', () => {
    const r = rig();
    r.deposit('t', 'USDC', 1_000_000_000_000);
    r.deposit('t', 'IDX', 1_000_000_000);
    for (const [side, price] of [['buy', 10040], ['sell', 9960]] as const) {
      const before = stateWithoutIds(r.engine);
      const res = r.limit('t', side, price, 10, { postOnly: true });
      assert.equal(res.order.status, 'cancelled');
      assert.equal(res.order.cancelReason, 'post_only_would_take');
      assert.equal(res.fills.length, 0);
      assert.equal(stateWithoutIds(r.engine), before, 'a cancelled post-only changes nothing but the id counter');
    }
    // just inside the pool's spread (ask 100.3009…, bid 99.70) they rest
    const bid = r.limit('t', 'buy', 10030, 10, { postOnly: true });
    assert.equal(bid.order.status, 'open');
    r.h.cancel('t', bid.order.id);
    assert.equal(r.limit('t', 'sell', 9971, 10, { postOnly: true }).order.status, 'open');
  });

  it('a post-only order at exactly the pool marginal price rests, as a plain limit order there trades nothing', () => {
    // the pool's bid is exactly 99.70 (fee 30, price 100.00): selling any amount would take it below
    const r = rig();
    r.deposit('t', 'IDX', 1_000_000_000);
    assert.ok(bidAtLeast(r.spec, r.pool(), 9970) && !bidAtLeast(r.spec, afterSell(r.spec, r.pool(), 1), 9970));
    const plain = r.limit('t', 'sell', 9970, 5);
    assert.equal(plain.fills.length, 0, 'a plain limit sell at the pool bid takes nothing');
    const post = r.limit('t', 'sell', 9970, 5, { postOnly: true });
    assert.equal(post.order.status, 'open', `post-only at the pool bid: ${post.order.status} ${post.order.cancelReason}`);
    // and a pool whose ask lands exactly on a tick: fee 0, price 100.00
    const z = rig(0);
    z.deposit('t', 'USDC', 1_000_000_000);
    assert.equal(z.limit('t', 'buy', 10000, 5).fills.length, 0);
    assert.equal(z.limit('t', 'buy', 10000, 5, { postOnly: true }).order.status, 'open');
  });

  it('fill-or-kill across both venues: filled when only the pool makes it fillable; otherwise nothing changes', () => {
    const r = rig();
    rest(r, 'sell', [[10020, 100], [10100, 100]]);
    r.deposit('t', 'USDC', 10_000_000_000_000);
    // what an IOC at the same limit can take, measured on a copy of the engine
    const markets = marketsOf(WIDE_SCALES, { baseReserve: BASE_RESERVE, quoteReserve: QUOTE_RESERVE, feeBps: 30 });
    const twin = Engine.fromSnapshot(markets, r.engine.snapshot());
    const ioc = twin.execute(
      { type: 'placeOrder', time: 1, userId: 't', pair: PAIR, side: 'buy', orderType: 'limit', price: 10050, amount: 1_000_000, timeInForce: 'IOC' },
      [],
    ) as PlaceOrderResult;
    const capacity = ioc.order.filled;
    assert.ok(ioc.route.book === 100 && ioc.route.amm > 0, 'the book alone cannot fill it');

    const hashBefore = r.engine.stateHash();
    const before = stateWithoutIds(r.engine);
    const killed = r.limit('t', 'buy', 10050, capacity + 1, { timeInForce: 'FOK' });
    assert.equal(killed.order.status, 'cancelled');
    assert.equal(killed.order.cancelReason, 'fok_not_fillable');
    assert.deepEqual(killed.fills, []);
    assert.equal(stateWithoutIds(r.engine), before, 'nothing changed but the id counter');
    const restored = Engine.fromSnapshot(markets, { ...r.engine.snapshot(), nextOrderId: r.engine.snapshot().nextOrderId - 1 });
    assert.equal(restored.stateHash(), hashBefore, 'stateHash unchanged once the used order id is set aside');

    const filled = r.limit('t', 'buy', 10050, capacity, { timeInForce: 'FOK' });
    assert.equal(filled.order.status, 'filled');
    assert.deepEqual(filled.route, ioc.route);
    assert.deepEqual(filled.fills, ioc.fills);

    // a market FOK whose funds run out inside the pool stretch changes nothing
    const m = rig();
    rest(m, 'sell', [[10020, 30], [10100, 40]]);
    m.deposit('poor', 'USDC', 3_000_000_000);
    const mBefore = stateWithoutIds(m.engine);
    const poor = m.market('poor', 'buy', { amount: 5000, timeInForce: 'FOK' });
    assert.equal(poor.order.cancelReason, 'fok_not_fillable');
    assert.equal(stateWithoutIds(m.engine), mBefore);
    const enough = m.market('poor', 'buy', { amount: 2000, timeInForce: 'FOK' });
    assert.equal(enough.order.status, 'filled');
    assert.deepEqual(enough.route, { book: 30, amm: 1970 });
  });
});

describe('router: events, liquidity, k and conservation', () => {
  it('pool fills report venue amm, no maker, the taker fee, one pool event with the final reserves, and the route', () => {
    const r = rig();
    rest(r, 'sell', [[10010, 200], [10100, 300]]);
    r.deposit('t', 'USDC', 10_000_000_000_000);
    const res = r.market('t', 'buy', { amount: 20_000 });
    const trades = tradeEvents(r.events);
    assert.equal(trades.length, res.fills.length);
    trades.forEach((e, i) => {
      const f = res.fills[i];
      assert.deepEqual([e.id, e.venue, e.price, e.amount, e.quote, e.takerFee], [f.tradeId, f.venue, f.price, f.amount, f.quote, f.fee]);
      assert.equal(f.fee, feeOf(f.amount * LOT, 25));
      assert.equal(f.feeAsset, 'IDX');
      assert.equal(f.liquidity, 'taker');
      if (f.venue === 'amm') {
        assert.deepEqual([e.makerOrderId, e.makerUserId, e.makerFee], [null, null, 0]);
        // the price of a pool fill is its average, to the nearest tick
        assert.equal(f.price, Math.round(f.quote / (f.amount * TICK_LOT)));
      } else {
        assert.equal(e.makerUserId, 'mk');
      }
    });
    const pools = poolEvents(r.events);
    assert.equal(pools.length, 1, 'one pool event per command');
    const p = r.engine.depth(PAIR)!.pool!;
    assert.deepEqual(pools[0], { type: 'pool', pair: PAIR, baseReserve: p.baseReserve, quoteReserve: p.quoteReserve });
    const t = totals(res.fills);
    assert.deepEqual(res.route, { book: t.bookLots, amm: t.ammLots });
    assert.equal(Number(BASE_RESERVE) - p.baseReserve, t.ammLots * LOT);
    assert.equal(p.quoteReserve - Number(QUOTE_RESERVE), t.ammQuote);

    // a book-only fill touches no pool and emits no pool event
    const b = rig();
    rest(b, 'sell', [[10010, 200]]);
    b.deposit('t', 'USDC', 10_000_000_000);
    const bookOnly = b.market('t', 'buy', { amount: 50 });
    assert.deepEqual(bookOnly.route, { book: 50, amm: 0 });
    assert.equal(poolEvents(b.events).length, 0);
  });

  it('addLiquidity and removeLiquidity move the reserves and the supply; bad requests are rejected and change nothing', () => {
    const r = rig();
    const added = r.liquidity('addLiquidity', 5_000_000, 700_000_000);
    assert.deepEqual(added, { ok: true, pool: { baseReserve: 1_005_000_000, quoteReserve: 1_000_700_000_000 } });
    assert.deepEqual(poolEvents(r.events), [{ type: 'pool', pair: PAIR, baseReserve: 1_005_000_000, quoteReserve: 1_000_700_000_000 }]);
    const removed = r.liquidity('removeLiquidity', 0, 100_000_000_000);
    assert.deepEqual(removed, { ok: true, pool: { baseReserve: 1_005_000_000, quoteReserve: 900_700_000_000 } });
    // the router uses the new reserves: the marginal ask is now 900700 / 1005 / 0.997 ≈ 89.90
    r.deposit('t', 'USDC', 1_000_000_000);
    const res = r.market('t', 'buy', { amount: 10 });
    assert.ok(res.fills[0].quote < 10 * 9000 * TICK_LOT);

    const before = r.engine.stateHash();
    const bad: Array<[string, string, () => ReturnType<RouterRig['liquidity']>]> = [
      ['UNKNOWN_PAIR', 'unknown pair', () => r.liquidity('addLiquidity', 1, 1, 'NOPE-USDC')],
      ['VALIDATION_ERROR', 'book-only market', () => r.liquidity('addLiquidity', 1, 1, 'IDX-ANCA')],
      ['INVALID_AMOUNT', 'both zero', () => r.liquidity('addLiquidity', 0, 0)],
      ['INVALID_AMOUNT', 'negative', () => r.liquidity('addLiquidity', -5, 10)],
      ['INVALID_AMOUNT', 'fractional', () => r.liquidity('removeLiquidity', 1.5, 0)],
      ['INVALID_AMOUNT', 'past the maximum supply', () => r.liquidity('addLiquidity', 0, MAX_ATOMS)],
      ['INSUFFICIENT_BALANCE', 'emptying the base reserve', () => r.liquidity('removeLiquidity', r.engine.depth(PAIR)!.pool!.baseReserve, 0)],
      ['INSUFFICIENT_BALANCE', 'more quote than there is', () => r.liquidity('removeLiquidity', 0, r.engine.depth(PAIR)!.pool!.quoteReserve + 1)],
    ];
    for (const [code, what, run] of bad) {
      assert.equal(rejected(run()), code, what);
      assert.equal(r.engine.stateHash(), before, `${what} changed the state`);
      assert.equal(poolEvents(r.events).length, 0);
    }
    // down to one atom a side is allowed
    const p = r.engine.depth(PAIR)!.pool!;
    assert.deepEqual(r.liquidity('removeLiquidity', p.baseReserve - 1, p.quoteReserve - 1), { ok: true, pool: { baseReserve: 1, quoteReserve: 1 } });
  });

  it('over a random mix of orders and liquidity changes, k never falls on a trade and every asset is conserved', () => {
    const rng = makeRng(20_240_601);
    const r = rig();
    const users = ['a', 'b', 'c', 'd'];
    for (const u of users) {
      r.deposit(u, 'IDX', 50_000_000);
      r.deposit(u, 'USDC', 5_000_000_000_000);
    }
    let trades = 0;
    for (let i = 0; i < 400; i++) {
      const u = rng.pick(users);
      const side = rng.chance(0.5) ? 'buy' : 'sell';
      const roll = rng.next();
      const kBefore = kOf(r.pool());
      let res;
      if (roll < 0.4) {
        const mid = Math.round(Number((r.pool().quoteReserve * 10n) / r.pool().baseReserve) / 10);
        res = r.place(u, side, { price: mid + rng.range(-80, 80), amount: rng.range(1, 3000), timeInForce: rng.pick(['GTC', 'IOC', 'GTC'] as const) });
      } else if (roll < 0.75) {
        res = r.place(u, side, { orderType: 'market', amount: rng.range(1, 5000), maxSlippageBps: rng.chance(0.3) ? rng.range(0, 100) : undefined });
      } else if (roll < 0.85) {
        res = r.place(u, 'buy', { orderType: 'market', quoteAmount: rng.range(1, 500_000_000) });
      } else if (roll < 0.9) {
        res = r.liquidity(rng.chance(0.5) ? 'addLiquidity' : 'removeLiquidity', rng.range(0, 20_000_000), rng.range(0, 2_000_000_000));
      } else if (roll < 0.95) {
        res = r.withdraw(u, rng.pick(['IDX', 'USDC']), rng.range(1, 1_000_000));
      } else {
        res = r.h.cancelAll(u, PAIR);
        r.check();
      }
      if (res.ok && 'fills' in res && res.fills.some((f) => f.venue === 'amm')) {
        trades++;
        assert.ok(kOf(r.pool()) >= kBefore, `k fell on command ${i}`);
      }
    }
    assert.ok(trades > 50, `only ${trades} commands traded with the pool`);
  });
});

describe('router: known gap (documented, not enforced)', () => {
  it(
    'a routed market buy pays no more than the same order on the pool alone',
    {
      todo:
        'each pool stretch is its own V2 swap, and the fee it leaves in the pool raises the price of the next ' +
        'stretch, so splitting a large pool fill around a thin book level can cost more than one swap ' +
        '(here 596939 USDC atoms more on 11144 USDC; see the report and router-properties.test.ts bounds)',
    },
    () => {
      const buy = (withBook: boolean): number => {
        const r = rig();
        if (withBook) rest(r, 'sell', [[10081, 1]]);
        r.deposit('t', 'USDC', 1_000_000_000_000_000);
        return totals(r.market('t', 'buy', { amount: 100_000 }).fills).quote;
      };
      const routed = buy(true);
      const poolOnly = buy(false);
      assert.ok(routed <= poolOnly, `routed ${routed} > pool alone ${poolOnly} by ${routed - poolOnly}`);
    },
  );
});
