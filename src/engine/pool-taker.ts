import type { ConstantProductPool } from './amm/uniswap-v2-math.js';
import { BUY, type Order } from './book/order.js';
import { recordTrade, type TakerProgress, type TakerStop } from './book-taker.js';
import type { EngineState, Market, PoolState } from './engine-state.js';
import { feeOf } from './fees.js';
import type { MarketSpec } from './market.js';
import type { ValidOrder } from './order-validation.js';
import { extendLeg, planPoolBuy, planPoolSell, startLeg, type PoolLeg, type PoolPlan } from './pool-plan.js';

export function poolOf(pool: PoolState): ConstantProductPool {
  return { baseReserve: BigInt(pool.baseReserve), quoteReserve: BigInt(pool.quoteReserve), feeBps: pool.feeBps };
}

/**
 * What the pool would give `taker` next, up to `targetTicks` (null: no price limit), within its funds.
 * The same plan serves the real fill and the fill-or-kill check.
 */
export function planFor(
  spec: MarketSpec,
  leg: PoolLeg,
  taker: Order,
  order: ValidOrder,
  targetTicks: number | null,
  wanted: number,
  funds: number,
  budget: number,
): PoolPlan {
  if (taker.side === BUY) {
    const spendable = order.quoteAmount !== null && budget < funds ? budget : funds;
    return planPoolBuy(spec, leg, targetTicks, wanted, spendable, order.isMarket ? 0 : taker.price);
  }
  return planPoolSell(spec, leg, targetTicks, wanted, Math.floor(funds / spec.baseAtomsPerLot), order.isMarket ? 0 : taker.price);
}

/** Funds the taker can use on the pool: a market order its available balance, a limit order its own lock. */
export function takerFunds(spec: MarketSpec, taker: Order, order: ValidOrder): number {
  const isBuy = taker.side === BUY;
  if (order.isMarket) return taker.account.available[isBuy ? spec.quoteAsset : spec.baseAsset];
  return isBuy ? taker.remaining * taker.price * spec.quoteAtomsPerTickLot : taker.remaining * spec.baseAtomsPerLot;
}

/**
 * Fills `taker` from the pool up to `targetTicks`, extending the order's one pool swap (its leg). The
 * pool is the maker: it pays out exactly what the Uniswap V2 formulas give, its own fee stays in it;
 * the taker pays the market's taker fee on what it receives, as on the book. Returns why the order
 * must stop (funds or budget), else null.
 */
export function takeFromPool(
  s: EngineState,
  market: Market,
  taker: Order,
  order: ValidOrder,
  progress: TakerProgress,
  targetTicks: number | null,
): TakerStop {
  const pool = market.pool!;
  const spec = market.spec;
  const funds = takerFunds(spec, taker, order);
  const leg = (progress.poolLeg ??= startLeg(poolOf(pool)));
  const plan = planFor(spec, leg, taker, order, targetTicks, taker.remaining, funds, progress.budget);
  if (plan.lots > 0) {
    extendLeg(leg, spec, plan);
    fillFromPool(s, market, pool, taker, order, progress, plan.lots, plan.quote);
  }
  if (!plan.fundsBound) return null;
  const budgetBinds = order.quoteAmount !== null && progress.budget <= taker.account.available[spec.quoteAsset];
  return budgetBinds ? 'budget_spent' : 'insufficient_balance';
}

function fillFromPool(
  s: EngineState,
  market: Market,
  pool: PoolState,
  taker: Order,
  order: ValidOrder,
  progress: TakerProgress,
  lots: number,
  quote: number,
): void {
  const spec = market.spec;
  const qa = spec.quoteAsset;
  const ba = spec.baseAsset;
  const base = lots * spec.baseAtomsPerLot;
  const t = taker.account;
  let takerFee: number;
  if (taker.side === BUY) {
    if (order.isMarket) {
      t.available[qa] -= quote;
      progress.budget -= quote;
    } else {
      const locked = lots * taker.price * spec.quoteAtomsPerTickLot;
      t.locked[qa] -= locked;
      t.available[qa] += locked - quote;
    }
    pool.quoteReserve += quote;
    pool.baseReserve -= base;
    takerFee = feeOf(base, spec.takerFeeBps);
    t.available[ba] += base - takerFee;
    s.fees.available[ba] += takerFee;
    if (takerFee !== 0) s.touchBalance(s.fees, ba);
  } else {
    if (order.isMarket) t.available[ba] -= base;
    else t.locked[ba] -= base;
    pool.baseReserve += base;
    pool.quoteReserve -= quote;
    takerFee = feeOf(quote, spec.takerFeeBps);
    t.available[qa] += quote - takerFee;
    s.fees.available[qa] += takerFee;
    if (takerFee !== 0) s.touchBalance(s.fees, qa);
  }
  s.touchBalance(t, qa);
  s.touchBalance(t, ba);
  s.touchPool(market);
  taker.remaining -= lots;
  progress.ammLots += lots;
  // the pool's price is rarely on the tick grid: the fill's price is its average to the nearest tick,
  // its `quote` the exact amount
  const averageTicks = Math.round(quote / (lots * spec.quoteAtomsPerTickLot));
  recordTrade(s, market, taker, progress, 'amm', averageTicks, lots, quote, takerFee, null, 0);
}
