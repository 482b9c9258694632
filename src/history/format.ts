/**
 * History records (integers) → API JSON (decimal strings, string ids), with the market catalogue's
 * scales. Field names follow shared/API.md and the order/fill/trade shapes of src/api/views.ts, so a
 * history answer looks like a live one; history adds what only it knows (times, order ids on fills,
 * cursors). Numbers go through money/decimal.ts; sums (bigint, they may pass 2^53) are formatted here
 * the same way.
 */
import type { MarketCatalogue, MarketSpec } from '../engine/market.js';
import { formatUnits } from '../engine/money/decimal.js';
import type { CandleRecord, FillRecord, OrderRecord, Page, TickerStats, TradeRecord } from './types.js';

export interface HistoryOrderJson {
  id: string;
  clientOrderId: string | null;
  userId: string;
  pair: string;
  side: string;
  type: string;
  /** null for market orders */
  price: string | null;
  amount: string;
  filled: string;
  remaining: string;
  quoteAmount: string | null;
  status: string;
  cancelReason: string | null;
  timeInForce: string;
  postOnly: boolean;
  createdAt: number;
  updatedAt: number | null;
}

export interface HistoryFillJson {
  id: string;
  tradeId: string;
  orderId: string;
  pair: string;
  side: string;
  price: string;
  amount: string;
  quoteAmount: string;
  venue: string;
  fee: string;
  feeAsset: string;
  liquidity: string;
  time: number;
}

export interface HistoryTradeJson {
  id: string;
  price: string;
  amount: string;
  quoteAmount: string;
  takerSide: string;
  venue: string;
  time: number;
}

export interface CandleJson {
  /** ms since the epoch, start of the interval */
  time: number;
  open: string;
  high: string;
  low: string;
  close: string;
  /** base */
  volume: string;
  quoteVolume: string;
  trades: number;
}

export interface TickerHistoryJson {
  last: string | null;
  volume24h: string;
  quoteVolume24h: string;
  high24h: string | null;
  low24h: string | null;
  trades24h: number;
}

/** bigint count of 10^-scale units → decimal string with exactly `scale` decimals. */
export function formatBigUnits(units: bigint, scale: number): string {
  if (units >= BigInt(Number.MIN_SAFE_INTEGER) && units <= BigInt(Number.MAX_SAFE_INTEGER)) return formatUnits(Number(units), scale);
  const negative = units < 0n;
  const digits = (negative ? -units : units).toString();
  if (scale === 0) return negative ? '-' + digits : digits;
  const padded = digits.padStart(scale + 1, '0');
  const text = padded.slice(0, padded.length - scale) + '.' + padded.slice(padded.length - scale);
  return negative ? '-' + text : text;
}

interface Scales {
  readonly spec: MarketSpec;
  readonly quoteDecimals: number;
}

export class HistoryFormatter {
  private readonly markets = new Map<string, Scales>();
  private readonly assetDecimals = new Map<string, number>();

  constructor(catalogue: MarketCatalogue) {
    for (const a of catalogue.assets) this.assetDecimals.set(a.name, a.decimals);
    for (const spec of catalogue.markets) this.markets.set(spec.pair, { spec, quoteDecimals: this.assetDecimals.get(spec.quote)! });
  }

  private scales(pair: string): Scales {
    const s = this.markets.get(pair);
    if (s === undefined) throw new RangeError(`unknown pair ${pair}`);
    return s;
  }

  price(pair: string, ticks: number): string {
    const { spec } = this.scales(pair);
    return formatUnits(ticks * spec.tickUnits, spec.priceDecimals);
  }

  amount(pair: string, lots: number | bigint): string {
    const { spec } = this.scales(pair);
    return typeof lots === 'bigint'
      ? formatBigUnits(lots * BigInt(spec.lotUnits), spec.amountDecimals)
      : formatUnits(lots * spec.lotUnits, spec.amountDecimals);
  }

  quote(pair: string, atoms: number | bigint): string {
    const { quoteDecimals } = this.scales(pair);
    return typeof atoms === 'bigint' ? formatBigUnits(atoms, quoteDecimals) : formatUnits(atoms, quoteDecimals);
  }

  asset(asset: string, atoms: number): string {
    return formatUnits(atoms, this.assetDecimals.get(asset) ?? 0);
  }

  order(o: OrderRecord): HistoryOrderJson {
    return {
      id: String(o.id),
      clientOrderId: o.clientOrderId,
      userId: o.userId,
      pair: o.pair,
      side: o.side,
      type: o.type,
      price: o.price === 0 ? null : this.price(o.pair, o.price),
      amount: this.amount(o.pair, o.amount),
      filled: this.amount(o.pair, o.filled),
      remaining: this.amount(o.pair, o.amount - o.filled),
      quoteAmount: o.quoteAmount === null ? null : this.quote(o.pair, o.quoteAmount),
      status: o.status,
      cancelReason: o.cancelReason,
      timeInForce: o.timeInForce,
      postOnly: o.postOnly,
      createdAt: o.createdAt,
      updatedAt: o.updatedAt,
    };
  }

  fill(f: FillRecord): HistoryFillJson {
    return {
      id: String(f.id),
      tradeId: String(f.tradeId),
      orderId: String(f.orderId),
      pair: f.pair,
      side: f.side,
      price: this.price(f.pair, f.price),
      amount: this.amount(f.pair, f.amount),
      quoteAmount: this.quote(f.pair, f.quote),
      venue: f.venue,
      fee: this.asset(f.feeAsset, f.fee),
      feeAsset: f.feeAsset,
      liquidity: f.liquidity,
      time: f.time,
    };
  }

  trade(t: TradeRecord): HistoryTradeJson {
    return {
      id: String(t.id),
      price: this.price(t.pair, t.price),
      amount: this.amount(t.pair, t.amount),
      quoteAmount: this.quote(t.pair, t.quote),
      takerSide: t.takerSide,
      venue: t.venue,
      time: t.time,
    };
  }

  candle(c: CandleRecord): CandleJson {
    return {
      time: c.start,
      open: this.price(c.pair, c.open),
      high: this.price(c.pair, c.high),
      low: this.price(c.pair, c.low),
      close: this.price(c.pair, c.close),
      volume: this.amount(c.pair, c.baseVolume),
      quoteVolume: this.quote(c.pair, c.quoteVolume),
      trades: c.trades,
    };
  }

  /** The history half of the ticker; the API adds bestBid, bestAsk and ammPrice from the engine. */
  ticker(t: TickerStats): TickerHistoryJson {
    return {
      last: t.last === null ? null : this.price(t.pair, t.last),
      volume24h: this.amount(t.pair, t.baseVolume),
      quoteVolume24h: this.quote(t.pair, t.quoteVolume),
      high24h: t.high === null ? null : this.price(t.pair, t.high),
      low24h: t.low === null ? null : this.price(t.pair, t.low),
      trades24h: t.trades,
    };
  }

  orders(page: Page<OrderRecord>): { orders: HistoryOrderJson[]; nextCursor: string | null } {
    return { orders: page.items.map((o) => this.order(o)), nextCursor: cursorText(page.nextCursor) };
  }

  fills(page: Page<FillRecord>): { fills: HistoryFillJson[]; nextCursor: string | null } {
    return { fills: page.items.map((f) => this.fill(f)), nextCursor: cursorText(page.nextCursor) };
  }
}

function cursorText(cursor: number | null): string | null {
  return cursor === null ? null : String(cursor);
}

/** A cursor from a query string → the number the store takes, or null when malformed. */
export function parseCursor(text: unknown): number | null {
  if (typeof text !== 'string' || !/^[1-9]\d{0,15}$/.test(text)) return null;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : null;
}
