/**
 * The pool planner as first written (closed form for every stretch), kept as the reference that the
 * optimised planner in src/engine/pool-plan.ts must agree with exactly (router-properties.test.ts).
 */
import {
  baseOutForQuoteIn,
  maxBaseInWithinPrice,
  maxBaseOutWithinPrice,
  quoteInForBaseOut,
  quoteOutForBaseIn,
  type ConstantProductPool,
} from '../../src/engine/amm/uniswap-v2-math.js';
import type { MarketSpec } from '../../src/engine/market.js';
import type { PoolPlan } from '../../src/engine/pool-plan.js';

type Scales = Pick<MarketSpec, 'baseAtomsPerLot' | 'quoteAtomsPerTickLot'>;
const MAX_TRIMS = 4;

export function referencePlanBuy(
  spec: Scales,
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
  if (lots <= 0) return { lots: 0, quote: 0, fundsBound: false };
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
  return { lots: 0, quote: 0, fundsBound };
}

export function referencePlanSell(
  spec: Scales,
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
  return { lots: 0, quote: 0, fundsBound };
}
