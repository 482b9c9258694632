import { BUY, type Order } from './book/order.js';
import type { PriceLevel } from './book/price-level.js';
import type { CancelReason, Fill, Venue } from './events.js';
import type { EngineState, Market } from './engine-state.js';
import { feeOf } from './fees.js';
import type { ValidOrder } from './order-validation.js';
import type { PoolLeg } from './pool-plan.js';
import { restingOrderView, restingStatus } from './views.js';

/** How far an incoming order may go, and what it has done so far. */
export interface TakerProgress {
  /** worst acceptable price in ticks: a buy takes levels ≤ bound, a sell levels ≥ bound */
  bound: number;
  /** set when `bound` comes from maxSlippageBps rather than the limit price */
  boundIsSlippage: boolean;
  /** quote atoms a quote-sized market buy may still spend */
  budget: number;
  bookLots: number;
  ammLots: number;
  /** the order's one swap with the pool so far; null until it first trades there */
  poolLeg: PoolLeg | null;
  /** starts as a shared empty array; replaced by a fresh one at the first fill */
  fills: readonly Fill[];
}

/** Why taking stopped early: a cancel reason, or a quote budget spent down to less than one lot. */
export type TakerStop = CancelReason | 'budget_spent' | null;

/**
 * Takes one price level for `taker`, FIFO, each trade at the resting order's price, applying
 * self-trade prevention and, for market orders, the funds or quote budget they have.
 */
export function takeLevel(
  s: EngineState,
  market: Market,
  level: PriceLevel,
  taker: Order,
  order: ValidOrder,
  progress: TakerProgress,
): TakerStop {
  const spec = market.spec;
  const price = level.price;
  let maker = level.head;
  while (maker !== null && taker.remaining > 0) {
    const next = maker.next;
    if (maker.account === taker.account) {
      const stp = order.selfTradePrevention;
      if (stp !== 'cancel_taker') s.cancelResting(maker, 'self_trade');
      if (stp !== 'cancel_maker') return 'self_trade';
      maker = next;
      continue;
    }
    let lots = taker.remaining < maker.remaining ? taker.remaining : maker.remaining;
    if (order.isMarket) {
      // market orders lock nothing up front: they fill as far as funds (or the quote budget) go
      const account = taker.account;
      const lotCost = isBuyCost(taker) ? price * spec.quoteAtomsPerTickLot : spec.baseAtomsPerLot;
      let spendable = account.available[isBuyCost(taker) ? spec.quoteAsset : spec.baseAsset];
      const budgetBinds = order.quoteAmount !== null && progress.budget <= spendable;
      if (order.quoteAmount !== null && progress.budget < spendable) spendable = progress.budget;
      const affordable = Math.floor(spendable / lotCost);
      if (affordable < lots) lots = affordable;
      if (lots === 0) return budgetBinds ? 'budget_spent' : 'insufficient_balance';
    }
    trade(s, market, maker, taker, order, lots, progress);
    // a maker left with lots (the taker's funds ran short) keeps its turn: the next pass stops there
    if (maker.remaining === 0) maker = next;
  }
  return null;
}

const isBuyCost = (taker: Order): boolean => taker.side === BUY;

/** One book trade of `lots` at the maker's price: moves funds and fees, updates the book, reports. */
function trade(
  s: EngineState,
  market: Market,
  maker: Order,
  taker: Order,
  order: ValidOrder,
  lots: number,
  progress: TakerProgress,
): void {
  const spec = market.spec;
  const price = maker.price;
  const quote = price * lots * spec.quoteAtomsPerTickLot;
  const base = lots * spec.baseAtomsPerLot;
  const qa = spec.quoteAsset;
  const ba = spec.baseAsset;
  const t = taker.account;
  const m = maker.account;
  const fees = s.fees;
  let takerFee: number;
  let makerFee: number;
  if (taker.side === BUY) {
    if (order.isMarket) {
      t.available[qa] -= quote;
      progress.budget -= quote;
    } else {
      // the order locked at its own limit; trading lower releases the difference
      t.locked[qa] -= lots * taker.price * spec.quoteAtomsPerTickLot;
      t.available[qa] += (taker.price - price) * lots * spec.quoteAtomsPerTickLot;
    }
    takerFee = feeOf(base, spec.takerFeeBps);
    t.available[ba] += base - takerFee;
    m.locked[ba] -= base;
    makerFee = feeOf(quote, spec.makerFeeBps);
    m.available[qa] += quote - makerFee;
    fees.available[ba] += takerFee;
    fees.available[qa] += makerFee;
  } else {
    if (order.isMarket) t.available[ba] -= base;
    else t.locked[ba] -= base;
    takerFee = feeOf(quote, spec.takerFeeBps);
    t.available[qa] += quote - takerFee;
    m.locked[qa] -= quote;
    makerFee = feeOf(base, spec.makerFeeBps);
    m.available[ba] += base - makerFee;
    fees.available[qa] += takerFee;
    fees.available[ba] += makerFee;
  }
  s.touchBalance(t, qa);
  s.touchBalance(t, ba);
  s.touchBalance(m, qa);
  s.touchBalance(m, ba);
  if (takerFee !== 0) s.touchBalance(fees, taker.side === BUY ? ba : qa);
  if (makerFee !== 0) s.touchBalance(fees, taker.side === BUY ? qa : ba);

  taker.remaining -= lots;
  progress.bookLots += lots;
  market.book.reduce(maker, lots, s.stamp);
  s.touchMarket(market);
  recordTrade(s, market, taker, progress, 'book', price, lots, quote, takerFee, maker, makerFee);
  if (maker.remaining === 0) s.forget(maker);
  if (s.emitting) {
    const status = maker.remaining === 0 ? 'filled' : restingStatus(maker);
    s.out.push({ type: 'orderUpdated', order: restingOrderView(maker, spec.pair, status, null) });
  }
}

/** Reports a trade: the taker's fill in the result and a trade event, under the next trade id. */
export function recordTrade(
  s: EngineState,
  market: Market,
  taker: Order,
  progress: TakerProgress,
  venue: Venue,
  price: number,
  lots: number,
  quote: number,
  takerFee: number,
  maker: Order | null,
  makerFee: number,
): void {
  const spec = market.spec;
  const tradeId = s.nextTradeId++;
  if (!s.emitting) return;
  if (progress.fills.length === 0) progress.fills = [];
  (progress.fills as Fill[]).push({
    tradeId,
    price,
    amount: lots,
    quote,
    venue,
    fee: takerFee,
    feeAsset: taker.side === BUY ? spec.base : spec.quote,
    liquidity: 'taker',
  });
  s.out.push({
    type: 'trade',
    pair: spec.pair,
    id: tradeId,
    price,
    amount: lots,
    quote,
    takerSide: taker.side === BUY ? 'buy' : 'sell',
    venue,
    takerOrderId: taker.id,
    takerUserId: taker.account.userId,
    makerOrderId: maker === null ? null : maker.id,
    makerUserId: maker === null ? null : maker.account.userId,
    takerFee,
    makerFee,
    time: s.time,
  });
}
