/**
 * Property tests of the hybrid router over random books, pools and market orders (fast-check).
 * HOOATS_SEED=<int> replays a run (the seed is printed); HOOATS_ROUTER_RUNS=<int> changes the count.
 *
 * The pool rule: an order's whole pool part is ONE V2 swap from the reserves it found (B, Q), taken
 * in stretches between book levels; a stretch from X_{i−1} to X_i pool lots pays getAmountIn(X_i) −
 * getAmountIn(X_{i−1}) (a sell receives getAmountOut(X_i) − getAmountOut(X_{i−1})), and ends at the
 * most whole lots whose continuation price within that swap, c(x) = 10000·Q·B / (g·(B − x)²) for buys,
 * 10000·g·Q·B / (10000·B + g·x)² for sells, is within the next level's price.
 *
 * Each case builds the same book and pool several times: routed (book + pool), book only (same book,
 * no pool), AMM only (same pool, no book), and checks:
 *   exactness  the AMM fills replay cumulatively as one swap from the order's start, and the pool ends
 *              where one swap of the order's total pool lots leaves it; the book part is the cheapest
 *              lots of the book; the interleaving rule holds (each stretch ends with c within the next
 *              level's price; a level is taken only when one more pool lot would take c past its price).
 *   (a) routed ≤ AMM only + R and ≤ book only + R (on equal filled amounts).
 *   (b) routed ≤ the optimal split + R: brute force over k lots from the pool in ONE swap + the cheapest
 *       N − k lots of the book; and the greedy interleaving of per-lot one-swap costs with book lots
 *       reaches that optimum (within 2 atoms: per-lot costs are differences of floored V2 totals).
 *   (c) k = baseReserve × quoteReserve never falls; (d) every asset conserved (RouterRig.check after
 *       every command: accounts + pool = supply = deposits − withdrawals + reserves + liquidity).
 *
 * Bounds (quote atoms, gross of the taker fee, which both venues charge alike; "≤" is "no worse for the
 * taker": pays no more, receives no less):
 *   R = S + W, with
 *   S = the number of pool stretches: V2 rounds by at most one atom per stretch (getAmountIn = floor + 1,
 *       getAmountOut = floor; as the stretches telescope the order's pool part is in fact rounded once);
 *   W = whole-lot rounding: one lot's worth of continuation-price change just past the router's final
 *       pool position X, lot × |c(X + lot) − c(X)|, rounded up (oneLotPriceStep). The router stops a
 *       stretch where the NEXT lot's end price passes the level; that lot's average price lies between
 *       its end prices, so it may still have been cheaper than the level by up to W.
 *   Why these suffice: the pool part costs exactly one swap of its lots, so routed = V(X) + the cheapest
 *   b book lots is one of the splits. Against a split with more pool lots: lot X + 1 costs at least
 *   lot·c(X) and every later lot at least lot·c(X + lot) > every book price taken (each level was taken
 *   with c(X' + lot) past it, X' ≤ X), so more pool saves < W + 1. Against fewer pool lots: every pool
 *   lot j cost at most lot·c(j) ≤ the level price its stretch stopped at ≤ every book lot not taken, so
 *   fewer pool saves < 1. Hence routed − optimum < W + 1, i.e. ≤ W ≤ R (and ≤ the brief's looser "one lot
 *   per stretch + R"); AMM only and book only are splits too. The worst observed gaps are printed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { getAmountIn, type ConstantProductPool } from '../../src/engine/amm/uniswap-v2-math.js';
import type { Fill, PlaceOrderResult } from '../../src/engine/events.js';
import type { MarketSpec } from '../../src/engine/market.js';
import {
  extendLeg,
  planPoolBuy,
  planPoolSell,
  poolAskTicks,
  poolBidTicks,
  startLeg,
  type PoolLeg,
  type PoolPlan,
} from '../../src/engine/pool-plan.js';
import { seedFromEnv } from '../support/prng.js';
import {
  afterBuy,
  afterSell,
  kOf,
  oneLotPriceStep,
  poolBuyCost,
  poolLotsOf,
  poolSellProceeds,
  replayPoolFills,
  swapAskAtMost,
  swapBidAtLeast,
  totals,
  type MarketShape,
  type ReplayedStretch,
} from './router-fixtures.js';
import { referencePlanBuy, referencePlanSell } from './pool-plan-reference.js';
import { RouterRig } from './router-rig.js';

const seed = seedFromEnv(Date.now() % 2_147_483_647);
console.log(`router properties: seed=${seed} (replay with HOOATS_SEED=${seed})`);
const RUNS = Number(process.env.HOOATS_ROUTER_RUNS ?? 600);
const PLAN_RUNS = Number(process.env.HOOATS_PLAN_RUNS ?? 20_000);

/** Market shapes with their scales (checked against the engine's spec): atoms per lot, per tick × lot. */
const SHAPES: ReadonlyArray<{ shape: Omit<MarketShape, 'takerFeeBps' | 'makerFeeBps'>; bpl: number; qatl: number }> = [
  // tick 0.01, lot 0.001; IDX 6 decimals, USDC 7
  { shape: { tickSize: '0.01', lotSize: '0.001', baseDecimals: 6, quoteDecimals: 7 }, bpl: 1000, qatl: 100 },
  // the same grid at the smallest scales it allows: one atom per lot and per tick × lot (rounding bites)
  { shape: { tickSize: '0.01', lotSize: '0.001', baseDecimals: 3, quoteDecimals: 5 }, bpl: 1, qatl: 1 },
  // tick 0.5, lot 0.00025; IDX 8 decimals, USDC 6
  { shape: { tickSize: '0.5', lotSize: '0.00025', baseDecimals: 8, quoteDecimals: 6 }, bpl: 25_000, qatl: 125 },
];

interface Scenario {
  shape: number;
  takerFeeBps: number;
  poolFeeBps: number;
  baseLots: number;
  mid: number;
  jitter: number;
  side: 'buy' | 'sell';
  book: { dense: boolean; levels: Array<{ offBps: number; lots: number }> };
  repriceBps: number;
  size: number;
}

const scenarioArb: fc.Arbitrary<Scenario> = fc.record({
  shape: fc.constantFrom(0, 1, 2),
  takerFeeBps: fc.constantFrom(0, 25),
  poolFeeBps: fc.oneof(fc.constantFrom(0, 30, 100), fc.integer({ min: 0, max: 500 })),
  baseLots: fc.integer({ min: 200, max: 200_000 }),
  mid: fc.integer({ min: 50, max: 50_000 }),
  jitter: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 1_000_000 })),
  side: fc.constantFrom('buy' as const, 'sell' as const),
  // levels spread over 8 % beyond the pool's other-side quote (many inside its fee spread), or packed
  // within 0.6 % beyond its own quote so that orders weave several pool stretches between them
  book: fc.oneof(
    fc.record({
      dense: fc.constant(false),
      levels: fc.array(fc.record({ offBps: fc.integer({ min: 0, max: 800 }), lots: fc.integer({ min: 1, max: 4000 }) }), { maxLength: 8 }),
    }),
    fc.record({
      dense: fc.constant(true),
      levels: fc.array(fc.record({ offBps: fc.integer({ min: 0, max: 60 }), lots: fc.integer({ min: 1, max: 400 }) }), { minLength: 3, maxLength: 12 }),
    }),
  ),
  repriceBps: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 600 })),
  size: fc.integer({ min: 1, max: 6000 }),
});

/** A scenario made concrete: the pool as configured, the maker levels, the pool after repricing. */
interface Case {
  sc: Scenario;
  shape: MarketShape;
  pool0: ConstantProductPool;
  /** [ticks, lots] as placed (may repeat a price) */
  levels: Array<[number, number]>;
  liquidity: { baseAmount: number; quoteAmount: number };
  depthLots: number;
  n: number;
}

function concretise(sc: Scenario): Case {
  const { shape: s, bpl, qatl } = SHAPES[sc.shape];
  const shape: MarketShape = { ...s, takerFeeBps: sc.takerFeeBps, makerFeeBps: 10 };
  const pool0: ConstantProductPool = {
    baseReserve: BigInt(sc.baseLots) * BigInt(bpl),
    quoteReserve: BigInt(sc.baseLots) * BigInt(sc.mid) * BigInt(qatl) + BigInt(sc.jitter),
    feeBps: sc.poolFeeBps,
  };
  const scales = { baseAtomsPerLot: bpl, quoteAtomsPerTickLot: qatl } as MarketSpec;
  // resting makers strictly inside what the pool would not take on arrival: asks above its bid, bids below its ask
  const bidTicks = poolBidTicks(scales, pool0) ?? 0;
  const askTicks = poolAskTicks(scales, pool0)!;
  const maxLevel = Math.max(1, Math.floor(sc.baseLots / 20));
  const levels: Array<[number, number]> = [];
  for (const { offBps, lots } of sc.book.levels) {
    const off = Math.round((sc.mid * offBps) / 10_000);
    const price = sc.book.dense
      ? sc.side === 'buy' ? askTicks + off : Math.max(1, bidTicks - off)
      : sc.side === 'buy' ? bidTicks + 1 + off : askTicks - 1 - off;
    if (price >= 1) levels.push([price, Math.min(lots, maxLevel)]);
  }
  // repricing moves the pool past some of those levels, so the book can be better than the pool
  const liquidity =
    sc.side === 'buy'
      ? { baseAmount: 0, quoteAmount: Number((pool0.quoteReserve * BigInt(sc.repriceBps)) / 10_000n) }
      : { baseAmount: Number((pool0.baseReserve * BigInt(sc.repriceBps)) / 10_000n), quoteAmount: 0 };
  const depthLots = levels.reduce((a, [, l]) => a + l, 0);
  const n = Math.max(1, Math.min(sc.size, Math.floor(sc.baseLots / 2), 2 * depthLots + 500));
  return { sc, shape, pool0, levels, liquidity, depthLots, n };
}

const FUNDS = { IDX: 10_000_000_000_000, USDC: 100_000_000_000_000 };

/** The case's market with or without the pool and the book, funded, makers resting, pool repriced. */
function build(c: Case, withPool: boolean, withBook: boolean): RouterRig {
  const rig = new RouterRig(c.shape, withPool ? c.pool0 : null);
  const { bpl, qatl } = SHAPES[c.sc.shape];
  assert.deepEqual([rig.spec.baseAtomsPerLot, rig.spec.quoteAtomsPerTickLot], [bpl, qatl], 'shape scales');
  for (const u of ['mk', 'tk']) {
    rig.deposit(u, 'IDX', FUNDS.IDX);
    rig.deposit(u, 'USDC', FUNDS.USDC);
  }
  if (withBook) {
    const makerSide = c.sc.side === 'buy' ? 'sell' : 'buy';
    for (const [price, lots] of c.levels) assert.equal(rig.limit('mk', makerSide, price, lots).fills.length, 0, 'maker traded on arrival');
  }
  if (withPool && c.liquidity.baseAmount + c.liquidity.quoteAmount > 0) {
    assert.ok(rig.liquidity('addLiquidity', c.liquidity.baseAmount, c.liquidity.quoteAmount).ok);
  }
  return rig;
}

function marketOrder(rig: RouterRig, side: 'buy' | 'sell', lots: number): PlaceOrderResult {
  const res = rig.market('tk', side, { amount: lots });
  assert.equal(res.order.filled, lots, `a ${side} of ${lots} lots filled ${res.order.filled}`);
  return res;
}

/** Book lot prices in quote atoms, best first (what the book alone gives, lot by lot). */
function bookLotCosts(spec: MarketSpec, depth: Array<[number, number]>): bigint[] {
  const out: bigint[] = [];
  for (const [price, lots] of depth) for (let i = 0; i < lots; i++) out.push(BigInt(price * spec.quoteAtomsPerTickLot));
  return out;
}

/**
 * The interleaving rule, replayed on the order's one swap from `start`: before each book level the
 * swap grows (possibly by nothing) as far as the level's price allows, so each stretch ends with the
 * continuation price within the next level's price, and a level is taken only when one more pool lot
 * would take the continuation price past it.
 */
function checkInterleaving(
  spec: MarketSpec,
  start: ConstantProductPool,
  side: 'buy' | 'sell',
  fills: readonly Fill[],
  stretches: readonly ReplayedStretch[],
): void {
  const within = (lots: number, ticks: number): boolean =>
    side === 'buy' ? swapAskAtMost(spec, start, lots, ticks) : swapBidAtLeast(spec, start, lots, ticks);
  let poolLots = 0;
  let seenStretches = 0;
  for (let i = 0; i < fills.length; i++) {
    const f = fills[i];
    const prev = i === 0 ? null : fills[i - 1];
    if (f.venue === 'amm') {
      poolLots = stretches[seenStretches++].lots;
      const next = fills[i + 1];
      if (next !== undefined) assert.ok(within(poolLots, next.price), `pool stretch ${seenStretches} passed the next level ${next.price}`);
    } else if (prev === null || prev.venue === 'amm' || prev.price !== f.price) {
      assert.ok(!within(poolLots + 1, f.price), `book level ${f.price} taken while the swap had one more lot within it (at ${poolLots} lots)`);
    }
  }
}

/** Stats over the run, printed at the end (gaps in quote atoms; "worse" is worse for the taker). */
const seen = {
  cases: 0,
  multiStretch: 0,
  stretches: 0,
  maxStretches: 0,
  bookCompared: 0,
  /** routed vs the optimal split */
  optGapPositive: 0,
  optGapWorst: 0,
  optGapWorstW: 0,
  /** gap / W where W ≥ 100 atoms (a lot's price step well above V2's rounding) */
  optGapWorstOverW: 0,
  /** max of gap − W over all cases: theory says < 1, so ≤ 0 in whole atoms */
  optGapMinusW: -Infinity,
  optGapWorstRel: 0,
  /** routed vs AMM only (negative: routed is better) */
  ammWorse: 0,
  ammWorstBy: -Infinity,
  ammBestBy: 0,
  /** routed vs book only, on the amount the book alone fills */
  bookWorse: 0,
  bookWorstBy: -Infinity,
  greedyOffByAtoms: 0,
  worstW: 0,
};

function checkCase(c: Case): void {
  const { sc, n } = c;
  const buy = sc.side === 'buy';
  /** "a is no worse than b" for the taker: pays less (buy) or receives more (sell), by margin atoms */
  const noWorse = (a: bigint, b: bigint, margin: bigint): boolean => (buy ? a <= b + margin : a >= b - margin);
  const worseBy = (a: bigint, b: bigint): bigint => (buy ? a - b : b - a);

  const routed = build(c, true, true);
  const spec = routed.spec;
  const start = routed.pool();
  const depth = buy ? routed.h.depth().asks : routed.h.depth().bids;
  const bookLots = bookLotCosts(spec, depth);
  const prefix = [0n];
  for (const v of bookLots) prefix.push(prefix[prefix.length - 1] + v);
  const poolCost = (k: number): bigint | null => (buy ? poolBuyCost(spec, start, k) : poolSellProceeds(spec, start, k));

  /** checks a routed order's exactness on its rig (one swap, interleaving, book part, route); its cost, W and R */
  const routeChecked = (rig: RouterRig, res: PlaceOrderResult) => {
    const t = totals(res.fills);
    const stretches = replayPoolFills(spec, start, sc.side, res.fills);
    checkInterleaving(spec, start, sc.side, res.fills, stretches);
    const kr = poolLotsOf(stretches);
    assert.equal(kr, t.ammLots);
    assert.equal(BigInt(t.ammQuote), poolCost(kr), 'the pool part costs one swap of its lots');
    const end = kr === 0 ? start : buy ? afterBuy(spec, start, kr)! : afterSell(spec, start, kr);
    assert.deepEqual(rig.pool(), end, 'the pool ends where one swap of its lots leaves it');
    assert.equal(BigInt(t.quote - t.ammQuote), prefix[t.bookLots], 'the book part is the best lots of the book');
    assert.deepEqual(res.route, { book: t.bookLots, amm: t.ammLots });
    const W = oneLotPriceStep(spec, start, sc.side, kr);
    assert.ok(W !== null, 'the pool could give one more lot');
    return { t, kr, cost: BigInt(t.quote), W, R: BigInt(t.stretches) + W };
  };

  const res = marketOrder(routed, sc.side, n);
  const { t, kr, cost, W, R } = routeChecked(routed, res);
  seen.stretches += t.stretches;
  seen.maxStretches = Math.max(seen.maxStretches, t.stretches);
  if (t.stretches > 1) seen.multiStretch++;
  seen.worstW = Math.max(seen.worstW, Number(W));
  // (c) k never falls (RouterRig.check also asserted it after every command, as well as (d))
  assert.ok(kOf(routed.pool()) >= kOf(start));

  // (a) book only, on the amount the book alone can fill
  const m = Math.min(n, c.depthLots);
  if (m > 0) {
    const rigM = m === n ? routed : build(c, true, true);
    const routedM = m === n ? { cost, R } : routeChecked(rigM, marketOrder(rigM, sc.side, m));
    const bookM = marketOrder(build(c, false, true), sc.side, m);
    const bt = totals(bookM.fills);
    assert.equal(bt.ammLots, 0);
    const bookCost = BigInt(bt.quote);
    assert.ok(noWorse(routedM.cost, bookCost, routedM.R), `routed ${routedM.cost} vs book only ${bookCost} for ${m} lots (R ${routedM.R})`);
    const by = Number(worseBy(routedM.cost, bookCost));
    if (by > 0) seen.bookWorse++;
    seen.bookWorstBy = Math.max(seen.bookWorstBy, by);
    seen.bookCompared++;
  }

  // (b) the optimal split: k lots from the pool in one swap + the cheapest n − k lots of the book
  let opt: bigint | null = null;
  for (let k = Math.max(0, n - bookLots.length); k <= n; k++) {
    const p = poolCost(k);
    if (p === null) break;
    const f = p + prefix[n - k];
    if (opt === null || (buy ? f < opt : f > opt)) opt = f;
  }
  assert.ok(opt !== null);
  // the greedy interleaving of per-lot one-swap pool costs with book lots reaches the same optimum
  let greedy = 0n;
  let kp = 0;
  let kb = 0;
  let prevPool = 0n;
  for (let i = 0; i < n; i++) {
    const nextPool = poolCost(kp + 1);
    const poolLot = nextPool === null ? null : nextPool - prevPool;
    const book = kb < bookLots.length ? bookLots[kb] : null;
    if (poolLot !== null && (book === null || (buy ? poolLot <= book : poolLot >= book))) {
      greedy += poolLot;
      prevPool = nextPool!;
      kp++;
    } else {
      greedy += book!;
      kb++;
    }
  }
  // (one-swap lot costs are differences of floored totals, so they may step down by an atom)
  const greedyOff = worseBy(greedy, opt);
  assert.ok(greedyOff >= 0n && greedyOff <= 2n, `the greedy interleaving is ${greedyOff} atoms from the optimal split`);
  if (greedyOff !== 0n) seen.greedyOffByAtoms++;

  const gap = worseBy(cost, opt);
  assert.ok(gap >= 0n, 'nothing beats the optimum');
  assert.ok(gap <= R, `${gap} atoms from the optimal split; R = ${t.stretches} stretches + W ${W}`);
  // in fact within W alone (routed − optimum < W + 1 before W is rounded up, see the file comment)
  assert.ok(gap <= W, `${gap} atoms from the optimal split, more than one lot's price step W = ${W}`);
  seen.optGapMinusW = Math.max(seen.optGapMinusW, Number(gap - W));
  if (gap > 0n) {
    seen.optGapPositive++;
    if (Number(gap) > seen.optGapWorst) {
      seen.optGapWorst = Number(gap);
      seen.optGapWorstW = Number(W);
    }
    if (W >= 100n) seen.optGapWorstOverW = Math.max(seen.optGapWorstOverW, Number(gap) / Number(W));
    seen.optGapWorstRel = Math.max(seen.optGapWorstRel, Number(gap) / Number(cost === 0n ? 1n : cost));
  }

  // (a) AMM only, on the whole amount (the pool alone fills it): one swap, no better than routed + R
  const amm = marketOrder(build(c, true, false), sc.side, n);
  const ammCost = BigInt(totals(amm.fills).quote);
  assert.equal(ammCost, poolCost(n), 'AMM only is one swap');
  assert.ok(noWorse(cost, ammCost, R), `routed ${cost} vs AMM only ${ammCost} (R ${R})`);
  const ammBy = Number(worseBy(cost, ammCost));
  if (ammBy > 0) seen.ammWorse++;
  seen.ammWorstBy = Math.max(seen.ammWorstBy, ammBy);
  seen.ammBestBy = Math.min(seen.ammBestBy, ammBy);
  seen.cases++;
}

describe('router properties', () => {
  it(`over random books, pools and market orders (${RUNS} cases): exact, (a) no worse than one venue, (b) near the optimal split, (c) k, (d) conservation`, () => {
    fc.assert(
      fc.property(scenarioArb, (sc) => checkCase(concretise(sc))),
      { seed, numRuns: RUNS, includeErrorInReport: true },
    );
    console.log(`router properties: ${JSON.stringify(seen)}`);
  });
});

/**
 * The engine's planner (closed forms, then at most a few trims) must give exactly the plans of the slow
 * reference in pool-plan-reference.ts (exact checks of every rule, scanned upward), stretch after
 * stretch of one order's swap, as the router calls it: buy targets rising, sell targets falling, then
 * the order's bound (none for a market order); a limit order's limit at or beyond every target; wanted
 * and funds shrinking as the stretches fill. Reserves up to 2^52 atoms a side (the engine keeps them
 * below 2^53). Inputs the router never makes (a limit on the wrong side of the target) only need a
 * sound plan: within every rule and no longer than the reference's.
 */
describe('pool planner', () => {
  const MAX = Number.MAX_SAFE_INTEGER;
  const bits = (max: number): fc.Arbitrary<bigint> =>
    fc.integer({ min: 1, max }).chain((b) => fc.bigInt({ min: 1n, max: (1n << BigInt(b)) - 1n }));
  const planInput = fc.record({
    bpl: fc.oneof(fc.constantFrom(1, 1000, 25_000), fc.integer({ min: 1, max: 1_000_000 })),
    qatl: fc.oneof(fc.constantFrom(1, 100, 125), fc.integer({ min: 1, max: 1_000_000 })),
    baseReserve: bits(52).map((v) => v + 1n),
    quoteReserve: bits(52).map((v) => v + 1n),
    feeBps: fc.oneof(fc.constantFrom(0, 1, 30, 100, 9999), fc.integer({ min: 0, max: 9999 })),
    // the stretches' targets: the pool's price moved by −5 % to +30 %, or by −90 % to +1000 %
    moves: fc.array(fc.oneof(fc.integer({ min: -500, max: 3000 }), fc.integer({ min: -9000, max: 100_000 })), { minLength: 1, maxLength: 5 }),
    open: fc.boolean(),
    wanted: fc.oneof(fc.integer({ min: 1, max: 2000 }), fc.integer({ min: 1, max: 1_000_000_000 }), fc.constant(MAX)),
    funds: fc.oneof(fc.constant(MAX), fc.integer({ min: 0, max: MAX }), fc.integer({ min: 0, max: 1_000_000 })),
    // or (buys) funds right at the cost of some lot count of the first stretch, ± 2 atoms, where the
    // planner's estimate of what is affordable meets getAmountIn's rounding
    edge: fc.oneof(fc.constant(null), fc.record({ share: fc.double({ min: 0, max: 1, noNaN: true }), delta: fc.integer({ min: -2, max: 2 }) })),
    // a limit order: its limit this many bps beyond its last target
    limitBeyond: fc.oneof(fc.constant(null), fc.integer({ min: 0, max: 300 })),
    wrongBps: fc.integer({ min: 1, max: 2000 }),
  });

  type Side = 'buy' | 'sell';
  const plan = (side: Side, spec: MarketSpec, leg: PoolLeg, target: number | null, wanted: number, funds: number, limit: number): PoolPlan =>
    side === 'buy' ? planPoolBuy(spec, leg, target, wanted, funds, limit) : planPoolSell(spec, leg, target, wanted, funds, limit);
  const reference = (side: Side, spec: MarketSpec, leg: PoolLeg, target: number | null, wanted: number, funds: number, limit: number): PoolPlan =>
    side === 'buy' ? referencePlanBuy(spec, leg, target, wanted, funds, limit) : referencePlanSell(spec, leg, target, wanted, funds, limit);

  /** A plan is sound if a stretch of its lots keeps every rule (the reference's rules, checked directly). */
  function assertSound(side: Side, spec: MarketSpec, leg: PoolLeg, target: number | null, wanted: number, funds: number, limit: number, p: PoolPlan): void {
    const ref = reference(side, spec, leg, target, wanted, funds, limit);
    assert.ok(p.lots <= ref.lots, `${side}: ${p.lots} lots, the reference's most is ${ref.lots}`);
    if (p.lots === 0) return;
    assert.ok(p.lots <= wanted && (side === 'buy' ? p.quote <= funds : p.lots <= funds), `${side}: past wanted or funds`);
    // the reference capped at the plan's own lots and quote keeps them only if they keep every rule
    const one = reference(side, spec, leg, target, p.lots, side === 'buy' ? p.quote : p.lots, limit);
    assert.deepEqual([one.lots, one.quote], [p.lots, p.quote], `${side}: the plan's lots break a rule or its quote is wrong`);
  }

  it('funds that end exactly on a whole-atom cost still bind the stretch', () => {
    // fee 0, B = Q = 1000 atoms, one atom a lot: 500 lots cost exactly 1000 before rounding, 1001 with
    // getAmountIn's +1, so 1000 atoms buy 499 lots (997), and it is the funds that stop there
    const spec = { baseAtomsPerLot: 1, quoteAtomsPerTickLot: 1 } as MarketSpec;
    const leg = startLeg({ baseReserve: 1000n, quoteReserve: 1000n, feeBps: 0 });
    const expected = { lots: 499, quote: 997, fundsBound: true };
    assert.deepEqual(referencePlanBuy(spec, leg, 100, 500, 1000, 0), expected);
    assert.deepEqual(planPoolBuy(spec, leg, 100, 500, 1000, 0), expected);
    // one atom more and the price, not the funds, is what is left: all 500
    assert.deepEqual(planPoolBuy(spec, leg, 100, 500, 1001, 0), { lots: 500, quote: 1001, fundsBound: false });
  });

  it('plans exactly what the slow reference plans, stretch after stretch of one swap, buys and sells', () => {
    const stats = { stretches: 0, traded: 0, fundsBound: 0, withLeg: 0 };
    fc.assert(
      fc.property(planInput, (v) => {
        const spec = { baseAtomsPerLot: v.bpl, quoteAtomsPerTickLot: v.qatl } as MarketSpec;
        const pool: ConstantProductPool = { baseReserve: v.baseReserve, quoteReserve: v.quoteReserve, feeBps: v.feeBps };
        for (const side of ['buy', 'sell'] as const) {
          const own = side === 'buy' ? poolAskTicks(spec, pool)! : (poolBidTicks(spec, pool) ?? 1);
          const moved = (bps: number): number =>
            Math.max(1, Math.round(side === 'buy' ? (own * (10_000 + bps)) / 10_000 : (own * 10_000) / (10_000 + bps)));
          // router order: a buy's levels rise, a sell's fall
          const targets: Array<number | null> = v.moves.map(moved).sort((a, b) => (side === 'buy' ? a - b : b - a));
          const last = targets[targets.length - 1]!;
          const limit =
            v.limitBeyond === null ? 0 : Math.max(1, side === 'buy' ? Math.ceil((last * (10_000 + v.limitBeyond)) / 10_000) : Math.floor((last * (10_000 - v.limitBeyond)) / 10_000));
          // the last stretch runs to the order's bound: its limit, or none for a market order
          if (v.open) targets.push(limit === 0 ? null : limit);
          const leg = startLeg(pool);
          let wanted = v.wanted;
          let funds = side === 'buy' ? v.funds : v.funds === MAX ? v.wanted : v.funds % (v.wanted + 1);
          if (side === 'buy' && v.edge !== null) {
            const most = reference(side, spec, leg, targets[0], wanted, MAX, limit).lots;
            const k = Math.max(1, Math.floor(most * v.edge.share));
            const cost = getAmountIn(BigInt(k) * BigInt(v.bpl), pool.quoteReserve, pool.baseReserve, pool.feeBps);
            if (most > 0 && cost !== null) funds = Math.max(0, Math.min(MAX, Number(cost) + v.edge.delta));
          }
          for (const [i, target] of targets.entries()) {
            if (leg.base > 0n) stats.withLeg++;
            const got = plan(side, spec, leg, target, wanted, funds, limit);
            assert.deepEqual(got, reference(side, spec, leg, target, wanted, funds, limit), `${side} stretch ${i} (target ${target}, leg ${leg.base}/${leg.quote})`);
            stats.stretches++;
            if (got.lots > 0) stats.traded++;
            // a limit on the wrong side of the target (never made by the router): sound, not necessarily maximal
            if (target !== null) {
              const wrong = Math.max(1, side === 'buy' ? Math.floor((target * 10_000) / (10_000 + v.wrongBps)) : Math.ceil((target * (10_000 + v.wrongBps)) / 10_000));
              assertSound(side, spec, leg, target, wanted, funds, wrong, plan(side, spec, leg, target, wanted, funds, wrong));
            }
            extendLeg(leg, spec, got);
            wanted -= got.lots;
            funds -= side === 'buy' ? got.quote : got.lots;
            if (got.fundsBound) stats.fundsBound++;
            if (got.fundsBound || wanted === 0) break;
          }
        }
      }),
      { seed, numRuns: PLAN_RUNS, includeErrorInReport: true },
    );
    console.log(`pool planner: ${JSON.stringify(stats)}`);
  });
});
