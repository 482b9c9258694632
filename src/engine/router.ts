import { BUY, type Order } from './book/order.js';
import { takeLevel, type TakerProgress, type TakerStop } from './book-taker.js';
import type { EngineState, Market } from './engine-state.js';
import { MAX_ATOMS } from './market.js';
import type { ValidOrder } from './order-validation.js';
import { extendLeg, startLeg } from './pool-plan.js';
import { planFor, poolOf, takeFromPool, takerFunds } from './pool-taker.js';

/** The pool's price target for the last stretch: the order's bound, or none for an unbounded market order. */
function finalTarget(taker: Order, progress: TakerProgress): number | null {
  if (taker.side === BUY) return progress.bound >= MAX_ATOMS ? null : progress.bound;
  return progress.bound <= 0 ? null : progress.bound;
}

/**
 * The hybrid router: takes liquidity from the book and the market's AMM pool in order of best marginal
 * price. Before each book level the order's one swap with the pool grows until the price of its next
 * atom within that swap (fee included) reaches that level's price, in one closed-form step; then the level is taken; and so on.
 * After the last level within the order's bound, the pool trades up to the bound. The stretches are one
 * V2 swap in total, so the order pays what a single swap of its whole pool part costs. Returns why the order stopped early, or
 * null when it is filled or nothing within its bound is left.
 */
export function takeLiquidity(
  s: EngineState,
  market: Market,
  taker: Order,
  order: ValidOrder,
  progress: TakerProgress,
): TakerStop {
  const isBuy = taker.side === BUY;
  const opposite = isBuy ? market.book.asks : market.book.bids;
  const spec = market.spec;
  while (taker.remaining > 0) {
    // a quote budget below one lot at one tick buys nothing more on the book: it is spent
    if (
      order.quoteAmount !== null &&
      progress.budget < spec.quoteAtomsPerTickLot &&
      progress.budget <= taker.account.available[spec.quoteAsset]
    ) {
      return 'budget_spent';
    }
    const level = opposite.best();
    const levelWithin = level !== null && (isBuy ? level.price <= progress.bound : level.price >= progress.bound);
    if (market.pool !== null) {
      const target = levelWithin ? level!.price : finalTarget(taker, progress);
      const stop = takeFromPool(s, market, taker, order, progress, target);
      if (stop !== null) return stop;
      if (taker.remaining === 0) return null;
    }
    if (!levelWithin) {
      const somethingBeyond = level !== null || market.pool !== null;
      return progress.boundIsSlippage && somethingBeyond ? 'slippage_limit' : null;
    }
    const stop = takeLevel(s, market, level!, taker, order, progress);
    if (stop !== null) return stop;
  }
  return null;
}

/**
 * Whether a fill-or-kill order could be filled completely right now, without changing anything: walks
 * the same path takeLiquidity would (pool stretches on a copy of the pool, levels from the best),
 * skipping own orders that cancel_maker would cancel, stopping where a self-trade would stop the taker
 * or a market order's funds would run out.
 */
export function canFillCompletely(s: EngineState, market: Market, taker: Order, order: ValidOrder, bound: number): boolean {
  const spec = market.spec;
  const isBuy = taker.side === BUY;
  const levels = (isBuy ? market.book.asks : market.book.bids).levels;
  let need = taker.remaining;
  let funds = takerFunds(spec, taker, order);
  const leg = market.pool === null ? null : startLeg(poolOf(market.pool));
  const takePool = (target: number | null): boolean => {
    if (leg === null) return true;
    const plan = planFor(spec, leg, taker, order, target, need, funds, funds);
    if (plan.lots > 0) {
      extendLeg(leg, spec, plan);
      need -= plan.lots;
      funds -= isBuy ? plan.quote : plan.lots * spec.baseAtomsPerLot;
    }
    return !plan.fundsBound;
  };
  for (let i = levels.length - 1; i >= 0 && need > 0; i--) {
    const level = levels[i];
    if (isBuy ? level.price > bound : level.price < bound) break;
    if (!takePool(level.price)) return need === 0;
    if (need === 0) return true;
    const lotCost = isBuy ? level.price * spec.quoteAtomsPerTickLot : spec.baseAtomsPerLot;
    for (let maker = level.head; maker !== null; maker = maker.next) {
      if (maker.account === taker.account) {
        if (order.selfTradePrevention === 'cancel_maker') continue;
        return false;
      }
      const lots = need < maker.remaining ? need : maker.remaining;
      if (order.isMarket) {
        if (Math.floor(funds / lotCost) < lots) return false;
        funds -= lots * lotCost;
      } else if (isBuy) {
        // a limit buy's pool budget is its lock, which a book fill at the maker's price also draws on
        funds -= lots * taker.price * spec.quoteAtomsPerTickLot;
      } else {
        funds -= lots * spec.baseAtomsPerLot;
      }
      need -= lots;
      if (need === 0) return true;
    }
  }
  if (need > 0) takePool(isBuy ? (bound >= MAX_ATOMS ? null : bound) : bound <= 0 ? null : bound);
  return need === 0;
}
