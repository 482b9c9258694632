import {
  baseOutForQuoteIn,
  maxBaseInWithinPrice,
  maxBaseOutWithinPrice,
  quoteInForBaseOut,
  quoteOutForBaseIn,
  type ConstantProductPool,
} from './amm/uniswap-v2-math.js';
import type { MarketSpec } from './market.js';

/** How much of an order the pool takes next: whole lots, and the exact quote that changes hands. */
export interface PoolPlan {
  lots: number;
  /** quote atoms the buyer pays or the seller receives */
  quote: number;
  /** true when the taker's funds (or quote budget), not the price, limited the lots */
  fundsBound: boolean;
}

const NOTHING: PoolPlan = Object.freeze({ lots: 0, quote: 0, fundsBound: false }) as PoolPlan;
/** V2 rounds by at most one atom, so one or two lots less always fits; more steps would be a bug. */
const MAX_TRIMS = 4;

/**
 * Plans the pool's part of a buy: as many whole lots as keep the pool's marginal ask (fee included) at
 * or below `targetTicks` (no price limit when null), no more than `wanted`, paid from at most
 * `spendable` quote atoms, and for a limit order (limitTicks > 0) never above its limit on average.
 * Pure: the same plan is used to fill an order and to check a fill-or-kill without filling it.
 */
export function planPoolBuy(
  spec: MarketSpec,
  pool: ConstantProductPool,
  targetTicks: number | null,
  wanted: number,
  spendable: number,
  limitTicks: number,
): PoolPlan {
  const bpl = BigInt(spec.baseAtomsPerLot);
  const maxBase =
    targetTicks === null
      ? pool.baseReserve - 1n
      : maxBaseOutWithinPrice(pool, BigInt(targetTicks) * BigInt(spec.quoteAtomsPerTickLot), bpl);
  let lots = Math.min(wanted, Number(maxBase / bpl));
  if (lots <= 0) return NOTHING;
  let fundsBound = false;
  let cost = quoteInForBaseOut(pool, BigInt(lots) * bpl);
  if (cost === null || cost > BigInt(spendable)) {
    const affordable = baseOutForQuoteIn(pool, BigInt(spendable)) ?? 0n;
    const affordableLots = Number(affordable / bpl);
    if (affordableLots < lots) {
      lots = affordableLots;
      fundsBound = true;
    }
  }
  for (let trims = 0; lots > 0; trims++) {
    cost = quoteInForBaseOut(pool, BigInt(lots) * bpl);
    const tooDear =
      cost === null ||
      cost > BigInt(spendable) ||
      (limitTicks > 0 && cost > BigInt(lots) * BigInt(limitTicks) * BigInt(spec.quoteAtomsPerTickLot));
    if (!tooDear) return { lots, quote: Number(cost), fundsBound };
    if (trims === MAX_TRIMS) break;
    lots--;
  }
  return fundsBound ? { lots: 0, quote: 0, fundsBound } : NOTHING;
}

/**
 * Plans the pool's part of a sell: as many whole lots as keep the pool's marginal bid at or above
 * `targetTicks` (no limit when null), at most `wanted` and `sellable` lots, and for a limit order never
 * below its limit on average.
 */
export function planPoolSell(
  spec: MarketSpec,
  pool: ConstantProductPool,
  targetTicks: number | null,
  wanted: number,
  sellable: number,
  limitTicks: number,
): PoolPlan {
  const bpl = BigInt(spec.baseAtomsPerLot);
  let lots = wanted;
  if (targetTicks !== null) {
    const maxIn = maxBaseInWithinPrice(pool, BigInt(targetTicks) * BigInt(spec.quoteAtomsPerTickLot), bpl);
    lots = Math.min(lots, Number(maxIn / bpl));
  }
  let fundsBound = false;
  if (sellable < lots) {
    lots = sellable;
    fundsBound = true;
  }
  for (let trims = 0; lots > 0; trims++) {
    const out = quoteOutForBaseIn(pool, BigInt(lots) * bpl);
    const tooCheap =
      out === null ||
      out === 0n ||
      (limitTicks > 0 && out < BigInt(lots) * BigInt(limitTicks) * BigInt(spec.quoteAtomsPerTickLot));
    if (!tooCheap) return { lots, quote: Number(out), fundsBound };
    if (trims === MAX_TRIMS) break;
    lots--;
  }
  return fundsBound ? { lots: 0, quote: 0, fundsBound } : NOTHING;
}

/** The pool's marginal ask in whole ticks, rounded up (a buyer pays at least this), or null if empty. */
export function poolAskTicks(spec: MarketSpec, pool: ConstantProductPool): number | null {
  if (pool.baseReserve <= 0n || pool.quoteReserve <= 0n) return null;
  const num = pool.quoteReserve * 10_000n * BigInt(spec.baseAtomsPerLot);
  const den = pool.baseReserve * BigInt(10_000 - pool.feeBps) * BigInt(spec.quoteAtomsPerTickLot);
  return Number((num + den - 1n) / den);
}

/** The pool's marginal bid in whole ticks, rounded down (a seller gets at most this), or null if below 1. */
export function poolBidTicks(spec: MarketSpec, pool: ConstantProductPool): number | null {
  if (pool.baseReserve <= 0n || pool.quoteReserve <= 0n) return null;
  const num = pool.quoteReserve * BigInt(10_000 - pool.feeBps) * BigInt(spec.baseAtomsPerLot);
  const den = pool.baseReserve * 10_000n * BigInt(spec.quoteAtomsPerTickLot);
  const ticks = Number(num / den);
  return ticks >= 1 ? ticks : null;
}
