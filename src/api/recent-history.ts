/**
 * Recent history kept in memory until the history store (PostgreSQL/SQLite, a later issue) exists.
 * Fed ONLY from the sequencer's durable events (onDurable), so it never shows what a crash could take
 * back. Bounded: per user the latest view of its last N orders and its last N fills; per pair the last N
 * trades and 24 hours of one-minute trade statistics; at most `users` users (the one first seen
 * longest ago is dropped first: cheaper than tracking activity on every event). It is lost on restart: closed orders, fills and trades from before a restart are gone
 * (open orders and balances live in the engine and are recovered from the journal).
 */
import type { HistoryLimits } from '../config/config.js';
import type { Side } from '../engine/commands.js';
import type { EngineEvent, OrderView, TradeEvent, Venue } from '../engine/events.js';
import { Ring } from './ring.js';

export interface FillRecord {
  readonly tradeId: number;
  readonly orderId: number;
  readonly pair: string;
  readonly side: Side;
  /** ticks */
  readonly price: number;
  /** lots */
  readonly amount: number;
  /** quote atoms */
  readonly quote: number;
  readonly venue: Venue;
  /** atoms of feeAsset */
  readonly fee: number;
  readonly feeAsset: string;
  readonly liquidity: 'maker' | 'taker';
  readonly time: number;
}

interface UserHistory {
  /** insertion order = order of first sight, so the first key is the oldest order */
  readonly orders: Map<number, OrderView>;
  readonly fills: Ring<FillRecord>;
}

interface MinuteStats {
  minute: number;
  high: number;
  low: number;
  lots: number;
  quote: number;
}

export interface TickerStats {
  /** ticks of the last trade, or null */
  readonly last: number | null;
  readonly high: number | null;
  readonly low: number | null;
  readonly lots: number;
  readonly quote: number;
}

const MINUTES_PER_DAY = 1440;
const MINUTE_MS = 60_000;

interface PairHistory {
  readonly trades: Ring<TradeEvent>;
  readonly minutes: (MinuteStats | undefined)[];
  last: number | null;
}

export class RecentHistory {
  private readonly users = new Map<string, UserHistory>();
  private readonly pairs = new Map<string, PairHistory>();

  constructor(
    private readonly limits: HistoryLimits,
    /** pair → [base, quote]: which asset a fill's fee is charged in */
    private readonly assetsOf: (pair: string) => readonly [string, string],
  ) {}

  /** The onDurable listener. */
  apply(events: readonly EngineEvent[]): void {
    for (const e of events) {
      if (e.type === 'orderAccepted' || e.type === 'orderUpdated') this.putOrder(e.order);
      else if (e.type === 'trade') this.putTrade(e);
    }
  }

  order(userId: string, id: number): OrderView | null {
    return this.users.get(userId)?.orders.get(id) ?? null;
  }

  /** The user's recent orders, newest first. */
  orders(userId: string, keep: (o: OrderView) => boolean, limit: number): OrderView[] {
    const user = this.users.get(userId);
    if (user === undefined) return [];
    const all = [...user.orders.values()];
    const out: OrderView[] = [];
    for (let i = all.length - 1; i >= 0 && out.length < limit; i--) if (keep(all[i])) out.push(all[i]);
    return out;
  }

  fills(userId: string, pair: string | null, limit: number): FillRecord[] {
    const user = this.users.get(userId);
    if (user === undefined) return [];
    return user.fills.newest(limit, pair === null ? undefined : (f) => f.pair === pair);
  }

  trades(pair: string, limit: number): TradeEvent[] {
    return this.pairs.get(pair)?.trades.newest(limit) ?? [];
  }

  /** Last price and the statistics of the trades of the 24 hours before `now`. */
  ticker(pair: string, now: number): TickerStats {
    const p = this.pairs.get(pair);
    if (p === undefined) return { last: null, high: null, low: null, lots: 0, quote: 0 };
    const from = Math.floor(now / MINUTE_MS) - MINUTES_PER_DAY + 1;
    let high: number | null = null;
    let low: number | null = null;
    let lots = 0;
    let quote = 0;
    for (const m of p.minutes) {
      if (m === undefined || m.minute < from) continue;
      high = high === null ? m.high : Math.max(high, m.high);
      low = low === null ? m.low : Math.min(low, m.low);
      lots += m.lots;
      quote += m.quote;
    }
    return { last: p.last, high, low, lots, quote };
  }

  private user(userId: string): UserHistory {
    let user = this.users.get(userId);
    if (user === undefined) {
      if (this.users.size >= this.limits.users) {
        const oldest = this.users.keys().next().value;
        if (oldest !== undefined) this.users.delete(oldest);
      }
      user = { orders: new Map(), fills: new Ring(this.limits.fillsPerUser) };
      this.users.set(userId, user);
    }
    return user;
  }

  private putOrder(view: OrderView): void {
    const orders = this.user(view.userId).orders;
    const known = orders.has(view.id);
    orders.set(view.id, view);
    if (!known && orders.size > this.limits.ordersPerUser) {
      const oldest = orders.keys().next().value;
      if (oldest !== undefined) orders.delete(oldest);
    }
  }

  private putTrade(t: TradeEvent): void {
    const [base, quote] = this.assetsOf(t.pair);
    const takerSide = t.takerSide;
    const makerSide: Side = takerSide === 'buy' ? 'sell' : 'buy';
    // fees are charged on what each side receives: a buyer receives base, a seller quote
    this.user(t.takerUserId).fills.push({
      tradeId: t.id, orderId: t.takerOrderId, pair: t.pair, side: takerSide, price: t.price, amount: t.amount,
      quote: t.quote, venue: t.venue, fee: t.takerFee, feeAsset: takerSide === 'buy' ? base : quote,
      liquidity: 'taker', time: t.time,
    });
    if (t.makerUserId !== null && t.makerOrderId !== null) {
      this.user(t.makerUserId).fills.push({
        tradeId: t.id, orderId: t.makerOrderId, pair: t.pair, side: makerSide, price: t.price, amount: t.amount,
        quote: t.quote, venue: t.venue, fee: t.makerFee, feeAsset: makerSide === 'buy' ? base : quote,
        liquidity: 'maker', time: t.time,
      });
    }
    this.recordStats(t);
  }

  private recordStats(t: TradeEvent): void {
    let p = this.pairs.get(t.pair);
    if (p === undefined) {
      p = { trades: new Ring(this.limits.tradesPerPair), minutes: new Array(MINUTES_PER_DAY), last: null };
      this.pairs.set(t.pair, p);
    }
    p.trades.push(t);
    p.last = t.price;
    const minute = Math.floor(t.time / MINUTE_MS);
    const slot = minute % MINUTES_PER_DAY;
    const m = p.minutes[slot];
    if (m === undefined || m.minute !== minute) {
      p.minutes[slot] = { minute, high: t.price, low: t.price, lots: t.amount, quote: t.quote };
    } else {
      if (t.price > m.high) m.high = t.price;
      if (t.price < m.low) m.low = t.price;
      m.lots += t.amount;
      m.quote += t.quote;
    }
  }
}
