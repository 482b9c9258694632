/**
 * The random order stream: many users placing limit orders around the current mid (mostly resting a few
 * ticks away, some priced through it so they trade), market orders that take from the book and the AMM,
 * and cancels of their own resting orders. Each user keeps at most `maxOpenPerUser` orders it knows to
 * be resting — at the cap its next action is a cancel — so the book stays bounded however long it runs.
 * A resting order may be filled by someone else before its cancel arrives; that cancel answers 404 and is
 * counted as a cancel miss, not an error.
 */
import type { MarketGrid } from './grid.js';
import { Prng } from './prng.js';

export interface OrderBody {
  readonly pair: string;
  readonly side: 'buy' | 'sell';
  readonly type: 'limit' | 'market';
  readonly amount: string;
  readonly price?: string;
  readonly timeInForce?: 'GTC' | 'IOC';
}

export type OpKind = 'limit' | 'market' | 'cancel';

export type Op =
  | { readonly kind: 'limit' | 'market'; readonly user: number; readonly body: OrderBody }
  | { readonly kind: 'cancel'; readonly user: number; readonly orderId: string };

/** What a transport learnt about an order from its answer. */
export interface OrderState {
  readonly id: string;
  readonly status: string;
}

export interface OrderMix {
  readonly limit: number;
  readonly market: number;
  readonly cancel: number;
}

export interface FlowOptions {
  readonly grid: MarketGrid;
  readonly users: number;
  readonly seed: number;
  /** relative weights */
  readonly mix: OrderMix;
  /** resting limit orders go 1..levels ticks away from the mid */
  readonly levels: number;
  /** share of limit orders priced through the mid (they trade) */
  readonly crossShare: number;
  readonly maxOpenPerUser: number;
  /** order sizes in BASE, uniform in [minAmount, maxAmount], on the lot grid */
  readonly minAmount: number;
  readonly maxAmount: number;
  /** which user sends request i; default random (the batch transport wants runs of one user) */
  readonly userOf?: (index: number) => number;
}

export const DEFAULT_MIX: OrderMix = Object.freeze({ limit: 60, market: 15, cancel: 25 });

export class OrderFlow {
  private readonly rng: Prng;
  private readonly open: string[][];
  private midTicks: number;
  private openCount = 0;

  constructor(private readonly o: FlowOptions, initialMidTicks: number) {
    if (o.users < 1) throw new RangeError('at least one user');
    this.rng = new Prng(o.seed);
    this.open = Array.from({ length: o.users }, () => []);
    this.midTicks = Math.max(2, Math.round(initialMidTicks));
  }

  get mid(): number {
    return this.midTicks;
  }

  setMid(ticks: number): void {
    if (Number.isFinite(ticks) && ticks >= 1) this.midTicks = Math.max(2, Math.round(ticks));
  }

  /** orders this generator believes are resting (some may have been filled since) */
  get trackedOpen(): number {
    return this.openCount;
  }

  next(index: number): Op {
    const user = this.o.userOf === undefined ? this.rng.int(0, this.o.users - 1) : this.o.userOf(index) % this.o.users;
    const mine = this.open[user];
    const { limit, market, cancel } = this.o.mix;
    const roll = this.rng.next() * (limit + market + cancel);
    const wantsCancel = roll >= limit + market;
    if (mine.length > 0 && (wantsCancel || mine.length >= this.o.maxOpenPerUser)) {
      this.openCount--;
      // oldest first: it is the one most likely still resting far from the mid
      return { kind: 'cancel', user, orderId: mine.shift()! };
    }
    if (roll >= limit && roll < limit + market) return this.marketOrder(user);
    return this.limitOrder(user);
  }

  /** Learns from an answer which orders now rest. */
  observe(op: Op, ok: boolean, order: OrderState | undefined): void {
    if (!ok || op.kind !== 'limit' || order === undefined) return;
    if (order.status === 'open' || order.status === 'partially_filled') {
      this.open[op.user].push(order.id);
      this.openCount++;
    }
  }

  private side(): 'buy' | 'sell' {
    return this.rng.chance(0.5) ? 'buy' : 'sell';
  }

  /** a size in lots in [minAmount, maxAmount × share], at or above the market's minimum notional */
  private amountLots(priceTicks: number, share = 1): number {
    const { grid } = this.o;
    const lot = grid.amount.step;
    let lo = Math.max(1, grid.amount.ceil(this.o.minAmount));
    const hi = Math.max(lo, Math.floor((this.o.maxAmount * share) / lot));
    const minNotional = Number(grid.info.minNotional);
    if (minNotional > 0) lo = Math.max(lo, Math.ceil(minNotional / (priceTicks * grid.price.step * lot)) + 1);
    return this.rng.int(lo, Math.max(lo, hi));
  }

  private limitOrder(user: number): Op {
    const side = this.side();
    const crossing = this.rng.chance(this.o.crossShare);
    // away from the mid on the order's own side, or up to 3 ticks through it
    const offset = crossing ? -this.rng.int(0, 3) : this.rng.int(1, this.o.levels);
    const ticks = Math.max(1, side === 'buy' ? this.midTicks - offset : this.midTicks + offset);
    const { grid } = this.o;
    return {
      kind: 'limit',
      user,
      body: { pair: grid.info.pair, side, type: 'limit', price: grid.price.format(ticks), amount: grid.amount.format(this.amountLots(ticks)) },
    };
  }

  private marketOrder(user: number): Op {
    const { grid } = this.o;
    // market orders take liquidity: at most half the largest resting size, so the book refills
    const lots = this.amountLots(this.midTicks, 0.5);
    return { kind: 'market', user, body: { pair: grid.info.pair, side: this.side(), type: 'market', amount: grid.amount.format(lots) } };
  }
}
