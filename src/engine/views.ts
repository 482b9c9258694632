import type { Order } from './book/order.js';
import { BUY } from './book/order.js';
import type { OrderType, TimeInForce } from './commands.js';
import type { CancelReason, OrderStatus, OrderView, ReplayedResult } from './events.js';

/** A copy of a resting (limit, GTC) order's state; `status` and `reason` describe what just happened. */
export function restingOrderView(
  order: Order,
  pair: string,
  status: OrderStatus,
  cancelReason: CancelReason | null,
): OrderView {
  return {
    id: order.id,
    clientOrderId: order.clientOrderId,
    userId: order.account.userId,
    pair,
    side: order.side === BUY ? 'buy' : 'sell',
    type: 'limit',
    price: order.price,
    amount: order.amount,
    filled: order.amount - order.remaining,
    status,
    cancelReason,
    timeInForce: 'GTC',
    postOnly: order.postOnly,
    quoteAmount: null,
    createdAt: order.createdAt,
  };
}

/** Status of a resting order from its fills. */
export function restingStatus(order: Order): OrderStatus {
  return order.remaining === order.amount ? 'open' : 'partially_filled';
}

/** What a view needs to know about an incoming order beyond its Order object. */
export interface TakerShape {
  readonly type: OrderType;
  readonly timeInForce: TimeInForce;
  readonly quoteAmount: number | null;
}

/** A copy of an incoming order's state, which may never rest (market, IOC, FOK, cancelled...). */
export function takerView(
  order: Order,
  shape: TakerShape,
  pair: string,
  status: OrderStatus,
  cancelReason: CancelReason | null,
): OrderView {
  const filled = order.amount - order.remaining;
  return {
    id: order.id,
    clientOrderId: order.clientOrderId,
    userId: order.account.userId,
    pair,
    side: order.side === BUY ? 'buy' : 'sell',
    type: shape.type,
    price: order.price,
    // a quote-sized market buy has no base amount of its own: it is what it bought
    amount: shape.quoteAmount === null ? order.amount : filled,
    filled,
    status,
    cancelReason,
    timeInForce: shape.timeInForce,
    postOnly: order.postOnly,
    quoteAmount: shape.quoteAmount,
    createdAt: order.createdAt,
  };
}

/** The one result of every accepted order or cancel during replay (execute(cmd, null)). */
export const REPLAYED: ReplayedResult = Object.freeze({ ok: true, replayed: true });
