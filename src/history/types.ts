/**
 * The history store's records and its one interface. Every value is an integer exactly as the engine
 * gave it: prices in ticks, amounts in lots, quote and fees in asset atoms, times in ms since the epoch.
 * Decimal strings are made only by format.ts, at the API edge. Volumes are sums over many trades and are
 * bigint so that they stay exact past 2^53.
 */
import type { Side } from '../engine/commands.js';
import type { CancelReason, OrderStatus, OrderView, Venue } from '../engine/events.js';

/** Latest state of one order (table `orders`): the engine's view of it, and when it was set. */
export interface OrderRecord extends OrderView {
  /** sequence number and index within that command's events of the event that set this state */
  readonly updatedSeq: number;
  readonly updatedIndex: number;
  /** command time of that event when the events tell it (see rows.ts), else null */
  readonly updatedAt: number | null;
}

/** One orderAccepted / orderUpdated event (table `order_events`, key (orderId, seq, index)). */
export interface OrderEventRecord {
  readonly orderId: number;
  readonly seq: number;
  readonly index: number;
  readonly kind: 'accepted' | 'updated';
  readonly status: OrderStatus;
  readonly amount: number;
  readonly filled: number;
  readonly cancelReason: CancelReason | null;
  readonly time: number | null;
}

export type Liquidity = 'maker' | 'taker';

/**
 * One user's side of a trade (table `fills`). `id` = tradeId × 2 + (maker ? 1 : 0): unique, and it
 * orders a user's fills like their trades, so it doubles as the pagination cursor.
 */
export interface FillRecord {
  readonly id: number;
  readonly tradeId: number;
  readonly orderId: number;
  readonly userId: string;
  readonly pair: string;
  /** the user's side */
  readonly side: Side;
  readonly liquidity: Liquidity;
  readonly venue: Venue;
  readonly price: number;
  readonly amount: number;
  readonly quote: number;
  readonly fee: number;
  readonly feeAsset: string;
  readonly time: number;
  readonly seq: number;
}

/** The public tape (table `trades`, key id). */
export interface TradeRecord {
  readonly id: number;
  readonly pair: string;
  readonly price: number;
  readonly amount: number;
  readonly quote: number;
  readonly takerSide: Side;
  readonly venue: Venue;
  readonly takerOrderId: number;
  readonly takerUserId: string;
  readonly makerOrderId: number | null;
  readonly makerUserId: string | null;
  readonly takerFee: number;
  readonly makerFee: number;
  readonly time: number;
  readonly seq: number;
}

export const CANDLE_INTERVALS = ['1m', '5m', '15m', '1h', '1d'] as const;
export type CandleInterval = (typeof CANDLE_INTERVALS)[number];

/** OHLCV of one pair over [start, start + interval) (table `candles`, key (pair, interval, start)). */
export interface CandleRecord {
  readonly pair: string;
  readonly interval: CandleInterval;
  readonly start: number;
  /** ticks: price of the bucket's lowest / highest trade id */
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  /** lots */
  readonly baseVolume: bigint;
  /** quote atoms */
  readonly quoteVolume: bigint;
  readonly trades: number;
  readonly firstTradeId: number;
  readonly lastTradeId: number;
}

/** Rolling 24 h statistics of one pair. Prices in ticks, null when no trade. */
export interface TickerStats {
  readonly pair: string;
  /** the newest trade ever, not only within the window */
  readonly last: number | null;
  readonly lastTradeId: number | null;
  readonly high: number | null;
  readonly low: number | null;
  readonly baseVolume: bigint;
  readonly quoteVolume: bigint;
  readonly trades: number;
  /** window [from, to) */
  readonly from: number;
  readonly to: number;
}

/** What one write puts in the store, in one transaction together with `lastSeq` as progress. */
export interface HistoryBatch {
  /** every command up to here is in this batch or in the store already */
  readonly lastSeq: number;
  readonly orderEvents: readonly OrderEventRecord[];
  /** at most one row per order id: the newest state in the batch */
  readonly orders: readonly OrderRecord[];
  readonly fills: readonly FillRecord[];
  readonly trades: readonly TradeRecord[];
}

/**
 * `open` = still resting (open or partially_filled); `closed` = filled or cancelled; the others match
 * the status exactly.
 */
export type OrderStatusFilter = 'open' | 'closed' | OrderStatus;

export interface OrdersQuery {
  readonly userId: string;
  readonly pair?: string;
  /**
   * only orders placed with this clientOrderId: one open order at most, but any number of closed ones
   * (a clientOrderId is free again once its order closes); index `orders_by_client_id`
   */
  readonly clientOrderId?: string;
  readonly status?: OrderStatusFilter;
  readonly limit: number;
  /** cursor: only orders with id < before */
  readonly before?: number;
}

export interface FillsQuery {
  readonly userId: string;
  readonly pair?: string;
  readonly limit: number;
  /** cursor: only fills with id < before */
  readonly before?: number;
}

export interface TradesQuery {
  readonly pair: string;
  readonly limit: number;
  /** only trades with id < before */
  readonly before?: number;
}

/**
 * With `start`: the first `limit` candles with start >= `start` (and < `end`). Without: the newest
 * `limit` candles with start < `end`. Always returned oldest first; intervals without trades have no
 * candle.
 */
export interface CandlesQuery {
  readonly pair: string;
  readonly interval: CandleInterval;
  readonly limit: number;
  readonly start?: number;
  readonly end?: number;
}

/** A page, newest first; pass `nextCursor` as `before` for the next page (null: this was the last). */
export interface Page<T> {
  readonly items: T[];
  readonly nextCursor: number | null;
}

/** Every row of a store, each table in key order. For tests and audits, not for large stores. */
export interface HistoryDump {
  readonly lastSeq: number;
  readonly orders: OrderRecord[];
  readonly orderEvents: OrderEventRecord[];
  readonly fills: FillRecord[];
  readonly trades: TradeRecord[];
  readonly candles: CandleRecord[];
}

export interface HistoryStore {
  readonly kind: 'postgres' | 'sqlite';
  /** highest sequence number whose events are all stored (0: none) */
  persistedSeq(): Promise<number>;
  /**
   * Stores a batch and raises the progress row to batch.lastSeq, in one transaction. Idempotent: a row
   * already present is left alone (an order's latest view only moves forward), so writing the same
   * batch again changes nothing.
   */
  write(batch: HistoryBatch): Promise<void>;
  order(userId: string, orderId: number): Promise<OrderRecord | null>;
  orders(query: OrdersQuery): Promise<Page<OrderRecord>>;
  orderEvents(orderId: number): Promise<OrderEventRecord[]>;
  fills(query: FillsQuery): Promise<Page<FillRecord>>;
  /** newest first */
  trades(query: TradesQuery): Promise<TradeRecord[]>;
  candles(query: CandlesQuery): Promise<CandleRecord[]>;
  /** statistics over [now − 24 h, now] */
  ticker(pair: string, now: number): Promise<TickerStats>;
  dump(): Promise<HistoryDump>;
  close(): Promise<void>;
}
