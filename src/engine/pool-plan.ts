import {
  getAmountIn,
  getAmountOut,
  maxSwapBaseIn,
  maxSwapBaseOut,
  type ConstantProductPool,
} from './amm/uniswap-v2-math.js';
import type { MarketSpec } from './market.js';

/**
 * An order's dealings with the pool so far: one V2 swap from the reserves the order found (`start`),
 * of `base` atoms (out for a buy, in for a sell) for `quote` atoms (paid or received). Each stretch
 * between book levels extends the same swap, so the order pays exactly what one swap of its whole pool
 * part costs (see maxSwapBaseOut in amm/uniswap-v2-math.ts).
 */
export interface PoolLeg {
  readonly start: ConstantProductPool;
  base: bigint;
  quote: bigint;
}

/** The next stretch: whole lots, and the exact quote that changes hands for them. */
export interface PoolPlan {
  lots: number;
  /** quote atoms the buyer pays or the seller receives for this stretch */
  quote: number;
  /** true when the taker's funds (or quote budget), not the price, limited the lots */
  fundsBound: boolean;
}

const NOTHING: PoolPlan = Object.freeze({ lots: 0, quote: 0, fundsBound: false }) as PoolPlan;
/** V2 rounds by at most one atom, so a lot or two less always fits; more steps would be a bug. */
const MAX_TRIMS = 4;

export function startLeg(pool: ConstantProductPool): PoolLeg {
  return { start: pool, base: 0n, quote: 0n };
}

/** The pool after the leg: exactly the reserves one V2 swap of the leg's amounts leaves. */
export function reservesAfter(leg: PoolLeg, isBuy: boolean): { base: bigint; quote: bigint } {
  const { baseReserve, quoteReserve } = leg.start;
  return isBuy
    ? { base: baseReserve - leg.base, quote: quoteReserve + leg.quote }
    : { base: baseReserve + leg.base, quote: quoteReserve - leg.quote };
}

/**
 * Plans a buy's next pool stretch: the leg grows to the most whole lots whose continuation price stays
 * at or below `targetTicks` (no price limit when null), by at most `wanted` lots, costing at most
 * `spendable` quote atoms, and for a limit order (limitTicks > 0) never above its limit on average.
 * Pure: the same plan fills an order and checks a fill-or-kill without filling it.
 */
export function planPoolBuy(
  spec: MarketSpec,
  leg: PoolLeg,
  targetTicks: number | null,
  wanted: number,
  spendable: number,
  limitTicks: number,
): PoolPlan {
  const { baseReserve: B, quoteReserve: Q, feeBps } = leg.start;
  const bpl = BigInt(spec.baseAtomsPerLot);
  const before = Number(leg.base / bpl);
  if (targetTicks !== null && clearlyNoBuyLot(spec, leg, targetTicks, before)) return NOTHING;
  const maxBase = targetTicks === null ? B - 1n : maxSwapBaseOut(leg.start, BigInt(targetTicks) * BigInt(spec.quoteAtomsPerTickLot), bpl);
  let lots = Math.min(wanted, Number(maxBase / bpl) - before);
  if (lots <= 0) return NOTHING;
  const cost = (n: number): bigint | null => {
    const total = getAmountIn(BigInt(before + n) * bpl, Q, B, feeBps);
    return total === null ? null : total - leg.quote;
  };
  let fundsBound = false;
  let paid = cost(lots);
  if (paid === null || paid > BigInt(spendable)) {
    const affordable = getAmountOut(leg.quote + BigInt(spendable), Q, B, feeBps) ?? 0n;
    const affordableLots = Number(affordable / bpl) - before;
    if (affordableLots < lots) {
      lots = Math.max(0, affordableLots);
      fundsBound = true;
    }
  }
  for (let trims = 0; lots > 0; trims++) {
    paid = cost(lots);
    const tooDear =
      paid === null ||
      paid > BigInt(spendable) ||
      (limitTicks > 0 && paid > BigInt(lots) * BigInt(limitTicks) * BigInt(spec.quoteAtomsPerTickLot));
    if (!tooDear) return { lots, quote: Number(paid), fundsBound };
    // getAmountOut's estimate of the affordable lots can be one over (getAmountIn's +1): still the funds
    if (paid !== null && paid > BigInt(spendable)) fundsBound = true;
    if (trims === MAX_TRIMS) break;
    lots--;
  }
  return fundsBound ? { lots: 0, quote: 0, fundsBound } : NOTHING;
}

/**
 * Plans a sell's next pool stretch: the leg grows to the most whole lots whose continuation price stays
 * at or above `targetTicks` (no limit when null), by at most `wanted` and `sellable` lots, and for a
 * limit order never below its limit on average.
 */
export function planPoolSell(
  spec: MarketSpec,
  leg: PoolLeg,
  targetTicks: number | null,
  wanted: number,
  sellable: number,
  limitTicks: number,
): PoolPlan {
  const { baseReserve: B, quoteReserve: Q, feeBps } = leg.start;
  const bpl = BigInt(spec.baseAtomsPerLot);
  const before = Number(leg.base / bpl);
  let lots = wanted;
  if (targetTicks !== null) {
    if (clearlyNoSellLot(spec, leg, targetTicks, before)) return NOTHING;
    const maxBase = maxSwapBaseIn(leg.start, BigInt(targetTicks) * BigInt(spec.quoteAtomsPerTickLot), bpl);
    lots = Math.min(lots, Number(maxBase / bpl) - before);
  }
  let fundsBound = false;
  if (sellable < lots) {
    lots = sellable;
    fundsBound = true;
  }
  for (let trims = 0; lots > 0; trims++) {
    const total = getAmountOut(BigInt(before + lots) * bpl, B, Q, feeBps);
    const got = total === null ? 0n : total - leg.quote;
    const tooCheap =
      got <= 0n || (limitTicks > 0 && got < BigInt(lots) * BigInt(limitTicks) * BigInt(spec.quoteAtomsPerTickLot));
    if (!tooCheap) return { lots, quote: Number(got), fundsBound };
    if (trims === MAX_TRIMS) break;
    lots--;
  }
  return fundsBound ? { lots: 0, quote: 0, fundsBound } : NOTHING;
}

/**
 * Relative margin of the double-precision pre-checks below: their products carry a relative error of a
 * few 2^-53, so a difference beyond 1e-12 is certain, and anything closer goes to the exact bigint path.
 */
const MARGIN = 1 + 1e-12;

/**
 * True when not even one more lot fits under `targetTicks`: the buy continuation price at the next
 * whole lot, x1 = (before + 1) lots, is above the target, i.e. 10000·Q·B·pd > g·pn·(B − x1)² (the
 * condition of maxSwapBaseOut, monotone in x). Decided in doubles when clearly so, which spares the
 * bigint square root for the common taker whose limit does not reach the pool; false means "compute".
 */
export function clearlyNoBuyLot(spec: MarketSpec, leg: PoolLeg, targetTicks: number, before: number): boolean {
  const B = Number(leg.start.baseReserve);
  const rest = B - (before + 1) * spec.baseAtomsPerLot;
  if (rest <= 0) return true;
  const need = 10_000 * Number(leg.start.quoteReserve) * B * spec.baseAtomsPerLot;
  const room = (10_000 - leg.start.feeBps) * targetTicks * spec.quoteAtomsPerTickLot * rest * rest;
  return need > room * MARGIN;
}

/**
 * True when not even one more lot sells at or above `targetTicks`: at x1 = (before + 1) lots,
 * pn·(10000·B + g·x1)² > 10000·g·Q·B·pd (the condition of maxSwapBaseIn). As clearlyNoBuyLot.
 */
export function clearlyNoSellLot(spec: MarketSpec, leg: PoolLeg, targetTicks: number, before: number): boolean {
  const B = Number(leg.start.baseReserve);
  const g = 10_000 - leg.start.feeBps;
  const grown = 10_000 * B + g * (before + 1) * spec.baseAtomsPerLot;
  const asked = targetTicks * spec.quoteAtomsPerTickLot * grown * grown;
  const offered = 10_000 * g * Number(leg.start.quoteReserve) * B * spec.baseAtomsPerLot;
  return asked > offered * MARGIN;
}

/** Extends the leg by a planned stretch. */
export function extendLeg(leg: PoolLeg, spec: MarketSpec, plan: PoolPlan): void {
  leg.base += BigInt(plan.lots) * BigInt(spec.baseAtomsPerLot);
  leg.quote += BigInt(plan.quote);
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
