/**
 * A seeded generator of exchange commands for the differential test: many users, deposits and
 * withdrawals, every order kind and option, cancels of live, dead and foreign ids, cancelAll, and a
 * share of invalid commands. It watches results (order ids and owners) to aim cancels, but never the
 * engine's internals, so the same stream drives the engine and the reference alike.
 */
import type { Command, PlaceOrderCommand, SelfTradePrevention } from '../../src/engine/commands.js';
import type { CommandResult } from '../../src/engine/events.js';
import type { Rng } from './prng.js';

interface MarketShape {
  pair: string;
  base: string;
  mid: number;
  /** how far the mid wanders from its start */
  wander: number;
  maxLots: number;
  /** quote atoms of 1 tick × 1 lot */
  qPerTickLot: number;
}

const SHAPES: MarketShape[] = [
  { pair: 'IDX-USDC', base: 'IDX', mid: 10_000, wander: 300, maxLots: 400, qPerTickLot: 5 },
  { pair: 'BTC-USDC', base: 'BTC', mid: 4_000, wander: 120, maxLots: 200, qPerTickLot: 125 },
];

const STPS: Array<SelfTradePrevention | undefined> = [undefined, undefined, 'cancel_maker', 'cancel_taker', 'cancel_both'];

export class CommandStream {
  private time = 1_700_000_000_000;
  private readonly users: string[];
  private readonly mids: number[];
  /** ids of orders placed (accepted), newest last, with their owners */
  private readonly placed: number[] = [];
  private readonly owner = new Map<number, string>();
  private maxId = 0;
  /** [userId, clientOrderId] of accepted orders that had one, newest last */
  private readonly clientIds: Array<[string, string]> = [];

  constructor(
    private readonly rng: Rng,
    userCount: number,
  ) {
    this.users = Array.from({ length: userCount }, (_, i) => `u${i}`);
    this.mids = SHAPES.map((s) => s.mid);
  }

  /** Initial funding, one deposit per user and asset. */
  funding(): Command[] {
    const r = this.rng;
    const out: Command[] = [];
    for (const userId of this.users) {
      out.push(this.deposit(userId, 'USDC', r.range(50_000_000, 5_000_000_000)));
      out.push(this.deposit(userId, 'IDX', r.range(5_000, 2_000_000)));
      out.push(this.deposit(userId, 'BTC', r.range(10_000, 2_000_000)));
    }
    return out;
  }

  /** Tells the stream what happened, so later cancels can aim at real ids. */
  observe(cmd: Command, result: CommandResult): void {
    if (cmd.type === 'placeOrder' && result.ok && 'order' in result) {
      const id = result.order.id;
      this.placed.push(id);
      this.owner.set(id, cmd.userId);
      if (id > this.maxId) this.maxId = id;
      if (cmd.clientOrderId !== undefined) this.clientIds.push([cmd.userId, cmd.clientOrderId]);
    }
  }

  next(): Command {
    const r = this.rng;
    this.time += r.int(3);
    for (let i = 0; i < this.mids.length; i++) {
      const s = SHAPES[i];
      this.mids[i] += r.range(-2, 2);
      if (this.mids[i] > s.mid + s.wander) this.mids[i] -= 3;
      if (this.mids[i] < s.mid - s.wander) this.mids[i] += 3;
    }
    const roll = r.int(1000);
    if (roll < 70) return this.randomDeposit();
    if (roll < 100) return this.randomWithdraw();
    if (roll < 200) return this.randomCancel();
    if (roll < 230) return this.randomCancelByClientId();
    if (roll < 245) return this.randomCancelAll();
    if (roll < 300) return this.invalid();
    return this.randomOrder();
  }

  private user(): string {
    return this.rng.pick(this.users);
  }

  private deposit(userId: string, asset: string, amount: number): Command {
    return { type: 'deposit', time: this.time, userId, asset, amount };
  }

  private randomDeposit(): Command {
    const r = this.rng;
    const asset = r.pick(['USDC', 'USDC', 'IDX', 'BTC']);
    const amount = asset === 'USDC' ? r.range(1_000_000, 2_000_000_000) : r.range(100, 500_000);
    return this.deposit(this.user(), asset, amount);
  }

  private randomWithdraw(): Command {
    const r = this.rng;
    const asset = r.pick(['USDC', 'IDX', 'BTC']);
    const amount = asset === 'USDC' ? r.range(1, 3_000_000_000) : r.range(1, 3_000_000);
    return { type: 'withdraw', time: this.time, userId: this.user(), asset, amount };
  }

  private randomCancel(): Command {
    const r = this.rng;
    let orderId: number;
    let userId: string;
    const roll = r.int(10);
    if (roll < 6 && this.placed.length > 0) {
      // recent: mostly still open, some filled or cancelled already
      orderId = this.placed[Math.max(0, this.placed.length - 1 - r.int(150))];
      userId = this.owner.get(orderId)!;
    } else if (roll < 8 && this.placed.length > 0) {
      orderId = r.pick(this.placed);
      userId = r.chance(0.5) ? this.owner.get(orderId)! : this.user();
    } else {
      orderId = r.chance(0.5) ? this.maxId + 1 + r.int(5) : r.range(-1, this.maxId + 10);
      userId = this.user();
    }
    return { type: 'cancelOrder', time: this.time, userId, orderId };
  }

  private randomCancelByClientId(): Command {
    const r = this.rng;
    let userId = this.user();
    let clientOrderId = `c${r.int(6)}`;
    if (r.chance(0.7) && this.clientIds.length > 0) {
      // recent: often still open; sometimes closed, or (the id is reusable) open again as another order
      [userId, clientOrderId] = this.clientIds[Math.max(0, this.clientIds.length - 1 - r.int(60))];
      if (r.chance(0.1)) userId = this.user();
    }
    return { type: 'cancelByClientOrderId', time: this.time, userId, clientOrderId };
  }

  private randomCancelAll(): Command {
    const r = this.rng;
    const pair = r.pick([null, 'IDX-USDC', 'BTC-USDC', null, 'NOPE-USDC']);
    return { type: 'cancelAll', time: this.time, userId: this.user(), pair };
  }

  /** A limit price around the market's mid: mostly passive, sometimes crossing. */
  private limitPrice(m: number, side: 'buy' | 'sell'): number {
    const r = this.rng;
    const mid = this.mids[m];
    const offset = r.chance(0.25) ? -r.int(15) : r.int(60) + (r.chance(0.3) ? r.int(200) : 0);
    const price = side === 'buy' ? mid - 1 - offset : mid + 1 + offset;
    return Math.max(1, price);
  }

  private lots(m: number): number {
    const r = this.rng;
    const max = SHAPES[m].maxLots;
    return r.chance(0.1) ? r.range(max, max * 10) : r.range(1, max);
  }

  private randomOrder(): Command {
    const r = this.rng;
    const m = r.int(SHAPES.length);
    const shape = SHAPES[m];
    const side: 'buy' | 'sell' = r.chance(0.5) ? 'buy' : 'sell';
    const userId = this.user();
    const options: Partial<Mutable<PlaceOrderCommand>> = {};
    const stp = r.pick(STPS);
    if (stp !== undefined) options.selfTradePrevention = stp;
    if (r.chance(0.25)) options.clientOrderId = `c${r.int(6)}`;
    if (r.chance(0.2)) options.maxSlippageBps = r.pick([0, 1, 5, 10, 25, 50, 100, 500, 10_000]);
    const base = { type: 'placeOrder' as const, time: this.time, userId, pair: shape.pair, side };
    const kind = r.int(100);
    if (kind < 50) {
      const tif = r.chance(0.3) ? 'GTC' : undefined;
      const postOnly = r.chance(0.15) ? true : undefined;
      return { ...base, orderType: 'limit', price: this.limitPrice(m, side), amount: this.lots(m), ...options, ...(tif ? { timeInForce: tif } : {}), ...(postOnly ? { postOnly } : {}) };
    }
    if (kind < 62) return { ...base, orderType: 'limit', timeInForce: 'IOC', price: this.limitPrice(m, side), amount: this.lots(m), ...options };
    if (kind < 72) return { ...base, orderType: 'limit', timeInForce: 'FOK', price: this.limitPrice(m, side), amount: this.lots(m), ...options };
    if (kind < 87) {
      const tif = r.pick([undefined, 'IOC', 'FOK'] as const);
      return { ...base, orderType: 'market', amount: this.lots(m), ...options, ...(tif ? { timeInForce: tif } : {}) };
    }
    // market buy sized by what it spends; sometimes an exact multiple of a lot's cost, to hit the dust edge
    const mid = this.mids[m];
    let quoteAmount: number;
    const q = r.int(4);
    if (q === 0) quoteAmount = r.range(1, shape.qPerTickLot * 3);
    else if (q === 1) quoteAmount = (mid + r.range(-3, 3)) * shape.qPerTickLot * r.range(1, 60);
    else quoteAmount = r.range(1, mid * shape.qPerTickLot * shape.maxLots * 2);
    return { ...base, side: 'buy', orderType: 'market', quoteAmount, ...options, ...(r.chance(0.3) ? { timeInForce: 'IOC' as const } : {}) };
  }

  /** Commands that must be rejected (mostly) or that probe a boundary. */
  private invalid(): Command {
    const r = this.rng;
    const userId = this.user();
    const m = r.int(SHAPES.length);
    const pair = SHAPES[m].pair;
    const t = this.time;
    const limit = { type: 'placeOrder' as const, time: t, userId, pair, side: 'buy' as const, orderType: 'limit' as const, price: this.mids[m], amount: 10 };
    const cases: Array<() => unknown> = [
      () => ({ ...limit, price: this.mids[m] + 0.5 }),
      () => ({ ...limit, price: 0 }),
      () => ({ ...limit, price: -5 }),
      () => ({ ...limit, price: Number.NaN }),
      () => ({ ...limit, price: undefined }),
      () => ({ ...limit, amount: 0 }),
      () => ({ ...limit, amount: 2.5 }),
      () => ({ ...limit, amount: -1 }),
      () => ({ ...limit, pair: 'NOPE-USDC' }),
      () => ({ ...limit, pair: 'usdc-idx' }),
      () => ({ ...limit, price: 1_000_000_000_000, amount: 1_000_000_000 }),
      () => ({ ...limit, price: 9_007_199_254_740_991, amount: 1 }),
      () => ({ ...limit, side: 'hold' }),
      () => ({ ...limit, orderType: 'stop' }),
      () => ({ ...limit, timeInForce: 'GTD' }),
      () => ({ ...limit, timeInForce: 'IOC', postOnly: true }),
      () => ({ ...limit, postOnly: 'yes' }),
      () => ({ ...limit, selfTradePrevention: 'cancel_newest' }),
      () => ({ ...limit, maxSlippageBps: 20_000 }),
      () => ({ ...limit, maxSlippageBps: -1 }),
      () => ({ ...limit, maxSlippageBps: 1.5 }),
      () => ({ ...limit, clientOrderId: '' }),
      () => ({ ...limit, clientOrderId: 'x'.repeat(65) }),
      () => ({ ...limit, clientOrderId: 'x'.repeat(64) }),
      () => ({ ...limit, quoteAmount: 100 }),
      () => ({ ...limit, userId: '' }),
      // small orders: below BTC-USDC's minNotional, fine on IDX-USDC
      () => ({ ...limit, amount: 1, price: r.range(1, 100) }),
      // far more than anyone holds
      () => ({ ...limit, amount: 1_000_000_000 }),
      () => ({ ...limit, side: 'sell', amount: 1_000_000_000, price: this.mids[m] * 3 }),
      () => ({ ...limit, orderType: 'market', price: undefined, amount: undefined, quoteAmount: undefined }),
      () => ({ ...limit, orderType: 'market' }),
      () => ({ ...limit, orderType: 'market', price: undefined, quoteAmount: 1000 }),
      () => ({ ...limit, orderType: 'market', price: undefined, amount: undefined, quoteAmount: 1000, side: 'sell' }),
      () => ({ ...limit, orderType: 'market', price: undefined, amount: undefined, quoteAmount: 1000, timeInForce: 'FOK' }),
      () => ({ ...limit, orderType: 'market', price: undefined, amount: undefined, quoteAmount: 0 }),
      () => ({ ...limit, orderType: 'market', price: undefined, timeInForce: 'GTC' }),
      () => ({ ...limit, orderType: 'market', price: undefined, amount: 0 }),
      () => ({ ...limit, orderType: 'market', price: undefined, amount: Number.MAX_SAFE_INTEGER }),
      () => ({ type: 'deposit', time: t, userId, asset: 'DOGE', amount: 100 }),
      () => ({ type: 'deposit', time: t, userId, asset: 'USDC', amount: 0 }),
      () => ({ type: 'deposit', time: t, userId, asset: 'USDC', amount: -10 }),
      () => ({ type: 'deposit', time: t, userId, asset: 'USDC', amount: 1.5 }),
      () => ({ type: 'deposit', time: t, userId: '', asset: 'USDC', amount: 10 }),
      () => ({ type: 'deposit', time: t, userId, asset: 'IDX', amount: Number.MAX_SAFE_INTEGER }),
      () => ({ type: 'withdraw', time: t, userId, asset: 'DOGE', amount: 1 }),
      () => ({ type: 'withdraw', time: t, userId, asset: 'BTC', amount: 0 }),
      () => ({ type: 'withdraw', time: t, userId: 'nobody', asset: 'BTC', amount: 1 }),
      () => ({ type: 'withdraw', time: t, userId, asset: 'USDC', amount: Number.MAX_SAFE_INTEGER }),
      // a fraction off a recent, likely open id: must name no order, not the one it truncates to
      () => {
        const id = this.placed.at(-1) ?? 1;
        return { type: 'cancelOrder', time: t, userId: this.owner.get(id) ?? userId, orderId: id + 0.5 };
      },
      // a newcomer's market order: no funds at all
      () => ({ type: 'placeOrder', time: t, userId: `new${r.int(40)}`, pair, side: r.pick(['buy', 'sell']), orderType: 'market', amount: 5 }),
    ];
    return r.pick(cases)() as Command;
  }
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
