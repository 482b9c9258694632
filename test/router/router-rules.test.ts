/**
 * Unit tests of the hybrid router's rules: which venue goes first, limits and budgets on both venues,
 * slippage, post-only and fill-or-kill over the book and the pool, funds running out inside a pool
 * stretch, pool events, liquidity commands, k and conservation.
 *
 * Market: tick 0.01, lot 0.001, IDX 6 decimals, USDC 7 (1 lot = 1000 IDX atoms, 1 tick × 1 lot = 100
 * USDC atoms), taker fee 25 bps, maker fee 10 bps. Pool: 1000 IDX / 100000 USDC (price 100.00), fee
 * 30 bps, so its marginal ask is 100.3009… (10031 ticks, rounded up) and its marginal bid 99.70.
 * Every command is followed by RouterRig.check(): invariants, conservation, k.
 *
 * The pool rule: an order's whole pool part is ONE V2 swap from the reserves it found, taken in
 * stretches between book levels. A stretch from X_{i−1} to X_i lots pays getAmountIn(X_i) −
 * getAmountIn(X_{i−1}) (a sell receives getAmountOut(X_i) − getAmountOut(X_{i−1})), and a stretch ends
 * at the most whole lots whose continuation price within that one swap (buy 10000·Q·B / (g·(B − x)²),
 * sell 10000·g·Q·B / (10000·B + g·x)², from the starting reserves) is still within the next level's
 * price (or the order's bound). replayPoolFills checks the first; swapAskAtMost / swapBidAtLeast the second.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { quoteInForBaseOut, quoteOutForBaseIn } from '../../src/engine/amm/uniswap-v2-math.js';
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
  poolBuyCost,
  poolLotsOf,
  poolSellProceeds,
  replayPoolFills,
  swapAskAtMost,
  swapBidAtLeast,
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
    const stretches = replayPoolFills(r.spec, start, 'buy', res.fills);
    // the first stretch ends where one more lot would take the swap's continuation price past 101.00
    assert.ok(swapAskAtMost(r.spec, start, stretches[0].lots, 10100));
    assert.ok(!swapAskAtMost(r.spec, start, stretches[0].lots + 1, 10100));
    // the two stretches are one swap: the pool ends where one swap of all 19500 lots leaves it
    assert.equal(stretches[1].lots, 19_500);
    assert.deepEqual(r.pool(), afterBuy(r.spec, start, 19_500));
    assert.equal(BigInt(totals(res.fills).ammQuote), poolBuyCost(r.spec, start, 19_500));
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
    const stretches = replayPoolFills(r.spec, start, 'sell', res.fills);
    assert.ok(swapBidAtLeast(r.spec, start, stretches[0].lots, 9900));
    assert.ok(!swapBidAtLeast(r.spec, start, stretches[0].lots + 1, 9900));
    assert.deepEqual(r.pool(), afterSell(r.spec, start, 19_500));
    assert.equal(BigInt(totals(res.fills).ammQuote), poolSellProceeds(r.spec, start, 19_500));
    assert.deepEqual(res.route, { book: 500, amm: 19_500 });
  });

  it('ties: a level at exactly the pool marginal price is taken before the pool moves past it (both sides)', () => {
    // fee 0 and price 100.00: the pool's marginal ask and bid are both exactly 10000 ticks
    const buySide = rig(0);
    rest(buySide, 'sell', [[10000, 100]]);
    assert.ok(askAtMost(buySide.spec, buySide.pool(), 10000) && !askAtMost(buySide.spec, buySide.pool(), 9999));
    // the first lot of a swap would already pass 100.00, so the level goes first
    assert.ok(swapAskAtMost(buySide.spec, buySide.pool(), 0, 10000) && !swapAskAtMost(buySide.spec, buySide.pool(), 1, 10000));
    buySide.deposit('t', 'USDC', 1_000_000_000_000);
    const bought = buySide.market('t', 'buy', { amount: 1000 });
    assert.deepEqual(venues(bought.fills), ['book', 'amm']);
    assert.deepEqual([bought.fills[0].price, bought.fills[0].amount, bought.fills[1].amount], [10000, 100, 900]);

    const sellSide = rig(0);
    rest(sellSide, 'buy', [[10000, 100]]);
    assert.ok(swapBidAtLeast(sellSide.spec, sellSide.pool(), 0, 10000) && !swapBidAtLeast(sellSide.spec, sellSide.pool(), 1, 10000));
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
    const poolLots = poolLotsOf(replayPoolFills(r.spec, start, 'buy', res.fills));
    assert.ok(
      swapAskAtMost(r.spec, start, poolLots, 10050) && !swapAskAtMost(r.spec, start, poolLots + 1, 10050),
      'the pool is used up to the limit',
    );
    assert.deepEqual(r.pool(), afterBuy(r.spec, start, poolLots));
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
    const poolLots = poolLotsOf(replayPoolFills(r.spec, start, 'sell', res.fills));
    assert.ok(swapBidAtLeast(r.spec, start, poolLots, 9950) && !swapBidAtLeast(r.spec, start, poolLots + 1, 9950));
    assert.deepEqual(r.pool(), afterSell(r.spec, start, poolLots));
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
    const poolLots = poolLotsOf(replayPoolFills(r.spec, start, 'buy', res.fills));
    const t = totals(res.fills);
    assert.ok(t.quote <= budget);
    assert.equal(res.order.status, 'filled');
    assert.equal(res.order.filled, t.lots);
    assert.equal(r.bal('t', 'USDC').available, deposit - t.quote);
    const left = budget - t.quote;
    // one more lot of the order's swap costs getAmountIn(X + 1 lot) − getAmountIn(X), from the start
    const nextLot = poolBuyCost(r.spec, start, poolLots + 1)! - poolBuyCost(r.spec, start, poolLots)!;
    assert.ok(nextLot > BigInt(left), 'the pool would sell one more lot for what is left');
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
    const poolLots = poolLotsOf(replayPoolFills(r.spec, start, 'buy', res.fills));
    assert.deepEqual(r.pool(), afterBuy(r.spec, start, poolLots));
    assert.ok(swapAskAtMost(r.spec, start, poolLots + 1, 10100), 'the next lot was still the pool’s');
    const t = totals(res.fills);
    const left = deposit - t.quote;
    const nextLot = poolBuyCost(r.spec, start, poolLots + 1)! - poolBuyCost(r.spec, start, poolLots)!;
    assert.ok(nextLot > BigInt(left), 'stopped only when one more lot of its swap was unaffordable');
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
    const sPoolLots = poolLotsOf(replayPoolFills(s.spec, sStart, 'sell', sold.fills));
    assert.deepEqual(s.pool(), afterSell(s.spec, sStart, sPoolLots));
    assert.ok(swapBidAtLeast(s.spec, sStart, sPoolLots + 1, 9900), 'the next lot was still the pool’s');
    const st = totals(sold.fills);
    assert.equal(st.lots, 3000);
    const sFees = sold.fills.reduce((a, f) => a + f.fee, 0);
    assert.deepEqual(s.bal('t', 'IDX'), { available: 500, locked: 0 });
    assert.deepEqual(s.bal('t', 'USDC'), { available: st.quote - sFees, locked: 0 });
  });

  it('funds that end exactly where a lot costs a whole number of atoms still stop with insufficient_balance', () => {
    // fee 0, 1000 IDX / 100000 USDC: half the pool (500000 lots) costs exactly 10^12 atoms before
    // rounding and 10^12 + 1 with getAmountIn's +1, so 10^12 atoms buy 499999 lots and the funds stop it
    const r = rig(0);
    r.deposit('t', 'USDC', 1_000_000_000_000);
    const start = r.pool();
    assert.equal(poolBuyCost(r.spec, start, 500_000), 1_000_000_000_001n);
    const res = r.market('t', 'buy', { amount: 500_000 });
    assert.deepEqual(res.route, { book: 0, amm: 499_999 });
    assert.equal(res.order.status, 'cancelled');
    assert.equal(res.order.cancelReason, 'insufficient_balance');
    assert.equal(BigInt(r.bal('t', 'USDC').available), 1_000_000_000_000n - poolBuyCost(r.spec, start, 499_999)!);
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
    const lotsA = poolLotsOf(replayPoolFills(a.spec, startA, 'buy', resA.fills));
    assert.ok(swapAskAtMost(a.spec, startA, lotsA, 10081) && !swapAskAtMost(a.spec, startA, lotsA + 1, 10081));
    assert.deepEqual(a.pool(), afterBuy(a.spec, startA, lotsA));
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
    const lotsC = poolLotsOf(replayPoolFills(c.spec, startC, 'sell', resC.fills));
    assert.ok(swapBidAtLeast(c.spec, startC, lotsC, 9921) && !swapBidAtLeast(c.spec, startC, lotsC + 1, 9921));
    assert.deepEqual(c.pool(), afterSell(c.spec, startC, lotsC));
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
    assert.ok(bidAtLeast(r.spec, r.pool(), 9970) && !swapBidAtLeast(r.spec, r.pool(), 1, 9970));
    const plain = r.limit('t', 'sell', 9970, 5);
    assert.equal(plain.fills.length, 0, 'a plain limit sell at the pool bid takes nothing');
    const post = r.limit('t', 'sell', 9970, 5, { postOnly: true });
    assert.equal(post.order.status, 'open', `post-only at the pool bid: ${post.order.status} ${post.order.cancelReason}`);
    // and a pool whose ask lands exactly on a tick: fee 0, price 100.00
    const z = rig(0);
    z.deposit('t', 'USDC', 1_000_000_000);
    assert.ok(askAtMost(z.spec, z.pool(), 10000) && !swapAskAtMost(z.spec, z.pool(), 1, 10000));
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

describe('router: one swap per order', () => {
  /** The same market order with and without a thin book level (1 lot) inside its pool part. */
  const both = (side: 'buy' | 'sell', level: number, lots: number) => {
    const run = (withBook: boolean) => {
      const r = rig();
      if (withBook) rest(r, side === 'buy' ? 'sell' : 'buy', [[level, 1]]);
      if (side === 'buy') r.deposit('t', 'USDC', 1_000_000_000_000_000);
      else r.deposit('t', 'IDX', 1_000_000_000_000);
      const start = r.pool();
      const res = r.market('t', side, { amount: lots });
      return { r, start, res, t: totals(res.fills) };
    };
    return { routed: run(true), poolOnly: run(false) };
  };

  it('a routed market buy pays no more than the same order on the pool alone', () => {
    // 100 IDX (10 % of the pool) around one lot at 100.81: the pool part is split into two stretches
    const { routed, poolOnly } = both('buy', 10081, 100_000);
    assert.deepEqual(venues(routed.res.fills), ['amm', 'book', 'amm']);
    assert.deepEqual(routed.res.route, { book: 1, amm: 99_999 });
    const stretches = replayPoolFills(routed.r.spec, routed.start, 'buy', routed.res.fills);
    assert.deepEqual(stretches.map((s) => s.lots), [routed.res.fills[0].amount, 99_999]);
    assert.equal(BigInt(routed.t.ammQuote), poolBuyCost(routed.r.spec, routed.start, 99_999), 'the stretches cost one swap of 99999 lots');
    assert.deepEqual(routed.r.pool(), afterBuy(routed.r.spec, routed.start, 99_999));
    assert.ok(routed.t.quote <= poolOnly.t.quote, `routed ${routed.t.quote} > pool alone ${poolOnly.t.quote} by ${routed.t.quote - poolOnly.t.quote}`);
    // the pool alone pays its 100000th lot at about 123.8, more than the level's 100.81
    const lastLot = poolBuyCost(routed.r.spec, routed.start, 100_000)! - poolBuyCost(routed.r.spec, routed.start, 99_999)!;
    assert.equal(BigInt(poolOnly.t.quote - routed.t.quote), lastLot - BigInt(10081 * TICK_LOT));
    // why one swap: the same stretches as two separate swaps would cost more (the first swap's fee stays
    // in the pool and raises the second's price) — more, here, than the pool alone
    const first = stretches[0].lots;
    const separate = poolBuyCost(routed.r.spec, routed.start, first)! + quoteInForBaseOut(stretches[0].pool, BigInt((99_999 - first) * LOT))!;
    assert.ok(separate > BigInt(routed.t.ammQuote), 'two swaps cost more than one');
    assert.ok(separate + BigInt(10081 * TICK_LOT) > BigInt(poolOnly.t.quote), 'as two swaps the routed order would have cost more than the pool alone');
  });

  it('a routed market sell receives no less than the same order on the pool alone', () => {
    const { routed, poolOnly } = both('sell', 9910, 100_000);
    assert.deepEqual(venues(routed.res.fills), ['amm', 'book', 'amm']);
    const stretches = replayPoolFills(routed.r.spec, routed.start, 'sell', routed.res.fills);
    assert.equal(poolLotsOf(stretches), 99_999);
    assert.equal(BigInt(routed.t.ammQuote), poolSellProceeds(routed.r.spec, routed.start, 99_999));
    assert.deepEqual(routed.r.pool(), afterSell(routed.r.spec, routed.start, 99_999));
    assert.ok(routed.t.quote >= poolOnly.t.quote, `routed ${routed.t.quote} < pool alone ${poolOnly.t.quote}`);
    const first = stretches[0].lots;
    const separate =
      poolSellProceeds(routed.r.spec, routed.start, first) + quoteOutForBaseIn(stretches[0].pool, BigInt((99_999 - first) * LOT))!;
    assert.ok(separate < BigInt(routed.t.ammQuote), 'two swaps pay out less than one');
  });

  it('many thin levels: however many stretches, the pool part is one swap and the pool ends where it leaves it', () => {
    const r = rig();
    const levels: Array<[number, number]> = [];
    for (let p = 10040; p <= 10400; p += 15) levels.push([p, 3]);
    rest(r, 'sell', levels);
    r.deposit('t', 'USDC', 10_000_000_000_000);
    const start = r.pool();
    const res = r.market('t', 'buy', { amount: 30_000 });
    const t = totals(res.fills);
    assert.ok(t.stretches >= 20, `only ${t.stretches} stretches`);
    const stretches = replayPoolFills(r.spec, start, 'buy', res.fills);
    assert.equal(poolLotsOf(stretches), t.ammLots);
    assert.equal(BigInt(t.ammQuote), poolBuyCost(r.spec, start, t.ammLots));
    assert.deepEqual(r.pool(), afterBuy(r.spec, start, t.ammLots));
    assert.equal(poolEvents(r.events).length, 1);
  });

  it('fill-or-kill over many stretches plans the same one swap as the fill: capacity + 1 is killed, capacity fills as the IOC did', () => {
    for (const side of ['buy', 'sell'] as const) {
      const r = rig();
      const levels: Array<[number, number]> = [];
      for (let i = 0; i < 20; i++) levels.push(side === 'buy' ? [10040 + 15 * i, 3] : [9960 - 15 * i, 3]);
      rest(r, side === 'buy' ? 'sell' : 'buy', levels);
      r.deposit('t', 'USDC', 10_000_000_000_000);
      r.deposit('t', 'IDX', 1_000_000_000);
      const limit = side === 'buy' ? 10250 : 9750;
      const markets = marketsOf(WIDE_SCALES, { baseReserve: BASE_RESERVE, quoteReserve: QUOTE_RESERVE, feeBps: 30 });
      const twin = Engine.fromSnapshot(markets, r.engine.snapshot());
      const ioc = twin.execute(
        { type: 'placeOrder', time: 1, userId: 't', pair: PAIR, side, orderType: 'limit', price: limit, amount: 1_000_000, timeInForce: 'IOC' },
        [],
      ) as PlaceOrderResult;
      const capacity = ioc.order.filled;
      assert.ok(totals(ioc.fills).stretches >= 10, `${side}: only ${totals(ioc.fills).stretches} stretches`);
      const before = stateWithoutIds(r.engine);
      const killed = r.limit('t', side, limit, capacity + 1, { timeInForce: 'FOK' });
      assert.equal(killed.order.cancelReason, 'fok_not_fillable', side);
      assert.equal(stateWithoutIds(r.engine), before);
      const start = r.pool();
      const filled = r.limit('t', side, limit, capacity, { timeInForce: 'FOK' });
      assert.equal(filled.order.status, 'filled', side);
      assert.deepEqual(filled.fills, ioc.fills);
      const lots = poolLotsOf(replayPoolFills(r.spec, start, side, filled.fills));
      assert.deepEqual(r.pool(), side === 'buy' ? afterBuy(r.spec, start, lots) : afterSell(r.spec, start, lots));
    }
  });
});
