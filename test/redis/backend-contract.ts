/**
 * One contract suite for every backend of the engine (in-memory Engine, RedisEngine):
 * runBackendContract({ name, create }) registers the same rules, in the style of
 * test/engine-rules.test.ts and test/router/router-rules.test.ts: every cancelReason, fees, self-trade
 * prevention, fill-or-kill, quote-sized buys, validation codes, cancels, funding, events, and AMM
 * routing with liquidity commands. Each test gets a fresh backend from `create(markets)`.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConstantProductPool } from '../../src/engine/amm/uniswap-v2-math.js';
import type { Command, PlaceOrderCommand } from '../../src/engine/commands.js';
import type { CommandResult, EngineEvent, PlaceOrderResult, TradeEvent } from '../../src/engine/events.js';
import { buildCatalogue, type MarketConfig, type MarketSpec } from '../../src/engine/market.js';
import { TEST_MARKETS } from '../support/markets.js';
import { afterBuy, afterSell, marketsOf, poolBuyCost, poolSellProceeds, swapAskAtMost, totals, WIDE_SCALES } from '../router/router-fixtures.js';
import type { Backend } from './support.js';

const MAX = Number.MAX_SAFE_INTEGER;
const IDX = 'IDX-USDC';
const BTC = 'BTC-USDC';
type Opts = Partial<Omit<PlaceOrderCommand, 'type' | 'time' | 'userId' | 'pair' | 'side'>>;
type Cmd = Record<string, unknown> & { type: string };

export interface BackendFactory {
  readonly name: string;
  readonly create: (markets: readonly MarketConfig[]) => Promise<Backend>;
  /** a reason to skip the whole suite (e.g. no server), or false */
  readonly skip?: string | false;
}

function ok(result: CommandResult): PlaceOrderResult & { cancelled: number[]; available: number; locked: number; pool: { baseReserve: number; quoteReserve: number } } {
  if (!result.ok) throw new Error(`expected success, got ${result.code}: ${result.message}`);
  return result as never;
}
function code(result: CommandResult): string {
  if (result.ok) throw new Error(`expected a rejection, got ${JSON.stringify(result)}`);
  return result.code;
}
const trades = (events: readonly EngineEvent[]): TradeEvent[] => events.filter((e): e is TradeEvent => e.type === 'trade');

/** Async twin of test/support/harness.ts over any backend. */
class H {
  time = 1_000;
  events: EngineEvent[] = [];
  constructor(readonly b: Backend) {}
  async run(cmd: Cmd): Promise<CommandResult> {
    this.time++;
    const { result, events } = await this.b.execute({ time: this.time, ...cmd } as unknown as Command);
    this.events = events;
    return result;
  }
  deposit(userId: string, asset: string, amount: number): Promise<CommandResult> {
    return this.run({ type: 'deposit', userId, asset, amount });
  }
  withdraw(userId: string, asset: string, amount: number): Promise<CommandResult> {
    return this.run({ type: 'withdraw', userId, asset, amount });
  }
  place(userId: string, pair: string, side: string, o: Opts & Record<string, unknown>): Promise<CommandResult> {
    return this.run({ type: 'placeOrder', userId, pair, side, orderType: 'limit', ...o });
  }
  async limit(userId: string, side: 'buy' | 'sell', price: number, amount: number, o: Opts = {}, pair = IDX) {
    return ok(await this.place(userId, pair, side, { price, amount, ...o }));
  }
  async market(userId: string, side: 'buy' | 'sell', o: Opts, pair = IDX) {
    return ok(await this.place(userId, pair, side, { orderType: 'market', ...o }));
  }
  cancel(userId: string, orderId: number): Promise<CommandResult> {
    return this.run({ type: 'cancelOrder', userId, orderId });
  }
  cancelByCid(userId: unknown, clientOrderId: unknown): Promise<CommandResult> {
    return this.run({ type: 'cancelByClientOrderId', userId, clientOrderId });
  }
  cancelAll(userId: string, pair: string | null): Promise<CommandResult> {
    return this.run({ type: 'cancelAll', userId, pair });
  }
  async bal(userId: string, asset: string) {
    return (await this.b.balances(userId))[asset];
  }
  async depth(pair = IDX) {
    const d = (await this.b.depth(pair))!;
    return { seq: d.seq, bids: d.bids, asks: d.asks };
  }
  async pool(pair = IDX): Promise<ConstantProductPool> {
    const p = (await this.b.depth(pair))!.pool!;
    return { baseReserve: BigInt(p.baseReserve), quoteReserve: BigInt(p.quoteReserve), feeBps: p.feeBps };
  }
  /** the command changes nothing: no event, same state hash */
  async unchanged(fn: () => Promise<unknown>): Promise<void> {
    const before = await this.b.stateHash();
    await fn();
    assert.deepEqual(this.events, [], 'no event');
    assert.equal(await this.b.stateHash(), before, 'stateHash unchanged');
  }
}

export function runBackendContract(factory: BackendFactory): void {
  const skip = factory.skip ?? false;
  /** a fresh backend per test, closed afterwards */
  const it = (name: string, fn: (h: H) => Promise<void>, markets: readonly MarketConfig[] = TEST_MARKETS): void => {
    test(name, { skip }, async () => {
      const backend = await factory.create(markets);
      try {
        await fn(new H(backend));
      } finally {
        await backend.close();
      }
    });
  };
  const funded = async (h: H): Promise<H> => {
    for (const u of ['s1', 's2', 's3', 'b1', 'b2', 'b3']) {
      await h.deposit(u, 'IDX', 100_000);
      await h.deposit(u, 'USDC', 100_000_000);
      await h.deposit(u, 'BTC', 100_000);
    }
    return h;
  };

  describe(`backend contract: ${factory.name}`, () => {
    describe('cancel reasons', () => {
      it('user: cancel releases the lock; the event carries the result', async (h) => {
        await funded(h);
        const placed = await h.limit('b1', 'buy', 1000, 10);
        assert.deepEqual(await h.bal('b1', 'USDC'), { available: 100_000_000 - 50_000, locked: 50_000 });
        const res = ok(await h.cancel('b1', placed.order.id));
        assert.equal(res.order.status, 'cancelled');
        assert.equal(res.order.cancelReason, 'user');
        assert.deepEqual(await h.bal('b1', 'USDC'), { available: 100_000_000, locked: 0 });
        assert.deepEqual(h.events.find((e) => e.type === 'orderUpdated'), { type: 'orderUpdated', order: res.order });
        assert.equal(await h.b.openOrder(placed.order.id), null);
      });

      it('ioc_remainder: an IOC limit and a market order fill what they can', async (h) => {
        await funded(h);
        await h.limit('s1', 'sell', 1000, 5);
        const ioc = await h.limit('b1', 'buy', 1000, 8, { timeInForce: 'IOC' });
        assert.deepEqual([ioc.order.status, ioc.order.cancelReason, ioc.order.filled], ['cancelled', 'ioc_remainder', 5]);
        assert.deepEqual(await h.bal('b1', 'USDC'), { available: 100_000_000 - 25_000, locked: 0 });
        await h.limit('s1', 'sell', 1000, 5);
        const mkt = await h.market('b1', 'buy', { amount: 8 });
        assert.deepEqual([mkt.order.cancelReason, mkt.order.filled, mkt.order.amount, mkt.order.price, mkt.order.timeInForce], ['ioc_remainder', 5, 8, 0, 'IOC']);
        assert.deepEqual((await h.depth()).bids, []);
      });

      it('fok_not_fillable: nothing changes; with enough within the limit it fills', async (h) => {
        await funded(h);
        await h.limit('s1', 'sell', 1000, 5);
        await h.limit('s2', 'sell', 1100, 5);
        const before = await h.bal('b1', 'USDC');
        const res = await h.limit('b1', 'buy', 1050, 10, { timeInForce: 'FOK' });
        assert.deepEqual([res.order.status, res.order.cancelReason, res.order.filled], ['cancelled', 'fok_not_fillable', 0]);
        assert.deepEqual(res.fills, []);
        assert.deepEqual(await h.bal('b1', 'USDC'), before);
        assert.ok(!h.events.some((e) => e.type === 'balance' || e.type === 'book' || e.type === 'trade'));
        assert.equal((await h.limit('b1', 'buy', 1100, 10, { timeInForce: 'FOK' })).order.status, 'filled');
      });

      it('fok: a market FOK beyond its funds; own orders: cancel_maker skips them, cancel_taker blocks', async (h) => {
        await h.deposit('s1', 'IDX', 1000);
        await h.deposit('b1', 'USDC', 40_000);
        await h.limit('s1', 'sell', 1000, 10);
        assert.equal((await h.market('b1', 'buy', { amount: 10, timeInForce: 'FOK' })).order.cancelReason, 'fok_not_fillable');
        assert.deepEqual(await h.bal('b1', 'USDC'), { available: 40_000, locked: 0 });
        assert.equal((await h.market('b1', 'buy', { amount: 8, timeInForce: 'FOK' })).order.status, 'filled');
        await h.deposit('b1', 'IDX', 1000);
        await h.deposit('b1', 'USDC', 1_000_000);
        await h.limit('s1', 'sell', 1000, 5);
        await h.limit('b1', 'sell', 999, 5);
        const blocked = await h.limit('b1', 'buy', 1000, 5, { timeInForce: 'FOK', selfTradePrevention: 'cancel_taker' });
        assert.equal(blocked.order.cancelReason, 'fok_not_fillable');
        const fills = await h.limit('b1', 'buy', 1000, 7, { timeInForce: 'FOK' });
        assert.equal(fills.order.status, 'filled', 'own ask cancelled (cancel_maker), the others fill');
        assert.deepEqual((await h.depth()).asks, []);
      });

      it('post_only_would_take: cancelled with nothing locked (own orders count); otherwise rests', async (h) => {
        await funded(h);
        await h.limit('s1', 'sell', 1000, 5);
        const res = await h.limit('b1', 'buy', 1000, 5, { postOnly: true });
        assert.deepEqual([res.order.status, res.order.cancelReason], ['cancelled', 'post_only_would_take']);
        assert.deepEqual(await h.bal('b1', 'USDC'), { available: 100_000_000, locked: 0 });
        await h.limit('b2', 'sell', 990, 5);
        assert.equal((await h.limit('b2', 'buy', 995, 1, { postOnly: true })).order.cancelReason, 'post_only_would_take');
        const rests = await h.limit('b1', 'buy', 989, 5, { postOnly: true });
        assert.deepEqual([rests.order.status, rests.order.postOnly], ['open', true]);
        assert.deepEqual((await h.depth()).bids, [[989, 5]]);
      });

      it('self_trade: cancel_maker (default) cancels the own maker and goes on', async (h) => {
        await funded(h);
        const own = await h.limit('b1', 'sell', 1000, 5);
        const other = await h.limit('s1', 'sell', 1000, 5);
        const res = await h.limit('b1', 'buy', 1000, 5);
        assert.equal(res.order.status, 'filled');
        assert.equal(trades(h.events)[0].makerOrderId, other.order.id);
        const cancelled = h.events.find((e) => e.type === 'orderUpdated' && e.order.id === own.order.id);
        assert.ok(cancelled?.type === 'orderUpdated' && cancelled.order.cancelReason === 'self_trade');
        assert.equal((await h.bal('b1', 'IDX')).locked, 0);
      });

      it('self_trade: cancel_taker stops the taker after what it filled; cancel_both cancels both', async (h) => {
        await funded(h);
        await h.limit('s1', 'sell', 999, 5);
        const own = await h.limit('b1', 'sell', 1000, 5);
        await h.limit('s2', 'sell', 1000, 5);
        const res = await h.limit('b1', 'buy', 1000, 10, { selfTradePrevention: 'cancel_taker' });
        assert.deepEqual([res.order.status, res.order.cancelReason, res.order.filled], ['cancelled', 'self_trade', 5]);
        assert.ok((await h.b.openOrder(own.order.id)) !== null);
        assert.deepEqual((await h.depth()).asks, [[1000, 10]]);
        const both = await h.limit('b1', 'buy', 1000, 5, { selfTradePrevention: 'cancel_both' });
        assert.deepEqual([both.order.cancelReason, both.order.filled], ['self_trade', 0]);
        assert.equal(await h.b.openOrder(own.order.id), null);
        assert.deepEqual((await h.depth()).asks, [[1000, 5]]);
        assert.equal((await h.bal('b1', 'USDC')).locked, 0);
      });

      it('slippage_limit: bound = best ± floor(best × bps / 10^4), on both sides and on limits', async (h) => {
        await funded(h);
        await h.limit('s1', 'sell', 10_000, 5);
        await h.limit('s2', 'sell', 10_100, 5);
        await h.limit('s3', 'sell', 10_101, 5);
        const res = await h.market('b1', 'buy', { amount: 15, maxSlippageBps: 100 });
        assert.deepEqual([res.order.cancelReason, res.order.filled], ['slippage_limit', 10]);
        assert.deepEqual(res.fills.map((f) => f.price), [10_000, 10_100]);
        await h.limit('b1', 'buy', 10_000, 2);
        await h.limit('b2', 'buy', 9_850, 2);
        await h.limit('b3', 'buy', 9_849, 2);
        const sell = await h.market('s1', 'sell', { amount: 6, maxSlippageBps: 150 });
        assert.deepEqual(sell.fills.map((f) => f.price), [10_000, 9_850]);
        assert.equal(sell.order.cancelReason, 'slippage_limit');
        await h.limit('s2', 'sell', 10_200, 5);
        const capped = await h.limit('b2', 'buy', 10_300, 10, { maxSlippageBps: 0 });
        assert.deepEqual([capped.order.cancelReason, capped.order.filled], ['slippage_limit', 5]);
        assert.equal((await h.bal('b2', 'USDC')).locked, 0, 'a limit order stopped by its slippage bound does not rest');
      });

      it('insufficient_balance: a market buy fills as far as its funds go; a limit that cannot lock is rejected', async (h) => {
        await h.deposit('s1', 'IDX', 1_000);
        await h.deposit('b1', 'USDC', 60_000);
        await h.limit('s1', 'sell', 1000, 5);
        await h.limit('s1', 'sell', 2000, 5);
        const res = await h.market('b1', 'buy', { amount: 10 });
        assert.deepEqual([res.order.cancelReason, res.order.filled], ['insufficient_balance', 8]);
        assert.deepEqual(await h.bal('b1', 'USDC'), { available: 5_000, locked: 0 });
        assert.deepEqual((await h.depth()).asks, [[2000, 2]]);
        await h.unchanged(async () => assert.equal(code(await h.place('b1', IDX, 'buy', { price: 1000, amount: 2 })), 'INSUFFICIENT_BALANCE'));
        await h.unchanged(async () => assert.equal(code(await h.place('ghost', IDX, 'buy', { price: 1, amount: 1 })), 'INSUFFICIENT_BALANCE'));
        assert.ok(!(await h.b.userIds()).includes('ghost'), 'a rejected command creates no account');
        await h.limit('b1', 'buy', 1, 1);
        const nothing = await h.market('nobody', 'sell', { amount: 1 });
        assert.deepEqual([nothing.order.cancelReason, nothing.order.filled], ['insufficient_balance', 0]);
      });
    });

    describe('matching and fees', () => {
      it('price-time priority: better price first, then arrival order', async (h) => {
        await funded(h);
        const a = await h.limit('s1', 'sell', 1000, 3);
        const b = await h.limit('s2', 'sell', 1000, 3);
        const c = await h.limit('s3', 'sell', 999, 3);
        await h.limit('b1', 'buy', 1000, 7);
        assert.deepEqual(trades(h.events).map((t) => [t.makerOrderId, t.price, t.amount]), [[c.order.id, 999, 3], [a.order.id, 1000, 3], [b.order.id, 1000, 1]]);
        const view = (await h.b.openOrder(b.order.id))!;
        assert.deepEqual([view.status, view.filled], ['partially_filled', 1]);
        assert.deepEqual((await h.b.openOrders('s2')).map((o) => o.id), [b.order.id]);
      });

      it('a trade at the maker price refunds a buy the difference; fees on what each side receives, rounded up', async (h) => {
        await h.deposit('s1', 'IDX', 1_000);
        await h.deposit('b1', 'USDC', 1_000_000);
        await h.limit('s1', 'sell', 10_000, 10);
        const res = await h.limit('b1', 'buy', 10_100, 10);
        assert.deepEqual(res.fills, [{ tradeId: 1, price: 10_000, amount: 10, quote: 500_000, venue: 'book', fee: 1, feeAsset: 'IDX', liquidity: 'taker' }]);
        assert.deepEqual(await h.bal('b1', 'USDC'), { available: 500_000, locked: 0 });
        assert.deepEqual(await h.bal('s1', 'USDC'), { available: 499_500, locked: 0 });
        assert.deepEqual(await h.b.balances('fees'), { BTC: { available: 0, locked: 0 }, IDX: { available: 1, locked: 0 }, USDC: { available: 500, locked: 0 } });
        await h.limit('b1', 'buy', 10_001, 3);
        await h.deposit('s2', 'IDX', 1000);
        const sold = await h.limit('s2', 'sell', 10_001, 3);
        const t = trades(h.events)[0];
        assert.deepEqual([t.quote, t.takerFee, t.makerFee, sold.fills[0].feeAsset], [150_015, 376, 1, 'USDC']);
      });

      it('quoteAmount: spends at most the budget; dust end is filled; below one lot ioc_remainder; beyond funds insufficient_balance', async (h) => {
        await h.deposit('s1', 'IDX', 1_000);
        await h.deposit('b1', 'USDC', 1_000_000);
        await h.limit('s1', 'sell', 1000, 5);
        await h.limit('s1', 'sell', 2000, 5);
        const res = await h.market('b1', 'buy', { quoteAmount: 47_000 });
        assert.deepEqual([res.order.status, res.order.amount, res.order.filled, res.order.quoteAmount], ['filled', 7, 7, 47_000]);
        assert.deepEqual(res.fills.map((f) => [f.price, f.amount, f.quote]), [[1000, 5, 25_000], [2000, 2, 20_000]]);
        const dust = await h.market('b1', 'buy', { quoteAmount: 9_999 });
        assert.deepEqual([dust.order.status, dust.order.cancelReason, dust.order.amount], ['cancelled', 'ioc_remainder', 0]);
        await h.limit('s1', 'sell', 3000, 5);
        await h.deposit('b2', 'USDC', 30_000);
        const poor = await h.market('b2', 'buy', { quoteAmount: 1_000_000 });
        assert.deepEqual([poor.order.cancelReason, poor.order.filled], ['insufficient_balance', 3]);
      });
    });

    describe('validation, cancels, funding', () => {
      it('codes: INVALID_PRICE, INVALID_AMOUNT, UNKNOWN_PAIR, VALIDATION_ERROR, minNotional; nothing changes', async (h) => {
        await funded(h);
        const cases: Array<[Record<string, unknown>, string]> = [
          [{ price: 1000.5, amount: 1 }, 'INVALID_PRICE'],
          [{ price: 0, amount: 1 }, 'INVALID_PRICE'],
          [{ price: 1000, amount: 1.5 }, 'INVALID_AMOUNT'],
          [{ price: 2 ** 40, amount: 2 ** 20 }, 'INVALID_AMOUNT'],
          [{ pair: 'DOGE-USDC', price: 1000, amount: 1 }, 'UNKNOWN_PAIR'],
          [{ side: 'hold', price: 1000, amount: 1 }, 'VALIDATION_ERROR'],
          [{ timeInForce: 'IOC', postOnly: true, price: 1000, amount: 1 }, 'VALIDATION_ERROR'],
          [{ orderType: 'market', quoteAmount: 5, timeInForce: 'FOK' }, 'VALIDATION_ERROR'],
          [{ userId: '', price: 1000, amount: 1 }, 'VALIDATION_ERROR'],
          [{ pair: BTC, price: 4000, amount: 19 }, 'INVALID_AMOUNT'],
        ];
        for (const [fields, expected] of cases) {
          await h.unchanged(async () => assert.equal(code(await h.run({ type: 'placeOrder', userId: 'b1', pair: IDX, side: 'buy', orderType: 'limit', ...fields })), expected, JSON.stringify(fields)));
        }
        assert.equal((await h.limit('b1', 'buy', 4000, 20, {}, BTC)).order.status, 'open', 'exactly minNotional');
      });

      it('duplicate clientOrderId while the first is open, across markets; free again once closed; per user', async (h) => {
        await funded(h);
        const first = await h.limit('b1', 'buy', 900, 1, { clientOrderId: 'x' });
        await h.unchanged(async () => assert.equal(code(await h.place('b1', BTC, 'buy', { price: 4000, amount: 20, clientOrderId: 'x' })), 'DUPLICATE_CLIENT_ORDER_ID'));
        assert.equal((await h.limit('b2', 'buy', 900, 1, { clientOrderId: 'x' })).order.clientOrderId, 'x');
        ok(await h.cancel('b1', first.order.id));
        const again = await h.limit('b1', 'buy', 900, 1, { clientOrderId: 'x' });
        await h.limit('s1', 'sell', 900, 2);
        assert.equal(await h.b.openOrder(again.order.id), null);
        assert.equal((await h.limit('b1', 'buy', 800, 1, { clientOrderId: 'x' })).order.status, 'open');
      });

      it("cancels: someone else's, unknown or closed is NOT_FOUND; cancelAll oldest first, per market or all", async (h) => {
        await funded(h);
        const a = await h.limit('b1', 'buy', 900, 1);
        await h.unchanged(async () => assert.equal(code(await h.cancel('b2', a.order.id)), 'NOT_FOUND'));
        await h.unchanged(async () => assert.equal(code(await h.cancel('b1', 999_999)), 'NOT_FOUND'));
        const b = await h.limit('b1', 'buy', 4000, 20, {}, BTC);
        const c = await h.limit('b1', 'sell', 2000, 1);
        const d = await h.limit('b1', 'buy', 901, 1);
        const other = await h.limit('b2', 'buy', 902, 1);
        assert.deepEqual(ok(await h.cancelAll('b1', IDX)).cancelled, [a.order.id, c.order.id, d.order.id]);
        assert.deepEqual(h.events.filter((e) => e.type === 'orderUpdated').map((e) => e.type === 'orderUpdated' && e.order.id), [a.order.id, c.order.id, d.order.id]);
        await h.unchanged(async () => assert.equal(code(await h.cancel('b1', a.order.id)), 'NOT_FOUND'));
        assert.deepEqual(ok(await h.cancelAll('b1', null)).cancelled, [b.order.id]);
        assert.ok((await h.b.openOrder(other.order.id)) !== null);
        await h.unchanged(async () => assert.deepEqual(ok(await h.cancelAll('b1', null)).cancelled, []));
        await h.unchanged(async () => assert.equal(code(await h.cancelAll('b1', 'DOGE-USDC')), 'UNKNOWN_PAIR'));
      });

      it('cancelByClientOrderId: cancels the caller\'s open order with that id as cancelOrder does; the id is free again', async (h) => {
        await funded(h);
        await h.limit('s1', 'sell', 1000, 4);
        const placed = await h.limit('b1', 'buy', 1000, 10, { clientOrderId: 'x' });
        const open = (await h.b.openOrder(placed.order.id))!;
        assert.equal(open.status, 'partially_filled');
        const res = ok(await h.cancelByCid('b1', 'x'));
        assert.deepEqual(res.order, { ...open, status: 'cancelled', cancelReason: 'user' });
        assert.deepEqual(h.events.find((e) => e.type === 'orderUpdated'), { type: 'orderUpdated', order: res.order });
        assert.deepEqual(h.events.find((e) => e.type === 'book'), { type: 'book', pair: IDX, seq: 3, bids: [[1000, 0]], asks: [] });
        assert.deepEqual((await h.bal('b1', 'USDC')).locked, 0);
        assert.equal(await h.b.openOrder(placed.order.id), null);
        await h.unchanged(async () => assert.equal(code(await h.cancelByCid('b1', 'x')), 'NOT_FOUND'));
        const again = await h.limit('b1', 'buy', 4000, 20, { clientOrderId: 'x' }, BTC);
        assert.equal(again.order.status, 'open');
        assert.equal(ok(await h.cancelByCid('b1', 'x')).order.id, again.order.id);
      });

      it("cancelByClientOrderId: NOT_FOUND for someone else's, unknown, filled or cancelled ids, VALIDATION_ERROR for one that is not id text; nothing changes", async (h) => {
        await funded(h);
        const theirs = await h.limit('b2', 'buy', 900, 1, { clientOrderId: 'theirs' });
        await h.limit('b1', 'buy', 1000, 2, { clientOrderId: 'filled' });
        await h.limit('s1', 'sell', 1000, 2);
        const cancelled = await h.limit('b1', 'buy', 900, 1, { clientOrderId: 'cancelled' });
        ok(await h.cancel('b1', cancelled.order.id));
        assert.equal((await h.limit('b1', 'buy', 800, 1, { clientOrderId: 'ioc', timeInForce: 'IOC' })).order.cancelReason, 'ioc_remainder');
        // a user named with U+FFFD: a lone surrogate would reach Redis as that same character
        await h.deposit('b\uFFFD', 'USDC', 1_000_000);
        await h.limit('b\uFFFD', 'buy', 900, 1, { clientOrderId: 'c\uFFFD' });
        const notFound = { ok: false, code: 'NOT_FOUND', message: 'no open order with this clientOrderId' };
        const cases: Array<[unknown, unknown]> = [
          ['b1', 'theirs'], ['b1', 'unknown'], ['b1', 'filled'], ['b1', 'cancelled'], ['b1', 'ioc'], ['b1', 'the'],
          ['b', '2theirs'], ['b\uD800', 'c\uFFFD'], ['b2', 'x'.repeat(65)], ['', 'theirs'], [42, 'theirs'], [null, 'theirs'],
        ];
        for (const [userId, clientOrderId] of cases) {
          await h.unchanged(async () => assert.deepEqual(await h.cancelByCid(userId, clientOrderId), notFound, JSON.stringify([userId, clientOrderId])));
        }
        // a lone surrogate would reach Redis as U+FFFD, another order's id: malformed, like the journal's codec says
        const malformed = { ok: false, code: 'VALIDATION_ERROR', message: 'clientOrderId must be a non-empty string of well-formed text' };
        for (const clientOrderId of ['c\uD800', 'theirs\uD800', '', 42, null, ['theirs']]) {
          await h.unchanged(async () => assert.deepEqual(await h.cancelByCid('b2', clientOrderId), malformed, JSON.stringify(clientOrderId)));
        }
        await h.unchanged(async () => assert.deepEqual(await h.cancelByCid('b\uFFFD', 'c\uD800'), malformed));
        assert.equal((await h.b.openOrder(theirs.order.id))?.status, 'open');
        assert.equal((await h.b.openOrders('b\uFFFD')).length, 1);
      });

      it('a user id with a lone surrogate acts on nobody, not on the user named with U+FFFD (what UTF-8 would make of it)', async (h) => {
        await h.deposit('u\uFFFD', 'USDC', 1_000_000);
        const placed = await h.limit('u\uFFFD', 'buy', 900, 1);
        const lone = 'u\uD800';
        await h.unchanged(async () => assert.equal(code(await h.cancel(lone, placed.order.id)), 'NOT_FOUND'));
        await h.unchanged(async () => assert.deepEqual(ok(await h.cancelAll(lone, null)).cancelled, []));
        await h.unchanged(async () => assert.equal(code(await h.withdraw(lone, 'USDC', 1)), 'INSUFFICIENT_BALANCE'));
        await h.unchanged(async () => assert.equal(code(await h.deposit(lone, 'USDC', 1)), 'VALIDATION_ERROR'));
        assert.equal((await h.b.openOrder(placed.order.id))?.status, 'open');
      });

      it('cancelByClientOrderId sent together with placements (one hooats_batch on Redis) runs in order', async (h) => {
        await funded(h);
        const run = (cmd: Cmd) => h.b.execute({ time: ++h.time, ...cmd } as unknown as Command);
        const place = (cid: string): Cmd => ({ type: 'placeOrder', userId: 'b1', pair: IDX, side: 'buy', orderType: 'limit', price: 900, amount: 1, clientOrderId: cid });
        const cancel: Cmd = { type: 'cancelByClientOrderId', userId: 'b1', clientOrderId: 'p' };
        const replies = await Promise.all([place('p'), cancel, cancel, place('p'), place('q'), cancel].map(run));
        assert.deepEqual(replies.map((r) => (r.result.ok ? 'order' in r.result && r.result.order.status : r.result.code)), ['open', 'cancelled', 'NOT_FOUND', 'open', 'open', 'cancelled']);
        assert.deepEqual((await h.b.openOrders('b1')).map((o) => o.clientOrderId), ['q']);
      });

      it('deposits and withdrawals: only what is available; supply capped at 2^53 - 1', async (h) => {
        await h.deposit('u', 'USDC', 100_000);
        await h.limit('u', 'buy', 1000, 10);
        await h.unchanged(async () => assert.equal(code(await h.withdraw('u', 'USDC', 50_001)), 'INSUFFICIENT_BALANCE'));
        await h.unchanged(async () => assert.equal(code(await h.withdraw('nobody', 'USDC', 1)), 'INSUFFICIENT_BALANCE'));
        assert.deepEqual(ok(await h.withdraw('u', 'USDC', 50_000)), { ok: true, available: 0, locked: 50_000 });
        assert.equal((await h.b.supply()).USDC, 50_000);
        assert.deepEqual(ok(await h.deposit('a', 'IDX', MAX - 5)), { ok: true, available: MAX - 5, locked: 0 });
        await h.unchanged(async () => assert.equal(code(await h.deposit('b', 'IDX', 6)), 'INVALID_AMOUNT'));
        ok(await h.deposit('b', 'IDX', 5));
        assert.equal((await h.b.supply()).IDX, MAX);
        for (const amount of [0, -1, 1.5, Number.NaN]) await h.unchanged(async () => assert.equal(code(await h.deposit('a', 'BTC', amount)), 'INVALID_AMOUNT'));
        await h.unchanged(async () => assert.equal(code(await h.deposit('a', 'DOGE', 1)), 'VALIDATION_ERROR'));
        assert.deepEqual(h.events.length, 0);
        assert.deepEqual(await h.b.userIds(), ['fees', 'u', 'a', 'b']);
      });

      it('book events: one per changed market and command, seq rising by 1, each level once with its new total', async (h) => {
        await funded(h);
        await h.limit('s1', 'sell', 1000, 5);
        await h.limit('s2', 'sell', 1000, 5);
        await h.limit('s3', 'sell', 1001, 5);
        await h.limit('b1', 'buy', 1001, 12);
        const book = h.events.filter((e) => e.type === 'book');
        assert.equal(book.length, 1);
        assert.ok(book[0].type === 'book');
        assert.deepEqual([book[0].seq, book[0].asks, book[0].bids], [4, [[1000, 0], [1001, 3]], []]);
        await h.limit('b1', 'buy', 1002, 5);
        const rest = h.events.find((e) => e.type === 'book');
        assert.ok(rest?.type === 'book');
        assert.deepEqual([rest.seq, rest.bids, rest.asks], [5, [[1002, 2]], [[1001, 0]]]);
        assert.equal((await h.depth()).seq, 5);
        assert.equal((await h.depth(BTC)).seq, 0);
      });
    });

    describe('AMM routing', () => {
      // tick 0.01, lot 0.001, IDX 6 decimals, USDC 7: 1 lot = 1000 IDX atoms, 1 tick × 1 lot = 100 USDC atoms
      const pooled = marketsOf(WIDE_SCALES, { baseReserve: 1_000_000_000n, quoteReserve: 1_000_000_000_000n, feeBps: 30 });
      const spec: MarketSpec = buildCatalogue(pooled).markets[0];
      const pit = (name: string, fn: (h: H) => Promise<void>): void => it(name, async (h) => {
        await h.deposit('mk', 'IDX', 1_000_000_000_000);
        await h.deposit('mk', 'USDC', 100_000_000_000_000);
        await fn(h);
      }, pooled);

      pit('a market buy takes a better level, then the pool to the next level, then the level, then the pool: one swap', async (h) => {
        await h.limit('mk', 'sell', 10010, 200);
        await h.limit('mk', 'sell', 10100, 300);
        await h.deposit('t', 'USDC', 10_000_000_000_000);
        const start = await h.pool();
        const res = await h.market('t', 'buy', { amount: 20_000 });
        assert.deepEqual(res.fills.map((f) => f.venue), ['book', 'amm', 'book', 'amm']);
        assert.deepEqual(res.route, { book: 500, amm: 19_500 });
        assert.deepEqual(await h.pool(), afterBuy(spec, start, 19_500));
        assert.equal(BigInt(totals(res.fills).ammQuote), poolBuyCost(spec, start, 19_500));
        const pool = h.events.find((e) => e.type === 'pool');
        assert.ok(pool?.type === 'pool');
        assert.deepEqual([BigInt(pool.baseReserve), BigInt(pool.quoteReserve)], [afterBuy(spec, start, 19_500)!.baseReserve, afterBuy(spec, start, 19_500)!.quoteReserve]);
      });

      pit('a market sell routes to the pool at V2 prices; fees on what the taker receives', async (h) => {
        await h.deposit('t', 'IDX', 100_000_000);
        const start = await h.pool();
        const res = await h.market('t', 'sell', { amount: 5_000 });
        assert.deepEqual(res.route, { book: 0, amm: 5_000 });
        const proceeds = poolSellProceeds(spec, start, 5_000);
        assert.equal(BigInt(res.fills[0].quote), proceeds);
        assert.deepEqual(await h.pool(), afterSell(spec, start, 5_000));
        assert.equal(res.fills[0].fee, Math.ceil((Number(proceeds) * 25) / 10_000));
        assert.equal((await h.bal('t', 'USDC')).available, Number(proceeds) - res.fills[0].fee);
      });

      pit('a limit buy uses the pool up to its limit and rests the rest; post-only refuses what the pool would fill', async (h) => {
        await h.deposit('t', 'USDC', 10_000_000_000_000);
        const start = await h.pool();
        const res = await h.limit('t', 'buy', 10050, 10_000);
        const lots = res.route.amm;
        assert.ok(lots > 0 && swapAskAtMost(spec, start, lots, 10050) && !swapAskAtMost(spec, start, lots + 1, 10050));
        assert.equal(res.order.status, 'partially_filled');
        assert.deepEqual((await h.depth()).bids, [[10050, 10_000 - lots]]);
        assert.equal((await h.limit('t', 'buy', 10060, 1, { postOnly: true })).order.cancelReason, 'post_only_would_take');
        assert.equal((await h.limit('t', 'buy', 10040, 1, { postOnly: true })).order.status, 'open');
      });

      pit('FOK over the pool: fills when book + pool suffice within the limit, else changes nothing', async (h) => {
        await h.deposit('t', 'USDC', 10_000_000_000_000);
        const fails = await h.limit('t', 'buy', 10035, 1_000_000, { timeInForce: 'FOK' });
        assert.equal(fails.order.cancelReason, 'fok_not_fillable');
        assert.ok(!h.events.some((e) => e.type === 'pool'));
        const fills = await h.limit('t', 'buy', 10100, 100, { timeInForce: 'FOK' });
        assert.deepEqual([fills.order.status, fills.route.amm], ['filled', 100]);
      });

      pit('quote-sized buy on the pool spends at most its budget; liquidity commands move reserves and supply', async (h) => {
        await h.deposit('t', 'USDC', 10_000_000_000_000);
        const res = await h.market('t', 'buy', { quoteAmount: 123_456_789 });
        assert.ok(totals(res.fills).quote <= 123_456_789);
        assert.equal(res.order.status, 'filled');
        const before = await h.b.supply();
        const added = ok(await h.run({ type: 'addLiquidity', pair: IDX, baseAmount: 5_000_000, quoteAmount: 700_000_000 }));
        const pool = await h.pool();
        assert.deepEqual(added.pool, { baseReserve: Number(pool.baseReserve), quoteReserve: Number(pool.quoteReserve) });
        assert.equal((await h.b.supply()).IDX, before.IDX + 5_000_000);
        await h.unchanged(async () => assert.equal(code(await h.run({ type: 'removeLiquidity', pair: IDX, baseAmount: Number(pool.baseReserve), quoteAmount: 0 })), 'INSUFFICIENT_BALANCE'));
        await h.unchanged(async () => assert.equal(code(await h.run({ type: 'addLiquidity', pair: 'IDX-ANCA', baseAmount: 1, quoteAmount: 1 })), 'VALIDATION_ERROR'));
        await h.unchanged(async () => assert.equal(code(await h.run({ type: 'addLiquidity', pair: IDX, baseAmount: 0, quoteAmount: 0 })), 'INVALID_AMOUNT'));
        ok(await h.run({ type: 'removeLiquidity', pair: IDX, baseAmount: 0, quoteAmount: 100_000_000 }));
        assert.equal(h.events.length, 1);
        assert.equal(h.events[0].type, 'pool');
      });
    });
  });
}
