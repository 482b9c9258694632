/**
 * One focused test per engine rule. Markets (test/support/markets.ts):
 *   IDX-USDC: 1 lot = 5 IDX atoms, 1 tick × 1 lot = 5 USDC atoms, maker 10 bps, taker 25 bps, no minNotional.
 *   BTC-USDC: 1 lot = 25 BTC atoms, 1 tick × 1 lot = 125 USDC atoms, maker 5 bps, taker 30 bps,
 *             minNotional 10 USDC = 10^7 atoms.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Command } from '../src/engine/commands.js';
import type { CommandResult, EngineEvent, TradeEvent } from '../src/engine/events.js';
import { feeOf } from '../src/engine/fees.js';
import { amountToLots, priceToTicks } from '../src/engine/market.js';
import { assertInvariants } from './support/invariants.js';
import { Harness, ok, rejected } from './support/harness.js';

const MAX = Number.MAX_SAFE_INTEGER;
const IDX = 'IDX-USDC';
const BTC = 'BTC-USDC';

function trades(events: readonly EngineEvent[]): TradeEvent[] {
  return events.filter((e): e is TradeEvent => e.type === 'trade');
}

/** A harness with sellers s1..s3 holding IDX and buyers b1..b3 holding USDC (and a little of the other). */
function funded(): Harness {
  const h = new Harness();
  for (const u of ['s1', 's2', 's3', 'b1', 'b2', 'b3']) {
    h.deposit(u, 'IDX', 100_000);
    h.deposit(u, 'USDC', 100_000_000);
    h.deposit(u, 'BTC', 100_000);
  }
  return h;
}

/** Asserts the command did nothing: same hash, same balances, same books, no event. */
function assertNoChange(h: Harness, fn: () => void): void {
  const before = h.engine.stateHash();
  const balances = h.engine.userIds().map((u) => h.engine.balances(u));
  const books = [h.depth(IDX), h.depth(BTC)];
  fn();
  assert.deepEqual(h.events, [], 'no event');
  assert.equal(h.engine.stateHash(), before, 'stateHash unchanged');
  assert.deepEqual(h.engine.userIds().map((u) => h.engine.balances(u)), balances);
  assert.deepEqual([h.depth(IDX), h.depth(BTC)], books);
}

describe('cancel reasons', () => {
  test('user: cancelOrder cancels, releases the lock and says why', () => {
    const h = funded();
    const placed = h.limit('b1', 'buy', 1000, 10);
    assert.equal(placed.order.status, 'open');
    assert.deepEqual(h.bal('b1', 'USDC'), { available: 100_000_000 - 50_000, locked: 50_000 });
    const res = ok(h.cancel('b1', placed.order.id));
    assert.equal(res.order.status, 'cancelled');
    assert.equal(res.order.cancelReason, 'user');
    assert.deepEqual(h.bal('b1', 'USDC'), { available: 100_000_000, locked: 0 });
    assert.deepEqual(h.depth().bids, []);
    const update = h.events.find((e) => e.type === 'orderUpdated');
    assert.deepEqual(update, { type: 'orderUpdated', order: res.order });
    assert.equal(h.engine.openOrder(placed.order.id), null);
    assertInvariants(h.engine);
  });

  test('ioc_remainder: an IOC limit fills what it can and cancels the rest, releasing its lock', () => {
    const h = funded();
    h.limit('s1', 'sell', 1000, 5);
    const res = h.limit('b1', 'buy', 1000, 8, { timeInForce: 'IOC' });
    assert.equal(res.order.status, 'cancelled');
    assert.equal(res.order.cancelReason, 'ioc_remainder');
    assert.equal(res.order.filled, 5);
    assert.deepEqual(h.bal('b1', 'USDC'), { available: 100_000_000 - 25_000, locked: 0 });
    assert.deepEqual(h.depth().bids, [], 'an IOC never rests');
    assertInvariants(h.engine);
  });

  test('ioc_remainder: a market order by amount that runs out of book', () => {
    const h = funded();
    h.limit('s1', 'sell', 1000, 5);
    const res = h.market('b1', 'buy', { amount: 8 });
    assert.equal(res.order.status, 'cancelled');
    assert.equal(res.order.cancelReason, 'ioc_remainder');
    assert.equal(res.order.filled, 5);
    assert.equal(res.order.amount, 8);
    assert.equal(res.order.price, 0);
    assert.equal(res.order.timeInForce, 'IOC');
  });

  test('fok_not_fillable: not enough within the limit price changes nothing', () => {
    const h = funded();
    h.limit('s1', 'sell', 1000, 5);
    h.limit('s2', 'sell', 1100, 5);
    const before = h.engine.balances('b1');
    const books = h.depth();
    const res = h.limit('b1', 'buy', 1050, 10, { timeInForce: 'FOK' });
    assert.equal(res.order.status, 'cancelled');
    assert.equal(res.order.cancelReason, 'fok_not_fillable');
    assert.equal(res.order.filled, 0);
    assert.deepEqual(res.fills, []);
    assert.deepEqual(h.engine.balances('b1'), before);
    assert.deepEqual(h.depth(), books);
    assert.ok(!h.events.some((e) => e.type === 'balance' || e.type === 'book' || e.type === 'trade'));
    // and with the limit high enough it fills completely
    const filled = h.limit('b1', 'buy', 1100, 10, { timeInForce: 'FOK' });
    assert.equal(filled.order.status, 'filled');
    assert.equal(filled.order.filled, 10);
    assertInvariants(h.engine);
  });

  test('fok_not_fillable: a market FOK beyond its funds changes nothing', () => {
    const h = new Harness();
    h.deposit('s1', 'IDX', 1000);
    h.deposit('b1', 'USDC', 40_000);
    h.limit('s1', 'sell', 1000, 10); // 10 lots cost 50_000 quote atoms
    const res = h.market('b1', 'buy', { amount: 10, timeInForce: 'FOK' });
    assert.equal(res.order.cancelReason, 'fok_not_fillable');
    assert.deepEqual(h.bal('b1', 'USDC'), { available: 40_000, locked: 0 });
    assert.deepEqual(h.depth().asks, [[1000, 10]]);
    assert.equal(h.market('b1', 'buy', { amount: 8, timeInForce: 'FOK' }).order.status, 'filled');
  });

  test('fok: own orders in the way — cancel_maker skips them, cancel_taker makes it unfillable', () => {
    const h = funded();
    h.limit('b1', 'sell', 1000, 5); // b1's own ask, first in line
    h.limit('s1', 'sell', 1000, 5);
    const blocked = h.limit('b1', 'buy', 1000, 5, { timeInForce: 'FOK', selfTradePrevention: 'cancel_taker' });
    assert.equal(blocked.order.cancelReason, 'fok_not_fillable');
    assert.deepEqual(h.depth().asks, [[1000, 10]], 'nothing cancelled');
    const tooBig = h.limit('b1', 'buy', 1000, 6, { timeInForce: 'FOK' });
    assert.equal(tooBig.order.cancelReason, 'fok_not_fillable', 'own lots do not count');
    assert.deepEqual(h.depth().asks, [[1000, 10]], 'nothing cancelled by an unfillable FOK');
    const fills = h.limit('b1', 'buy', 1000, 5, { timeInForce: 'FOK' });
    assert.equal(fills.order.status, 'filled');
    assert.deepEqual(h.depth().asks, [], 'own ask cancelled (self_trade), the other filled');
    assertInvariants(h.engine);
  });

  test('post_only_would_take: cancelled with nothing locked, own orders included; otherwise rests', () => {
    const h = funded();
    h.limit('s1', 'sell', 1000, 5);
    const res = h.limit('b1', 'buy', 1000, 5, { postOnly: true });
    assert.equal(res.order.status, 'cancelled');
    assert.equal(res.order.cancelReason, 'post_only_would_take');
    assert.deepEqual(h.bal('b1', 'USDC'), { available: 100_000_000, locked: 0 });
    assert.ok(!h.events.some((e) => e.type === 'balance' || e.type === 'book'));
    // the user's own ask counts too
    h.limit('b2', 'sell', 990, 5);
    assert.equal(h.limit('b2', 'buy', 995, 1, { postOnly: true }).order.cancelReason, 'post_only_would_take');
    const rests = h.limit('b1', 'buy', 989, 5, { postOnly: true });
    assert.equal(rests.order.status, 'open');
    assert.equal(rests.order.postOnly, true);
    assert.deepEqual(h.depth().bids, [[989, 5]]);
    // a post-only sell at or below the best bid would take
    assert.equal(h.limit('s1', 'sell', 989, 1, { postOnly: true }).order.cancelReason, 'post_only_would_take');
    assertInvariants(h.engine);
  });

  test('self_trade, cancel_maker (default): own maker cancelled, taker goes on', () => {
    const h = funded();
    const own = h.limit('b1', 'sell', 1000, 5);
    const other = h.limit('s1', 'sell', 1000, 5);
    const res = h.limit('b1', 'buy', 1000, 5);
    assert.equal(res.order.status, 'filled');
    assert.equal(res.fills.length, 1);
    assert.equal(trades(h.events)[0].makerOrderId, other.order.id);
    const cancelled = h.events.find((e) => e.type === 'orderUpdated' && e.order.id === own.order.id);
    assert.ok(cancelled !== undefined && cancelled.type === 'orderUpdated');
    assert.equal(cancelled.order.status, 'cancelled');
    assert.equal(cancelled.order.cancelReason, 'self_trade');
    assert.equal(h.engine.openOrder(own.order.id), null);
    assert.deepEqual(h.bal('b1', 'IDX').locked, 0, "the cancelled maker's lock is released");
    assertInvariants(h.engine);
  });

  test('self_trade, cancel_taker: taker stops (cancelled self_trade) after what it filled, maker stays', () => {
    const h = funded();
    h.limit('s1', 'sell', 999, 5);
    const own = h.limit('b1', 'sell', 1000, 5);
    h.limit('s2', 'sell', 1000, 5);
    const res = h.limit('b1', 'buy', 1000, 10, { selfTradePrevention: 'cancel_taker' });
    assert.equal(res.order.status, 'cancelled');
    assert.equal(res.order.cancelReason, 'self_trade');
    assert.equal(res.order.filled, 5);
    assert.ok(h.engine.openOrder(own.order.id) !== null, 'maker stays');
    assert.deepEqual(h.depth().asks, [[1000, 10]]);
    assert.deepEqual(h.bal('b1', 'USDC').locked, 0, "the taker's lock is released");
    assertInvariants(h.engine);
  });

  test('self_trade, cancel_both: both cancelled, later makers untouched', () => {
    const h = funded();
    const own = h.limit('b1', 'sell', 1000, 5);
    h.limit('s1', 'sell', 1000, 5);
    const res = h.limit('b1', 'buy', 1000, 5, { selfTradePrevention: 'cancel_both' });
    assert.equal(res.order.cancelReason, 'self_trade');
    assert.equal(res.order.filled, 0);
    assert.equal(h.engine.openOrder(own.order.id), null);
    const ownUpdate = h.events.find((e) => e.type === 'orderUpdated' && e.order.id === own.order.id);
    assert.ok(ownUpdate?.type === 'orderUpdated' && ownUpdate.order.cancelReason === 'self_trade');
    assert.deepEqual(h.depth().asks, [[1000, 5]]);
    assert.deepEqual(h.bal('b1', 'USDC'), { available: 100_000_000, locked: 0 });
    assertInvariants(h.engine);
  });

  test('slippage_limit: the bound is best ± floor(best × bps / 10^4); stopping there cancels the rest', () => {
    const h = funded();
    h.limit('s1', 'sell', 10_000, 5);
    h.limit('s2', 'sell', 10_100, 5);
    h.limit('s3', 'sell', 10_101, 5);
    const res = h.market('b1', 'buy', { amount: 15, maxSlippageBps: 100 });
    assert.equal(res.order.cancelReason, 'slippage_limit');
    assert.equal(res.order.filled, 10);
    assert.deepEqual(res.fills.map((f) => f.price), [10_000, 10_100]);
    // floor: best 10_101 × 1 bps = 1.0101 ticks → bound 10_102
    h.limit('s1', 'sell', 10_102, 1);
    h.limit('s2', 'sell', 10_103, 1);
    const floorCase = h.market('b1', 'buy', { amount: 10, maxSlippageBps: 1 });
    assert.deepEqual(floorCase.fills.map((f) => [f.price, f.amount]), [[10_101, 5], [10_102, 1]]);
    assert.equal(floorCase.order.cancelReason, 'slippage_limit');
    // sell side: bound = best − move
    h.limit('b1', 'buy', 10_000, 2);
    h.limit('b2', 'buy', 9_850, 2);
    h.limit('b3', 'buy', 9_849, 2);
    const sell = h.market('s1', 'sell', { amount: 6, maxSlippageBps: 150 });
    assert.deepEqual(sell.fills.map((f) => f.price), [10_000, 9_850]);
    assert.equal(sell.order.cancelReason, 'slippage_limit');
    assertInvariants(h.engine);
  });

  test('slippage_limit on a limit order: a tighter bound cancels instead of resting; a looser one does not matter', () => {
    const h = funded();
    h.limit('s1', 'sell', 10_000, 5);
    h.limit('s2', 'sell', 10_200, 5);
    const capped = h.limit('b1', 'buy', 10_300, 10, { maxSlippageBps: 100 });
    assert.equal(capped.order.status, 'cancelled');
    assert.equal(capped.order.cancelReason, 'slippage_limit');
    assert.equal(capped.order.filled, 5);
    assert.deepEqual(h.bal('b1', 'USDC').locked, 0);
    // limit tighter than the slippage bound: ordinary limit behaviour (rests)
    const rests = h.limit('b2', 'buy', 10_100, 10, { maxSlippageBps: 500 });
    assert.equal(rests.order.status, 'open');
    assertInvariants(h.engine);
  });

  test('insufficient_balance: a market buy fills as far as its funds go', () => {
    const h = new Harness();
    h.deposit('s1', 'IDX', 1_000);
    h.deposit('b1', 'USDC', 60_000);
    h.limit('s1', 'sell', 1000, 5); // 5_000 per lot
    h.limit('s1', 'sell', 2000, 5); // 10_000 per lot
    const res = h.market('b1', 'buy', { amount: 10 });
    assert.equal(res.order.status, 'cancelled');
    assert.equal(res.order.cancelReason, 'insufficient_balance');
    assert.equal(res.order.filled, 8);
    assert.deepEqual(h.bal('b1', 'USDC'), { available: 5_000, locked: 0 });
    assert.deepEqual(h.depth().asks, [[2000, 2]], 'the partly filled maker keeps its place');
    // a market sell with nothing to sell
    h.limit('b1', 'buy', 1, 1);
    const nothing = h.market('nobody', 'sell', { amount: 1 });
    assert.equal(nothing.order.cancelReason, 'insufficient_balance');
    assert.equal(nothing.order.filled, 0);
    assertInvariants(h.engine);
  });

  test('insufficient_balance: a limit order that cannot lock is rejected and changes nothing', () => {
    const h = new Harness();
    h.deposit('b1', 'USDC', 49_999);
    assertNoChange(h, () => assert.equal(rejected(h.place('b1', IDX, 'buy', { price: 1000, amount: 10 })), 'INSUFFICIENT_BALANCE'));
    assertNoChange(h, () => assert.equal(rejected(h.place('b1', IDX, 'sell', { price: 1000, amount: 1 })), 'INSUFFICIENT_BALANCE'));
    assertNoChange(h, () => assert.equal(rejected(h.place('ghost', IDX, 'buy', { price: 1, amount: 1 })), 'INSUFFICIENT_BALANCE'));
    // exactly enough is enough
    assert.equal(h.limit('b1', 'buy', 1000, 9).order.status, 'open');
  });
});

describe('matching', () => {
  test('price-time priority: better price first, then arrival order within a level', () => {
    const h = funded();
    const a = h.limit('s1', 'sell', 1000, 3);
    const b = h.limit('s2', 'sell', 1000, 3);
    const c = h.limit('s3', 'sell', 999, 3);
    const res = h.limit('b1', 'buy', 1000, 7);
    assert.deepEqual(
      trades(h.events).map((t) => [t.makerOrderId, t.price, t.amount]),
      [[c.order.id, 999, 3], [a.order.id, 1000, 3], [b.order.id, 1000, 1]],
    );
    assert.equal(res.order.status, 'filled');
    const bView = h.engine.openOrder(b.order.id)!;
    assert.equal(bView.status, 'partially_filled');
    assert.equal(bView.filled, 1);
    assertInvariants(h.engine);
  });

  test('a trade executes at the maker price and a buy trading below its limit gets the difference back', () => {
    const h = new Harness();
    h.deposit('s1', 'IDX', 1_000);
    h.deposit('b1', 'USDC', 1_000_000);
    h.limit('s1', 'sell', 10_000, 10);
    assert.deepEqual(h.bal('s1', 'IDX'), { available: 950, locked: 50 });
    const res = h.limit('b1', 'buy', 10_100, 10);
    assert.deepEqual(res.fills, [
      { tradeId: 1, price: 10_000, amount: 10, quote: 500_000, venue: 'book', fee: 1, feeAsset: 'IDX', liquidity: 'taker' },
    ]);
    // locked 505_000 at 10_100, paid 500_000: the 5_000 difference is available again, nothing stays locked
    assert.deepEqual(h.bal('b1', 'USDC'), { available: 500_000, locked: 0 });
    assert.deepEqual(h.bal('b1', 'IDX'), { available: 49, locked: 0 });
    assert.deepEqual(h.bal('s1', 'USDC'), { available: 499_500, locked: 0 });
    assert.deepEqual(h.bal('s1', 'IDX'), { available: 950, locked: 0 });
    assert.deepEqual(h.engine.balances('fees'), { BTC: { available: 0, locked: 0 }, IDX: { available: 1, locked: 0 }, USDC: { available: 500, locked: 0 } });
    assertInvariants(h.engine);
  });

  test('a partly filled resting buy keeps exactly remaining × its price locked', () => {
    const h = funded();
    h.limit('s1', 'sell', 990, 4);
    const res = h.limit('b1', 'buy', 1000, 10);
    assert.equal(res.order.status, 'partially_filled');
    assert.equal(h.bal('b1', 'USDC').locked, 6 * 1000 * 5);
    assert.equal(h.bal('b1', 'USDC').available, 100_000_000 - 6 * 1000 * 5 - 4 * 990 * 5);
    assert.deepEqual(h.depth().bids, [[1000, 6]]);
    assertInvariants(h.engine);
  });

  test('fees: each side pays on what it receives, rounded up, credited to `fees`', () => {
    const h = funded();
    // taker buys: taker fee on base, maker fee on quote
    h.limit('s1', 'sell', 10_001, 3);
    h.limit('b1', 'buy', 10_001, 3);
    let t = trades(h.events)[0];
    // base 15 atoms × 25 bps = 0.0375 → 1; quote 150_015 × 10 bps = 150.015 → 151
    assert.equal(t.quote, 150_015);
    assert.equal(t.takerFee, 1);
    assert.equal(t.makerFee, 151);
    // taker sells: taker fee on quote, maker fee on base
    h.limit('b2', 'buy', 10_001, 3);
    const sold = h.limit('s2', 'sell', 10_001, 3);
    t = trades(h.events)[0];
    assert.equal(t.takerFee, 376, '150_015 × 25 bps = 375.0375 → 376');
    assert.equal(t.makerFee, 1, '15 × 10 bps = 0.015 → 1');
    assert.equal(sold.fills[0].feeAsset, 'USDC');
    assert.deepEqual(h.engine.balances('fees').IDX, { available: 2, locked: 0 });
    assert.deepEqual(h.engine.balances('fees').USDC, { available: 151 + 376, locked: 0 });
    assert.equal(h.bal('s2', 'USDC').available, 100_000_000 + 150_015 - 376);
    assert.equal(h.bal('b2', 'IDX').available, 100_000 + 15 - 1);
    assertInvariants(h.engine);
  });

  test('feeOf: rounds up, exact for every size up to 2^53 - 1, never more than the amount', () => {
    const exact = (atoms: number, bps: number): number => Number((BigInt(atoms) * BigInt(bps) + 9_999n) / 10_000n);
    const cases: Array<[number, number]> = [
      [0, 25], [1, 0], [1, 1], [10_000, 25], [10_001, 25], [9_999, 1], [150_015, 10], [MAX, 1], [MAX, 9_999],
      [MAX, 10_000], [MAX - 1, 30], [123_456_789_012_345, 7],
    ];
    for (const [atoms, bps] of cases) {
      assert.equal(feeOf(atoms, bps), exact(atoms, bps), `feeOf(${atoms}, ${bps})`);
      assert.ok(feeOf(atoms, bps) <= atoms);
    }
  });

  test('quoteAmount: spends at most the budget, floor(lots) per level; the dust end counts as filled', () => {
    const h = new Harness();
    h.deposit('s1', 'IDX', 1_000);
    h.deposit('b1', 'USDC', 1_000_000);
    h.limit('s1', 'sell', 1000, 5); // 5_000 per lot
    h.limit('s1', 'sell', 2000, 5); // 10_000 per lot
    const res = h.market('b1', 'buy', { quoteAmount: 47_000 });
    assert.equal(res.order.status, 'filled');
    assert.equal(res.order.cancelReason, null);
    assert.equal(res.order.amount, 7, 'amount = what it bought');
    assert.equal(res.order.filled, 7);
    assert.equal(res.order.quoteAmount, 47_000);
    assert.deepEqual(res.fills.map((f) => [f.price, f.amount, f.quote]), [[1000, 5, 25_000], [2000, 2, 20_000]]);
    assert.deepEqual(h.bal('b1', 'USDC'), { available: 1_000_000 - 45_000, locked: 0 });
    assert.deepEqual(h.depth().asks, [[2000, 3]]);
    assertInvariants(h.engine);
  });

  test('quoteAmount: a budget below one lot buys nothing and ends ioc_remainder', () => {
    const h = new Harness();
    h.deposit('s1', 'IDX', 1_000);
    h.deposit('b1', 'USDC', 1_000_000);
    h.limit('s1', 'sell', 1000, 5);
    const res = h.market('b1', 'buy', { quoteAmount: 4_999 });
    assert.equal(res.order.status, 'cancelled');
    assert.equal(res.order.cancelReason, 'ioc_remainder');
    assert.equal(res.order.amount, 0);
    assert.equal(res.order.filled, 0);
  });

  test('quoteAmount: a budget spent to the last atom is filled even when the book is then empty', () => {
    const h = new Harness();
    h.deposit('s1', 'IDX', 1_000);
    h.deposit('b1', 'USDC', 1_000_000);
    h.limit('s1', 'sell', 1000, 2);
    const res = h.market('b1', 'buy', { quoteAmount: 10_000 });
    assert.equal(res.order.status, 'filled');
    assert.equal(res.order.filled, 2);
  });

  test('quoteAmount: a budget that cannot buy a lot at any price does not trigger self-trade prevention', () => {
    const h = new Harness();
    h.deposit('b1', 'IDX', 1_000);
    h.deposit('b1', 'USDC', 1_000_000);
    const own = h.limit('b1', 'sell', 1000, 2);
    // 4 atoms < 1 tick × 1 lot (5 atoms): it can buy nothing, so it never meets its own ask
    const res = h.market('b1', 'buy', { quoteAmount: 4, selfTradePrevention: 'cancel_both' });
    assert.equal(res.order.cancelReason, 'ioc_remainder');
    assert.ok(h.engine.openOrder(own.order.id) !== null);
  });

  test('quoteAmount: the book running out leaves it ioc_remainder with what it bought', () => {
    const h = new Harness();
    h.deposit('s1', 'IDX', 1_000);
    h.deposit('b1', 'USDC', 1_000_000);
    h.limit('s1', 'sell', 1000, 2);
    const res = h.market('b1', 'buy', { quoteAmount: 500_000 });
    assert.equal(res.order.status, 'cancelled');
    assert.equal(res.order.cancelReason, 'ioc_remainder');
    assert.equal(res.order.amount, 2);
  });

  test('quoteAmount: more budget than funds stops with insufficient_balance', () => {
    const h = new Harness();
    h.deposit('s1', 'IDX', 1_000);
    h.deposit('b1', 'USDC', 30_000);
    h.limit('s1', 'sell', 1000, 5);
    h.limit('s1', 'sell', 2000, 5);
    const res = h.market('b1', 'buy', { quoteAmount: 1_000_000 });
    assert.equal(res.order.cancelReason, 'insufficient_balance');
    assert.equal(res.order.filled, 5);
    assert.deepEqual(h.bal('b1', 'USDC'), { available: 5_000, locked: 0 });
  });
});

describe('validation', () => {
  test('minNotional: exactly the minimum is accepted, one lot less is INVALID_AMOUNT', () => {
    const h = funded();
    // 4000 ticks × 20 lots × 125 atoms = 10^7 = 10 USDC
    assert.equal(h.limit('b1', 'buy', 4000, 20, {}, BTC).order.status, 'open');
    assertNoChange(h, () => assert.equal(rejected(h.place('b1', BTC, 'buy', { price: 4000, amount: 19 })), 'INVALID_AMOUNT'));
    assertNoChange(h, () => assert.equal(rejected(h.place('s1', BTC, 'sell', { price: 3999, amount: 20 })), 'INVALID_AMOUNT'));
  });

  test('codes: INVALID_PRICE, INVALID_AMOUNT, UNKNOWN_PAIR, VALIDATION_ERROR', () => {
    const h = funded();
    h.limit('s1', 'sell', 1000, 5);
    const cases: Array<[string, Record<string, unknown>, string]> = [
      ['price off the tick grid', { price: 1000.5, amount: 1 }, 'INVALID_PRICE'],
      ['zero price', { price: 0, amount: 1 }, 'INVALID_PRICE'],
      ['negative price', { price: -1000, amount: 1 }, 'INVALID_PRICE'],
      ['price beyond 2^53', { price: 2 ** 53, amount: 1 }, 'INVALID_PRICE'],
      ['missing price', { amount: 1 }, 'INVALID_PRICE'],
      ['zero amount', { price: 1000, amount: 0 }, 'INVALID_AMOUNT'],
      ['amount off the lot grid', { price: 1000, amount: 1.5 }, 'INVALID_AMOUNT'],
      ['notional beyond 2^53 - 1', { price: 2 ** 40, amount: 2 ** 20 }, 'INVALID_AMOUNT'],
      ['notional just beyond 2^53 - 1', { price: Math.floor(MAX / 5) + 1, amount: 1 }, 'INVALID_AMOUNT'],
      ['unknown pair', { pair: 'DOGE-USDC', price: 1000, amount: 1 }, 'UNKNOWN_PAIR'],
      ['bad side', { side: 'hold', price: 1000, amount: 1 }, 'VALIDATION_ERROR'],
      ['bad type', { orderType: 'stop', price: 1000, amount: 1 }, 'VALIDATION_ERROR'],
      ['bad timeInForce', { timeInForce: 'GTD', price: 1000, amount: 1 }, 'VALIDATION_ERROR'],
      ['post-only IOC', { timeInForce: 'IOC', postOnly: true, price: 1000, amount: 1 }, 'VALIDATION_ERROR'],
      ['bad STP', { selfTradePrevention: 'decrement', price: 1000, amount: 1 }, 'VALIDATION_ERROR'],
      ['slippage over 10000', { maxSlippageBps: 10_001, price: 1000, amount: 1 }, 'VALIDATION_ERROR'],
      ['empty clientOrderId', { clientOrderId: '', price: 1000, amount: 1 }, 'VALIDATION_ERROR'],
      ['65-char clientOrderId', { clientOrderId: 'x'.repeat(65), price: 1000, amount: 1 }, 'VALIDATION_ERROR'],
      ['limit with quoteAmount', { price: 1000, amount: 1, quoteAmount: 5 }, 'VALIDATION_ERROR'],
      ['market with price', { orderType: 'market', price: 1000, amount: 1 }, 'VALIDATION_ERROR'],
      ['market with neither size', { orderType: 'market' }, 'VALIDATION_ERROR'],
      ['market with both sizes', { orderType: 'market', amount: 1, quoteAmount: 5 }, 'VALIDATION_ERROR'],
      ['quote-sized sell', { orderType: 'market', side: 'sell', quoteAmount: 5 }, 'VALIDATION_ERROR'],
      ['quote-sized FOK', { orderType: 'market', quoteAmount: 5, timeInForce: 'FOK' }, 'VALIDATION_ERROR'],
      ['market GTC', { orderType: 'market', amount: 1, timeInForce: 'GTC' }, 'VALIDATION_ERROR'],
      ['zero quoteAmount', { orderType: 'market', quoteAmount: 0 }, 'INVALID_AMOUNT'],
      ['zero market amount', { orderType: 'market', amount: 0 }, 'INVALID_AMOUNT'],
      ['empty userId', { userId: '', price: 1000, amount: 1 }, 'VALIDATION_ERROR'],
      // UTF-8 (journal, Redis) would store a lone surrogate as U+FFFD: another id on replay
      ['lone-surrogate userId', { userId: 'b1\ud800', price: 1000, amount: 1 }, 'VALIDATION_ERROR'],
      ['lone-surrogate clientOrderId', { clientOrderId: '\udc00', price: 1000, amount: 1 }, 'VALIDATION_ERROR'],
      // the order would keep it as createdAt
      ...[1.5, -1, -0, NaN, Infinity, undefined, '5'].map((time): [string, Record<string, unknown>, string] => [`time ${String(time)}`, { time, price: 1000, amount: 1 }, 'VALIDATION_ERROR']),
    ];
    for (const [what, fields, code] of cases) {
      const cmd = { type: 'placeOrder', userId: 'b1', pair: IDX, side: 'buy', orderType: 'limit', ...fields } as unknown as Command;
      assertNoChange(h, () => assert.equal(rejected(h.run(cmd)), code, what));
    }
    // a 64-character clientOrderId is fine
    assert.equal(h.limit('b1', 'buy', 900, 1, { clientOrderId: 'x'.repeat(64) }).order.status, 'open');
  });

  test('decimal input: finer than the tick or lot, or out of range, never becomes an order', () => {
    const spec = new Harness().engine.catalogue.markets[0];
    assert.equal(priceToTicks(spec, '1.0001'), 10_001);
    assert.equal(priceToTicks(spec, '1.00005'), null, 'finer than the tick is rejected, not rounded');
    assert.equal(amountToLots(spec, '0.05'), 1);
    assert.equal(amountToLots(spec, '0.07'), null, 'off the 0.05 lot grid');
    assert.equal(amountToLots(spec, 1e30), null, 'out of range');
  });

  test('duplicate clientOrderId while the first is open (409); free again once it closes', () => {
    const h = funded();
    const first = h.limit('b1', 'buy', 900, 1, { clientOrderId: 'x' });
    assertNoChange(h, () => assert.equal(rejected(h.place('b1', IDX, 'buy', { price: 901, amount: 1, clientOrderId: 'x' })), 'DUPLICATE_CLIENT_ORDER_ID'));
    // the check is per user and across markets and kinds
    assertNoChange(h, () => assert.equal(rejected(h.place('b1', BTC, 'buy', { price: 4000, amount: 20, clientOrderId: 'x' })), 'DUPLICATE_CLIENT_ORDER_ID'));
    assertNoChange(h, () => assert.equal(rejected(h.place('b1', IDX, 'sell', { orderType: 'market', amount: 1, clientOrderId: 'x' })), 'DUPLICATE_CLIENT_ORDER_ID'));
    assert.equal(h.limit('b2', 'buy', 900, 1, { clientOrderId: 'x' }).order.clientOrderId, 'x', 'another user may use it');
    ok(h.cancel('b1', first.order.id));
    const again = h.limit('b1', 'buy', 900, 1, { clientOrderId: 'x' });
    assert.equal(again.order.status, 'open', 'reusable after cancel');
    // fill it: reusable after filled
    h.limit('s1', 'sell', 900, 2);
    assert.equal(h.engine.openOrder(again.order.id), null);
    assert.equal(h.limit('b1', 'buy', 800, 1, { clientOrderId: 'x' }).order.status, 'open');
    // orders that never rest never hold their id
    h.limit('b3', 'buy', 1, 1, { clientOrderId: 'y', timeInForce: 'IOC' });
    h.limit('b3', 'buy', 1, 1, { clientOrderId: 'y', timeInForce: 'IOC' });
    assertInvariants(h.engine);
  });
});

describe('cancels', () => {
  test("cancelOrder of someone else's, an unknown or an already closed order is NOT_FOUND", () => {
    const h = funded();
    const order = h.limit('b1', 'buy', 900, 1);
    assertNoChange(h, () => assert.equal(rejected(h.cancel('b2', order.order.id)), 'NOT_FOUND'));
    assert.ok(h.engine.openOrder(order.order.id) !== null);
    assertNoChange(h, () => assert.equal(rejected(h.cancel('b1', 999_999)), 'NOT_FOUND'));
    // an id that is not an integer names no order, not the order it truncates to
    for (const id of [order.order.id + 0.5, order.order.id - 4096, NaN]) {
      assertNoChange(h, () => assert.equal(rejected(h.cancel('b1', id)), 'NOT_FOUND', `id ${id}`));
    }
    ok(h.cancel('b1', order.order.id));
    assertNoChange(h, () => assert.equal(rejected(h.cancel('b1', order.order.id)), 'NOT_FOUND'));
  });

  test('cancelByClientOrderId cancels the caller’s open order with that id, like cancelOrder; otherwise NOT_FOUND', () => {
    const h = funded();
    const byClient = (userId: string, clientOrderId: unknown): CommandResult =>
      h.run({ type: 'cancelByClientOrderId', userId, clientOrderId } as unknown as Command);
    const unlocked = h.bal('b1', 'USDC');
    const mine = h.limit('b1', 'buy', 900, 2, { clientOrderId: 'x' });
    const theirs = h.limit('b2', 'buy', 901, 1, { clientOrderId: 'x' });
    for (const [userId, cid] of [['b1', 'y'], ['b3', 'x'], ['b1\ud800', 'x']] as const) {
      assertNoChange(h, () => assert.equal(rejected(byClient(userId, cid)), 'NOT_FOUND', `${userId} ${cid}`));
    }
    // not id text at all (as the journal's codec refuses a lone surrogate): malformed, not looked up
    for (const cid of ['', 'x\ud800', 7, null]) {
      assertNoChange(h, () => assert.equal(rejected(byClient('b1', cid)), 'VALIDATION_ERROR', String(cid)));
    }
    const cancelled = ok(byClient('b1', 'x'));
    assert.equal(cancelled.order.id, mine.order.id);
    assert.equal(cancelled.order.status, 'cancelled');
    assert.equal(cancelled.order.cancelReason, 'user');
    const update = h.events.find((e) => e.type === 'orderUpdated');
    assert.ok(update?.type === 'orderUpdated' && update.order.id === mine.order.id);
    assert.deepEqual(h.bal('b1', 'USDC'), unlocked, 'its lock is released');
    assert.ok(h.engine.openOrder(theirs.order.id) !== null, 'another user’s order with the same id stays');
    // closed now: the id names no open order, and is free for a new one
    assertNoChange(h, () => assert.equal(rejected(byClient('b1', 'x')), 'NOT_FOUND'));
    const again = h.limit('b1', 'buy', 899, 1, { clientOrderId: 'x' });
    assert.equal(ok(byClient('b1', 'x')).order.id, again.order.id);
    assertInvariants(h.engine);
  });

  test('cancelAll cancels oldest first, in one market or all, and only the caller’s', () => {
    const h = funded();
    const a = h.limit('b1', 'buy', 900, 1);
    const b = h.limit('b1', 'buy', 4000, 20, {}, BTC);
    const c = h.limit('b1', 'sell', 2000, 1);
    const d = h.limit('b1', 'buy', 901, 1);
    const other = h.limit('b2', 'buy', 902, 1);
    const idx = ok(h.cancelAll('b1', IDX));
    assert.deepEqual(idx.cancelled, [a.order.id, c.order.id, d.order.id]);
    const updates = h.events.filter((e) => e.type === 'orderUpdated').map((e) => e.type === 'orderUpdated' && [e.order.id, e.order.cancelReason]);
    assert.deepEqual(updates, [[a.order.id, 'user'], [c.order.id, 'user'], [d.order.id, 'user']]);
    assert.deepEqual(ok(h.cancelAll('b1', null)).cancelled, [b.order.id]);
    assert.ok(h.engine.openOrder(other.order.id) !== null);
    assert.deepEqual(h.bal('b1', 'USDC').locked, 0);
    assert.deepEqual(h.bal('b1', 'IDX').locked, 0);
    assertNoChange(h, () => assert.deepEqual(ok(h.cancelAll('b1', null)).cancelled, []));
    assertNoChange(h, () => assert.equal(rejected(h.cancelAll('b1', 'DOGE-USDC')), 'UNKNOWN_PAIR'));
    assertInvariants(h.engine);
  });
});

describe('funding', () => {
  test('withdraw only what is available; locked funds stay', () => {
    const h = new Harness();
    h.deposit('u', 'USDC', 100_000);
    h.limit('u', 'buy', 1000, 10); // locks 50_000
    assertNoChange(h, () => assert.equal(rejected(h.withdraw('u', 'USDC', 50_001)), 'INSUFFICIENT_BALANCE'));
    assertNoChange(h, () => assert.equal(rejected(h.withdraw('nobody', 'USDC', 1)), 'INSUFFICIENT_BALANCE'));
    assert.deepEqual(ok(h.withdraw('u', 'USDC', 50_000)), { ok: true, available: 0, locked: 50_000 });
    assert.equal(h.engine.supply().USDC, 50_000);
    assertNoChange(h, () => assert.equal(rejected(h.withdraw('u', 'DOGE', 1)), 'VALIDATION_ERROR'));
    assertNoChange(h, () => assert.equal(rejected(h.withdraw('u', 'USDC', 0)), 'INVALID_AMOUNT'));
    assertInvariants(h.engine);
  });

  test('deposits are refused past 2^53 - 1 total supply of an asset', () => {
    const h = new Harness();
    assert.deepEqual(ok(h.run({ type: 'deposit', userId: 'a', asset: 'IDX', amount: MAX - 5 })), { ok: true, available: MAX - 5, locked: 0 });
    assertNoChange(h, () => assert.equal(rejected(h.run({ type: 'deposit', userId: 'b', asset: 'IDX', amount: 6 })), 'INVALID_AMOUNT'));
    ok(h.run({ type: 'deposit', userId: 'b', asset: 'IDX', amount: 5 }));
    assert.equal(h.engine.supply().IDX, MAX);
    assertNoChange(h, () => assert.equal(rejected(h.run({ type: 'deposit', userId: 'a', asset: 'IDX', amount: 1 })), 'INVALID_AMOUNT'));
    ok(h.withdraw('a', 'IDX', 10));
    ok(h.run({ type: 'deposit', userId: 'c', asset: 'IDX', amount: 10 }));
    // another asset is independent
    ok(h.run({ type: 'deposit', userId: 'a', asset: 'USDC', amount: MAX }));
    for (const amount of [0, -1, 1.5, Number.NaN, MAX + 2]) {
      assertNoChange(h, () => assert.equal(rejected(h.run({ type: 'deposit', userId: 'a', asset: 'BTC', amount })), 'INVALID_AMOUNT'));
    }
    assertNoChange(h, () => assert.equal(rejected(h.run({ type: 'deposit', userId: 'a', asset: 'DOGE', amount: 1 })), 'VALIDATION_ERROR'));
    assertNoChange(h, () => assert.equal(rejected(h.run({ type: 'deposit', userId: '', asset: 'BTC', amount: 1 })), 'VALIDATION_ERROR'));
    assertNoChange(h, () => assert.equal(rejected(h.run({ type: 'deposit', userId: 'a\ud800', asset: 'BTC', amount: 1 })), 'VALIDATION_ERROR'));
    assertInvariants(h.engine);
  });
});

describe('events and state', () => {
  test('book events: one per book-changing command and market, seq rising by exactly 1', () => {
    const h = funded();
    const seqs: Record<string, number[]> = { [IDX]: [], [BTC]: [] };
    const step = (fn: () => unknown): void => {
      fn();
      const books = h.events.filter((e) => e.type === 'book');
      const pairs = books.map((e) => e.type === 'book' && e.pair);
      assert.equal(new Set(pairs).size, pairs.length, 'at most one book event per market per command');
      for (const e of books) if (e.type === 'book') seqs[e.pair].push(e.seq);
    };
    step(() => h.limit('s1', 'sell', 1000, 5));
    step(() => h.limit('s2', 'sell', 1001, 5));
    step(() => h.deposit('b1', 'USDC', 1));
    step(() => h.limit('b1', 'buy', 1001, 7));
    step(() => h.limit('b1', 'buy', 1005, 1, { postOnly: true }));
    step(() => h.limit('b1', 'buy', 4000, 20, {}, BTC));
    step(() => h.limit('b2', 'buy', 999, 1));
    step(() => h.place('b2', IDX, 'buy', { price: 0, amount: 1 }));
    step(() => h.cancelAll('b1', null));
    step(() => h.cancelAll('b2', null));
    for (const pair of [IDX, BTC]) {
      const list = seqs[pair];
      list.forEach((seq, i) => assert.equal(seq, i + 1, `${pair} seq ${JSON.stringify(list)}`));
      assert.equal(h.depth(pair).seq, list.length);
    }
    assert.equal(seqs[IDX].length, 5);
    assert.equal(seqs[BTC].length, 2);
  });

  test('a book event lists each changed level once with its new absolute total (0 = gone)', () => {
    const h = funded();
    h.limit('s1', 'sell', 1000, 5);
    h.limit('s2', 'sell', 1000, 5);
    h.limit('s3', 'sell', 1001, 5);
    h.limit('b1', 'buy', 1001, 12);
    const book = h.events.filter((e) => e.type === 'book');
    assert.equal(book.length, 1);
    assert.ok(book[0].type === 'book');
    assert.deepEqual(book[0].asks, [[1000, 0], [1001, 3]]);
    assert.deepEqual(book[0].bids, []);
    h.limit('b1', 'buy', 1002, 5);
    const rest = h.events.find((e) => e.type === 'book');
    assert.ok(rest?.type === 'book');
    assert.deepEqual([rest.bids, rest.asks], [[[1002, 2]], [[1001, 0]]]);
  });

  test('every rejected command leaves stateHash unchanged and emits no event', () => {
    const h = funded();
    h.limit('s1', 'sell', 1000, 5, { clientOrderId: 'dup' });
    h.limit('b1', 'buy', 900, 5);
    const bad: Array<Record<string, unknown>> = [
      { type: 'placeOrder', userId: 'b1', pair: 'NOPE-USDC', side: 'buy', orderType: 'limit', price: 1, amount: 1 },
      { type: 'placeOrder', userId: 'b1', pair: IDX, side: 'buy', orderType: 'limit', price: 1.5, amount: 1 },
      { type: 'placeOrder', userId: 'b1', pair: IDX, side: 'buy', orderType: 'limit', price: 1, amount: 0 },
      { type: 'placeOrder', userId: 'b1', pair: IDX, side: 'buy', orderType: 'limit', price: 1_000_000, amount: 1_000_000 },
      { type: 'placeOrder', userId: 's1', pair: IDX, side: 'sell', orderType: 'limit', price: 1000, amount: 1, clientOrderId: 'dup' },
      { type: 'placeOrder', userId: 'new', pair: IDX, side: 'buy', orderType: 'limit', price: 1000, amount: 1 },
      { type: 'placeOrder', userId: 'b1', pair: IDX, side: 'sell', orderType: 'market', quoteAmount: 10 },
      { type: 'cancelOrder', userId: 'b2', orderId: 1 },
      { type: 'cancelOrder', userId: 'b1', orderId: 12345 },
      { type: 'cancelAll', userId: 'b1', pair: 'NOPE-USDC' },
      { type: 'deposit', userId: 'b1', asset: 'NOPE', amount: 1 },
      { type: 'deposit', userId: 'b1', asset: 'USDC', amount: 0 },
      { type: 'deposit', userId: 'b1', asset: 'USDC', amount: MAX },
      { type: 'withdraw', userId: 'b1', asset: 'USDC', amount: 100_000_000 },
      { type: 'withdraw', userId: 'new', asset: 'USDC', amount: 1 },
      { type: 'withdraw', userId: 'b1', asset: 'USDC', amount: -1 },
      // a value String() cannot convert must still give a rejection, not a TypeError
      { type: Object.create(null) },
      { type: 'placeOrder', userId: 'b1', pair: Object.create(null), side: 'buy', orderType: 'limit', price: 1, amount: 1 },
      { type: 'deposit', userId: 'b1', asset: Object.create(null), amount: 1 },
    ];
    for (const cmd of bad) {
      assertNoChange(h, () => assert.equal(h.run(cmd as unknown as Command).ok, false, JSON.stringify(cmd)));
    }
    assert.deepEqual(h.engine.userIds().includes('new'), false, 'a rejected command creates no account');
  });

  test('a command of any type whose time is not whole milliseconds ≥ 0 is VALIDATION_ERROR and changes nothing', () => {
    const h = funded();
    const open = h.limit('b1', 'buy', 900, 5);
    const valid: Array<Record<string, unknown>> = [
      { type: 'placeOrder', userId: 'b1', pair: IDX, side: 'buy', orderType: 'limit', price: 900, amount: 1 },
      { type: 'cancelOrder', userId: 'b1', orderId: open.order.id },
      { type: 'cancelAll', userId: 'b1', pair: null },
      { type: 'deposit', userId: 'b1', asset: 'USDC', amount: 1 },
      { type: 'withdraw', userId: 'b1', asset: 'USDC', amount: 1 },
    ];
    for (const cmd of valid) {
      for (const time of [1.5, -1, -0, NaN, Infinity, undefined, null, '5', 2 ** 53]) {
        const what = `${String(cmd.type)} at time ${String(time)}`;
        assertNoChange(h, () => assert.equal(rejected(h.run({ ...cmd, time } as unknown as Command)), 'VALIDATION_ERROR', what));
      }
    }
    assert.ok(h.engine.openOrder(open.order.id) !== null);
  });

  test('cancelled orders report what they filled; filled makers report filled', () => {
    const h = funded();
    const maker = h.limit('s1', 'sell', 1000, 5);
    h.limit('b1', 'buy', 1000, 5);
    const update = h.events.find((e) => e.type === 'orderUpdated' && e.order.id === maker.order.id);
    assert.ok(update?.type === 'orderUpdated');
    assert.equal(update.order.status, 'filled');
    assert.equal(update.order.filled, 5);
    assert.equal(h.engine.openOrders('s1').length, 0);
  });
});
