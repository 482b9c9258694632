import { reject } from '../errors.js';
import { BUY, Order } from './book/order.js';
import type { TakerProgress, TakerStop } from './book-taker.js';
import { planPoolBuy, planPoolSell, poolAskTicks, poolBidTicks, startLeg } from './pool-plan.js';
import { poolOf } from './pool-taker.js';
import { canFillCompletely, takeLiquidity } from './router.js';
import type { PlaceOrderCommand } from './commands.js';
import type { CancelReason, CommandResult, Fill, OrderStatus, OrderView } from './events.js';
import type { EngineState, Market } from './engine-state.js';
import { MAX_ATOMS } from './market.js';
import { isIdText, shown } from './command-fields.js';
import { validateOrder, type ValidOrder } from './order-validation.js';
import { REPLAYED, takerView } from './views.js';

/** Shared by every result without fills (callers never mutate results). */
const NO_FILLS: readonly Fill[] = Object.freeze([]);

/**
 * Places an order: validates it, locks what a limit order can spend, takes liquidity (post-only and
 * fill-or-kill checked first, so they change nothing when they cannot go ahead), then rests a GTC
 * limit remainder or cancels the rest with its reason.
 */
export function placeOrder(s: EngineState, cmd: PlaceOrderCommand): CommandResult {
  const market = s.marketByPair.get(cmd.pair);
  if (market === undefined) return reject('UNKNOWN_PAIR', `unknown pair ${shown(cmd.pair)}`);
  const spec = market.spec;
  const order = s.validOrder;
  const invalid = validateOrder(cmd, spec, order);
  if (invalid !== null) return invalid;
  if (!isIdText(cmd.userId)) return reject('VALIDATION_ERROR', 'userId is required');

  const existing = s.accounts.get(cmd.userId);
  if (order.clientOrderId !== null && existing?.clientOrderIds?.has(order.clientOrderId) === true) {
    return reject('DUPLICATE_CLIENT_ORDER_ID');
  }
  const lockAsset = order.side === BUY ? spec.quoteAsset : spec.baseAsset;
  if (order.lock > 0 && (existing === undefined || existing.available[lockAsset] < order.lock)) {
    return reject('INSUFFICIENT_BALANCE');
  }

  const account = existing ?? s.accounts.getOrCreate(cmd.userId);
  const taker = new Order(
    s.nextOrderId++,
    account,
    market.index,
    order.side,
    order.price,
    order.amount,
    order.amount,
    order.postOnly,
    order.clientOrderId,
    s.time,
  );
  let accepted: OrderView | null = null;
  if (s.emitting) {
    accepted = takerView(taker, order, spec.pair, 'open', null);
    s.out.push({ type: 'orderAccepted', order: accepted });
  }

  // the engine's one progress record, refilled per order (only its `fills` array ever escapes)
  const progress = s.progress;
  progress.bound = order.isMarket ? (order.side === BUY ? MAX_ATOMS : 0) : order.price;
  progress.boundIsSlippage = false;
  progress.budget = order.quoteAmount ?? 0;
  progress.bookLots = 0;
  progress.ammLots = 0;
  progress.poolLeg = null;
  progress.fills = NO_FILLS;
  applySlippageBound(market, order, progress);

  if (order.postOnly && wouldTake(market, order)) return finish(s, market, taker, order, progress, accepted, 'post_only_would_take');
  if (order.timeInForce === 'FOK' && !canFillCompletely(s, market, taker, order, progress.bound)) {
    return finish(s, market, taker, order, progress, accepted, 'fok_not_fillable');
  }
  if (order.lock > 0) {
    account.available[lockAsset] -= order.lock;
    account.locked[lockAsset] += order.lock;
    s.touchBalance(account, lockAsset);
  }
  const stop = takeLiquidity(s, market, taker, order, progress);
  return finish(s, market, taker, order, progress, accepted, stop);
}

/** Rests what a GTC limit order has left, or cancels it with the reason taking stopped. */
function finish(
  s: EngineState,
  market: Market,
  taker: Order,
  order: ValidOrder,
  progress: TakerProgress,
  accepted: OrderView | null,
  stop: TakerStop,
): CommandResult {
  const spec = market.spec;
  let status: OrderStatus;
  let reason: CancelReason | null = null;
  const filledSomething = taker.remaining < taker.amount;
  if (taker.remaining === 0 || (stop === 'budget_spent' && filledSomething)) {
    // a quote budget spent down to less than one lot counts as done
    status = 'filled';
  } else if (stop === null && !order.isMarket && order.timeInForce === 'GTC') {
    taker.account.linkOrder(taker);
    s.orders.set(taker.id, taker);
    market.book.add(taker, s.stamp);
    s.touchMarket(market);
    status = filledSomething ? 'partially_filled' : 'open';
  } else {
    status = 'cancelled';
    reason = stop === null || stop === 'budget_spent' ? 'ioc_remainder' : stop;
    if (order.lock > 0 && stop !== 'post_only_would_take' && stop !== 'fok_not_fillable') {
      const asset = order.side === BUY ? spec.quoteAsset : spec.baseAsset;
      const release = s.lockedBy(taker, spec);
      taker.account.locked[asset] -= release;
      taker.account.available[asset] += release;
      s.touchBalance(taker.account, asset);
    }
  }
  // replay only needs to know the order was accepted; it builds no views
  if (accepted === null) return REPLAYED;
  let view = accepted;
  // an order that went straight to the book unchanged needs no second event: the accepted one says it
  if (status !== 'open') {
    view = takerView(taker, order, spec.pair, status, reason);
    s.out.push({ type: 'orderUpdated', order: view });
  }
  return { ok: true, order: view, fills: progress.fills, route: { book: progress.bookLots, amm: progress.ammLots } };
}

/** Best opposite price on arrival in ticks, over the book and the pool; null when there is none. */
function bestOpposite(market: Market, order: ValidOrder): number | null {
  const isBuy = order.side === BUY;
  const level = (isBuy ? market.book.asks : market.book.bids).best();
  let best = level === null ? null : level.price;
  if (market.pool !== null) {
    const pool = poolOf(market.pool);
    const poolTicks = isBuy ? poolAskTicks(market.spec, pool) : poolBidTicks(market.spec, pool);
    if (poolTicks !== null && (best === null || (isBuy ? poolTicks < best : poolTicks > best))) best = poolTicks;
  }
  return best;
}

/**
 * A post-only order would take if the best opposite book level reaches its limit, or if the pool would
 * fill a lot within it, as takeLiquidity would plan it. Not the pool's price in whole ticks: a pool
 * whose marginal price sits exactly at (or rounds to) the limit gives nothing there, and a plain limit
 * order at that price rests untouched.
 */
function wouldTake(market: Market, order: ValidOrder): boolean {
  const isBuy = order.side === BUY;
  const level = (isBuy ? market.book.asks : market.book.bids).best();
  if (level !== null && (isBuy ? level.price <= order.price : level.price >= order.price)) return true;
  if (market.pool === null) return false;
  const leg = startLeg(poolOf(market.pool));
  const plan = isBuy
    ? planPoolBuy(market.spec, leg, order.price, 1, MAX_ATOMS, order.price)
    : planPoolSell(market.spec, leg, order.price, 1, 1, order.price);
  return plan.lots > 0;
}

/**
 * maxSlippageBps bounds the price relative to the best opposite price on arrival (book or pool); where
 * that is tighter than the limit price it becomes the bound, and stopping there cancels with
 * slippage_limit.
 */
function applySlippageBound(market: Market, order: ValidOrder, progress: TakerProgress): void {
  if (order.maxSlippageBps === null) return;
  const best = bestOpposite(market, order);
  if (best === null) return;
  const q = Math.floor(best / 10_000);
  const r = best - q * 10_000;
  const move = q * order.maxSlippageBps + Math.floor((r * order.maxSlippageBps) / 10_000);
  const bound = order.side === BUY ? best + move : best - move;
  if (order.side === BUY ? bound < progress.bound : bound > progress.bound) {
    progress.bound = bound;
    progress.boundIsSlippage = true;
  }
}
