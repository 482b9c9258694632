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
  let lots =
    targetTicks === null
      ? Math.min(wanted, Number((pool.baseReserve - 1n) / bpl))
      : lotsWithin(true, pool, BigInt(targetTicks) * BigInt(spec.quoteAtomsPerTickLot), bpl, wanted);
  if (lots <= 0) return NOTHING;
  let fundsBound = false;
  let cost = quoteInForBaseOut(pool, BigInt(lots) * bpl);
  let costLots = lots;
  if (cost === null || cost > BigInt(spendable)) {
    const affordable = baseOutForQuoteIn(pool, BigInt(spendable)) ?? 0n;
    const affordableLots = Number(affordable / bpl);
    if (affordableLots < lots) {
      lots = affordableLots;
      fundsBound = true;
    }
  }
  for (let trims = 0; lots > 0; trims++) {
    if (lots !== costLots) {
      cost = quoteInForBaseOut(pool, BigInt(lots) * bpl);
      costLots = lots;
    }
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
  if (targetTicks !== null && lots > 0) lots = lotsWithin(false, pool, BigInt(targetTicks) * BigInt(spec.quoteAtomsPerTickLot), bpl, wanted);
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

const BPS = 10_000n;
/** How far a floating-point estimate may be from the answer before the exact closed form is used. */
const ESTIMATE_STEPS = 2;

/** Whether buying `lots` leaves the marginal ask ≤ priceNum / lotAtoms (per base atom); exact. */
function askWithin(pool: ConstantProductPool, priceNum: bigint, lotAtoms: bigint, lots: number): boolean {
  const g = BPS - BigInt(pool.feeBps);
  if (lots === 0) return pool.quoteReserve * BPS * lotAtoms <= priceNum * pool.baseReserve * g;
  const x = BigInt(lots) * lotAtoms;
  const paid = quoteInForBaseOut(pool, x);
  return paid !== null && (pool.quoteReserve + paid) * BPS * lotAtoms <= priceNum * (pool.baseReserve - x) * g;
}

/** Whether selling `lots` leaves the marginal bid ≥ priceNum / lotAtoms (per base atom); exact. */
function bidWithin(pool: ConstantProductPool, priceNum: bigint, lotAtoms: bigint, lots: number): boolean {
  const x = BigInt(lots) * lotAtoms;
  const got = lots === 0 ? 0n : (quoteOutForBaseIn(pool, x) ?? 0n);
  return (pool.quoteReserve - got) * (BPS - BigInt(pool.feeBps)) * lotAtoms >= priceNum * (pool.baseReserve + x) * BPS;
}

/**
 * min(wanted, the most whole lots a buyer (isBuy) or seller can trade with the pool's marginal price
 * still within price = priceNum / lotAtoms quote atoms per base atom): exactly what the closed forms
 * maxBaseOutWithinPrice / maxBaseInWithinPrice give, in whole lots, but faster. A floating-point root
 * of the same quadratic is checked exactly at L and L + 1 lots (the condition is monotone, so that pins
 * the answer down); only when the estimate is more than a couple of lots off (reserves far beyond
 * 2^53) does the bigint closed form run. The float only says where to start looking: every answer is
 * decided by the exact bigint checks, so results (and replay) never depend on floating point.
 * (Plain functions, no closures: this is the routed hot path.)
 *
 * Buy, exact curve, r = 10000/g, p per base atom: the ask after x is r·Q·(B + (r − 1)·x) / (B − x)²,
 * ≤ p up to the smaller root of p·x² − (2pB + c)·x + (pB² − rQB) with c = rQ(r − 1), written so that
 * nothing cancels: x = 2(pB² − rQB) / ((2pB + c) + √(c² + 4pB(c + rQ))).
 * Sell, s = g/10000: the bid after x is s·Q·B / ((B + s·x)(B + x)), ≥ p up to the root of
 * s·x² + B(1 + s)·x + B² − sQB/p: x = 2(sQB/p − B²) / (B(1 + s) + √(B²(1 − s)² + 4s²QB/p)).
 */
function lotsWithin(isBuy: boolean, pool: ConstantProductPool, priceNum: bigint, lotAtoms: bigint, wanted: number): number {
  const b = Number(pool.baseReserve);
  const q = Number(pool.quoteReserve);
  const p = Number(priceNum) / Number(lotAtoms);
  let x: number;
  if (isBuy) {
    const r = 10_000 / (10_000 - pool.feeBps);
    const c = r * q * (r - 1);
    x = (2 * (p * b * b - r * q * b)) / (2 * p * b + c + Math.sqrt(c * c + 4 * p * b * (c + r * q)));
  } else {
    const s = (10_000 - pool.feeBps) / 10_000;
    x = (2 * ((s * q * b) / p - b * b)) / (b * (1 + s) + Math.sqrt(b * b * (1 - s) * (1 - s) + (4 * s * s * q * b) / p));
  }
  const estimate = Math.floor(x / Number(lotAtoms));
  if (Number.isFinite(estimate)) {
    let lots = Math.max(0, Math.min(wanted, estimate));
    let settled = true;
    for (let step = 0; !(isBuy ? askWithin(pool, priceNum, lotAtoms, lots) : bidWithin(pool, priceNum, lotAtoms, lots)); step++) {
      if (lots === 0) return 0;
      if (step === ESTIMATE_STEPS) {
        settled = false;
        break;
      }
      lots--;
    }
    for (let step = 0; settled && lots < wanted; step++) {
      if (!(isBuy ? askWithin(pool, priceNum, lotAtoms, lots + 1) : bidWithin(pool, priceNum, lotAtoms, lots + 1))) return lots;
      if (step === ESTIMATE_STEPS) settled = false;
      else lots++;
    }
    if (settled) return lots;
  }
  const exact = isBuy ? maxBaseOutWithinPrice(pool, priceNum, lotAtoms) : maxBaseInWithinPrice(pool, priceNum, lotAtoms);
  return Math.min(wanted, Number(exact / lotAtoms));
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
