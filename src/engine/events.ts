/**
 * What the engine tells the world. Results answer the caller; events (in the order they happened) feed
 * acknowledgements, market data, order updates, history and metrics. All values are integers:
 * prices in ticks, amounts in lots, balances and fees in asset atoms.
 */
import type { Rejection } from '../errors.js';
import type { OrderType, Side, TimeInForce } from './commands.js';

export type OrderStatus = 'open' | 'partially_filled' | 'filled' | 'cancelled';
export type CancelReason =
  | 'user'
  | 'ioc_remainder'
  | 'fok_not_fillable'
  | 'post_only_would_take'
  | 'self_trade'
  | 'slippage_limit'
  | 'insufficient_balance';
export type Venue = 'book' | 'amm';

/** An order's state at one moment (a copy: the engine's own order objects keep changing). */
export interface OrderView {
  readonly id: number;
  readonly clientOrderId: string | null;
  readonly userId: string;
  readonly pair: string;
  readonly side: Side;
  readonly type: OrderType;
  /** ticks; 0 for market orders */
  readonly price: number;
  /** lots; for a market buy sized by quoteAmount, what it bought */
  readonly amount: number;
  readonly filled: number;
  readonly status: OrderStatus;
  readonly cancelReason: CancelReason | null;
  readonly timeInForce: TimeInForce;
  readonly postOnly: boolean;
  /** quote atoms, for a market buy sized by what it spends; otherwise null */
  readonly quoteAmount: number | null;
  readonly createdAt: number;
}

/** One of the taker's fills, as returned to the caller who placed the order. */
export interface Fill {
  readonly tradeId: number;
  /** ticks (book); for AMM fills the average price rounded, see `quote` for the exact value */
  readonly price: number;
  readonly amount: number;
  /** quote atoms that changed hands, so the average price is exact */
  readonly quote: number;
  readonly venue: Venue;
  readonly fee: number;
  readonly feeAsset: string;
  readonly liquidity: 'maker' | 'taker';
}

export interface PlaceOrderResult {
  readonly ok: true;
  readonly order: OrderView;
  readonly fills: readonly Fill[];
  /** lots taken from each venue */
  readonly route: { readonly book: number; readonly amm: number };
}

export interface CancelOrderResult {
  readonly ok: true;
  readonly order: OrderView;
}

export interface CancelAllResult {
  readonly ok: true;
  readonly cancelled: readonly number[];
}

export interface BalanceResult {
  readonly ok: true;
  readonly available: number;
  readonly locked: number;
}

export interface PoolResult {
  readonly ok: true;
  readonly pool: { readonly baseReserve: number; readonly quoteReserve: number };
}

/** What execute(cmd, null) answers for an accepted order or cancel: replay needs only that it was accepted. */
export interface ReplayedResult {
  readonly ok: true;
  readonly replayed: true;
}

export type CommandResult = ReplayedResult | PlaceOrderResult | CancelOrderResult | CancelAllResult | BalanceResult | PoolResult | Rejection;

export interface OrderAcceptedEvent {
  readonly type: 'orderAccepted';
  readonly order: OrderView;
}

/** A fill or a cancel changed an order; its status says which. */
export interface OrderUpdatedEvent {
  readonly type: 'orderUpdated';
  readonly order: OrderView;
}

export interface TradeEvent {
  readonly type: 'trade';
  readonly pair: string;
  readonly id: number;
  /** ticks */
  readonly price: number;
  /** lots */
  readonly amount: number;
  /** quote atoms */
  readonly quote: number;
  readonly takerSide: Side;
  readonly venue: Venue;
  readonly takerOrderId: number;
  readonly takerUserId: string;
  /** null when the maker is the AMM pool */
  readonly makerOrderId: number | null;
  readonly makerUserId: string | null;
  readonly takerFee: number;
  readonly makerFee: number;
  readonly time: number;
}

export interface BalanceEvent {
  readonly type: 'balance';
  readonly userId: string;
  readonly asset: string;
  readonly available: number;
  readonly locked: number;
}

/** [ticks, lots] — lots is the level's new total; 0 means the level is gone. */
export type LevelChange = [price: number, amount: number];

export interface BookEvent {
  readonly type: 'book';
  readonly pair: string;
  /** per-market book sequence; rises by exactly 1 per event */
  readonly seq: number;
  readonly bids: readonly LevelChange[];
  readonly asks: readonly LevelChange[];
}

/** The AMM pool of a market traded; its new reserves in atoms. */
export interface PoolEvent {
  readonly type: 'pool';
  readonly pair: string;
  readonly baseReserve: number;
  readonly quoteReserve: number;
}

export type EngineEvent = OrderAcceptedEvent | OrderUpdatedEvent | TradeEvent | BalanceEvent | BookEvent | PoolEvent;
