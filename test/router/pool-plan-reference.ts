/**
 * A slow, straightforward reference of the pool planner in src/engine/pool-plan.ts, which the engine's
 * planner must agree with exactly (router-properties.test.ts). No closed forms and no trimming: every
 * rule is an exact bigint check at a candidate lot count.
 *
 * An order's pool part is ONE V2 swap from the reserves (B, Q) it found; its leg has moved X0 base
 * atoms so far for q0 quote atoms (q0 = getAmountIn(X0) for a buy, getAmountOut(X0) for a sell, as the
 * stretches telescope). The next stretch of n lots (lot = baseAtomsPerLot, g = 10000 − fee) must keep:
 *   price   the swap's continuation price at X = X0 + n·lot within the target (in ticks × qatl per lot):
 *             buy   X < B and 10000·Q·B·lot ≤ g·target·qatl·(B − X)²
 *             sell  target·qatl·(10000·B + g·X)² ≤ 10000·g·Q·B·lot
 *           (no target: a buy only needs X < B, a sell nothing)
 *   wanted  n ≤ wanted
 *   limit   (limit > 0) a buy pays getAmountIn(X) − q0 ≤ n·limit·qatl; a sell gets getAmountOut(X) − q0 ≥ n·limit·qatl
 *   funds   a buy pays getAmountIn(X) − q0 ≤ spendable; a sell n ≤ sellable
 * Each rule holds at n = 0 and, once broken, stays broken for every larger n: the continuation price is
 * monotone in X; the cost grows with n; and a stretch's exact cost (convex from its start, concave for
 * sells) has an average that only rises (falls) with n, which the floor of getAmountIn (getAmountOut)
 * keeps: with C the exact cost, getAmountIn(X) − q0 ≤ n·P ⇔ (C(X) − (⌊C(X0)⌋ + 1)) / n < P and −1/n
 * only rises. So the rules pick out a prefix 0…N of lot counts, and the plan is its top N: scanned
 * upward in doubling strides until a count breaks a rule, then bisected.
 * fundsBound says the funds (not the price, wanted or the limit) cut the stretch short. A sell whose
 * stretch would receive nothing (getAmountOut's floor) trades nothing.
 */
import { getAmountIn, getAmountOut } from '../../src/engine/amm/uniswap-v2-math.js';
import type { MarketSpec } from '../../src/engine/market.js';
import type { PoolLeg, PoolPlan } from '../../src/engine/pool-plan.js';

type Scales = Pick<MarketSpec, 'baseAtomsPerLot' | 'quoteAtomsPerTickLot'>;
const BPS = 10_000n;

/** The largest n in [0, cap] such that ok holds for 1…n (ok must break for good once it breaks). */
export function largestPrefix(cap: bigint, ok: (n: bigint) => boolean): bigint {
  let good = 0n;
  let stride = 1n;
  // scan upward, the stride doubling while counts keep passing
  while (good < cap) {
    const next = good + stride > cap ? cap : good + stride;
    if (!ok(next)) {
      // bisect (good, next): good passes, next does not
      let bad = next;
      while (bad - good > 1n) {
        const mid = (good + bad) / 2n;
        if (ok(mid)) good = mid;
        else bad = mid;
      }
      return good;
    }
    good = next;
    stride *= 2n;
  }
  return good;
}

function planOf(lots: bigint, quote: bigint, fundsBound: boolean): PoolPlan {
  return lots === 0n ? { lots: 0, quote: 0, fundsBound } : { lots: Number(lots), quote: Number(quote), fundsBound };
}

export function referencePlanBuy(
  spec: Scales,
  leg: PoolLeg,
  targetTicks: number | null,
  wanted: number,
  spendable: number,
  limitTicks: number,
): PoolPlan {
  const { baseReserve: B, quoteReserve: Q, feeBps } = leg.start;
  const g = BPS - BigInt(feeBps);
  const lot = BigInt(spec.baseAtomsPerLot);
  const qatl = BigInt(spec.quoteAtomsPerTickLot);
  const at = (n: bigint): bigint => leg.base + n * lot;
  /** what the stretch of n lots pays (the swap must be able to give them) */
  const paid = (n: bigint): bigint => (getAmountIn(at(n), Q, B, feeBps) as bigint) - leg.quote;
  const priceOk = (n: bigint): boolean =>
    at(n) < B && (targetTicks === null || BPS * Q * B * lot <= g * BigInt(targetTicks) * qatl * (B - at(n)) ** 2n);
  const limitOk = (n: bigint): boolean => limitTicks <= 0 || paid(n) <= n * BigInt(limitTicks) * qatl;
  const fundsOk = (n: bigint): boolean => paid(n) <= BigInt(spendable);
  const unfunded = largestPrefix(BigInt(wanted), (n) => priceOk(n) && limitOk(n));
  const lots = largestPrefix(unfunded, fundsOk);
  return planOf(lots, lots === 0n ? 0n : paid(lots), lots < unfunded);
}

export function referencePlanSell(
  spec: Scales,
  leg: PoolLeg,
  targetTicks: number | null,
  wanted: number,
  sellable: number,
  limitTicks: number,
): PoolPlan {
  const { baseReserve: B, quoteReserve: Q, feeBps } = leg.start;
  const g = BPS - BigInt(feeBps);
  const lot = BigInt(spec.baseAtomsPerLot);
  const qatl = BigInt(spec.quoteAtomsPerTickLot);
  const at = (n: bigint): bigint => leg.base + n * lot;
  /** what the stretch of n ≥ 1 lots receives */
  const got = (n: bigint): bigint => (getAmountOut(at(n), B, Q, feeBps) as bigint) - leg.quote;
  const priceOk = (n: bigint): boolean =>
    targetTicks === null || BigInt(targetTicks) * qatl * (BPS * B + g * at(n)) ** 2n <= BPS * g * Q * B * lot;
  const limitOk = (n: bigint): boolean => limitTicks <= 0 || got(n) >= n * BigInt(limitTicks) * qatl;
  const unfunded = largestPrefix(BigInt(wanted), (n) => priceOk(n) && limitOk(n));
  let lots = BigInt(sellable) < unfunded ? BigInt(sellable) : unfunded;
  const fundsBound = lots < unfunded;
  if (lots > 0n && got(lots) <= 0n) lots = 0n;
  return planOf(lots, lots === 0n ? 0n : got(lots), fundsBound);
}
