/**
 * Property tests of the hybrid router over random books, pools and market orders (fast-check).
 * HOOATS_SEED=<int> replays a run (the seed is printed); HOOATS_ROUTER_RUNS=<int> changes the count.
 *
 * Each case builds the same book and pool several times: routed (book + pool), book only (same book,
 * no pool), AMM only (same pool, no book), and checks:
 *   exactness  every AMM fill is one V2 swap at the pool as the order's earlier fills left it; the
 *              book part is the cheapest lots of the book; the interleaving rule holds (each pool
 *              stretch ends within the next level's price; a level is taken only when one more pool
 *              lot would pass its price).
 *   (a) vs book only / AMM only, on equal filled amounts.
 *   (b) vs the optimal split (brute force over k lots from the pool in ONE swap + the cheapest N − k
 *       book lots), and the greedy interleaving of per-lot pool costs with book lots = that optimum
 *       (within 2 atoms: per-lot costs are differences of floored V2 totals, not quite monotone).
 *   (c) k = baseReserve × quoteReserve never falls; (d) every asset conserved (RouterRig.check after
 *       every command: accounts + pool = supply = deposits − withdrawals + reserves + liquidity).
 *
 * Bounds (all in quote atoms, gross of the taker fee, which both venues charge alike):
 *   R = 2 per pool stretch: V2 rounds each swap by at most one atom, and the marginal-price rule is
 *       evaluated on those rounded reserves, so a stretch's total may pass its target price by ≤ 1–2
 *       atoms.
 *   Book only: routed ≤ book-only + R (a stretch replaces book lots priced at or above its target).
 *   Optimum and AMM only: the router pays the pool in stretches, one V2 swap per stretch, and decides
 *   by the marginal price after whole lots. Against one swap of the same lots this costs
 *     split = Σ stretch quotes − V2 cost of all pool lots in one swap
 *   (0 ± rounding with pool fee 0; with a fee it is V2's own compounding: the fee paid in one stretch
 *   stays in the pool and raises the price of the next), and whole lots leave
 *     boundary = Σ over pool lots past the router's, of (worst book price paid − that lot's one-swap
 *   cost)⁺, the lots the one-swap curve would still have sold below the book (at most one lot with
 *   fee 0; a few more with a fee, as the stretches' compounding moved the marginal price up).
 *   With fee 0: routed − optimum ≤ one lot's price impact + R. With a fee: routed − optimum ≤
 *   split + boundary + R, and the whole gap ≤ 2 × fee × (base share of the pool the order took) ×
 *   quote paid to the pool + one lot's impact + R, a second-order amount (printed at the end).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { ConstantProductPool } from '../../src/engine/amm/uniswap-v2-math.js';
import type { Fill, PlaceOrderResult } from '../../src/engine/events.js';
import type { MarketSpec } from '../../src/engine/market.js';
import { planPoolBuy, planPoolSell, poolAskTicks, poolBidTicks } from '../../src/engine/pool-plan.js';
import { seedFromEnv } from '../support/prng.js';
import {
  afterBuy,
  afterSell,
  askAtMost,
  bidAtLeast,
  kOf,
  poolBuyCost,
  poolSellProceeds,
  replayPoolFills,
  totals,
  type MarketShape,
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
 * The interleaving rule, replayed: before each book level the pool trades one stretch (one V2 swap,
 * possibly of nothing) as far as the level's price allows; so each stretch ends with the marginal price
 * within the next level's price, and the stretch could not have been one lot longer (as that one swap).
 */
function checkInterleaving(spec: MarketSpec, start: ConstantProductPool, side: 'buy' | 'sell', fills: readonly Fill[]): void {
  const buy = side === 'buy';
  const within = (pool: ConstantProductPool, ticks: number): boolean => (buy ? askAtMost(spec, pool, ticks) : bidAtLeast(spec, pool, ticks));
  const swap = (pool: ConstantProductPool, lots: number): ConstantProductPool | null =>
    buy ? afterBuy(spec, pool, lots) : afterSell(spec, pool, lots);
  const states = replayPoolFills(spec, start, side, fills);
  let pool = start;
  let ammSeen = 0;
  for (let i = 0; i < fills.length; i++) {
    const f = fills[i];
    const prev = i === 0 ? null : fills[i - 1];
    if (f.venue === 'amm') {
      pool = states[ammSeen++];
      const next = fills[i + 1];
      if (next !== undefined) assert.ok(within(pool, next.price), `pool stretch ${ammSeen} passed the next level ${next.price}`);
    } else if (prev === null || prev.venue === 'amm' || prev.price !== f.price) {
      // a new level: the stretch before it (the previous fill if that was the pool's, else no lots)
      const stretchStart = prev !== null && prev.venue === 'amm' ? (ammSeen >= 2 ? states[ammSeen - 2] : start) : pool;
      const stretchLots = prev !== null && prev.venue === 'amm' ? prev.amount : 0;
      const longer = swap(stretchStart, stretchLots + 1);
      assert.ok(longer === null || !within(longer, f.price), `book level ${f.price} taken while the pool had one more lot within it`);
    }
  }
}

/** Stats over the run, printed at the end. */
const seen = { multiStretch: 0, cases: 0, bookCompared: 0, ammStrictlyWorse: 0, ammWorstRel: 0, optGapRelFee: 0, optGapRelNoFee: 0, optGapBoundShare: 0, stretches: 0, greedyOffByAtoms: 0 };

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

  const res = marketOrder(routed, sc.side, n);
  const t = totals(res.fills);
  const cost = BigInt(t.quote);
  const R = BigInt(2 * t.stretches);
  seen.stretches += t.stretches;
  if (t.stretches > 1) seen.multiStretch++;

  // exactness: V2 per stretch, the interleaving rule, the book part the cheapest lots of the book
  checkInterleaving(spec, start, sc.side, res.fills);
  const states = replayPoolFills(spec, start, sc.side, res.fills);
  assert.deepEqual(routed.pool(), states.length === 0 ? start : states[states.length - 1]);
  assert.equal(BigInt(t.quote - t.ammQuote), prefix[t.bookLots], 'the book part is the best lots of the book');
  assert.deepEqual(res.route, { book: t.bookLots, amm: t.ammLots });
  // (c) k never falls (RouterRig.check also asserted it after every command, as well as (d))
  assert.ok(kOf(routed.pool()) >= kOf(start));

  // (a) book only, on the amount the book alone can fill
  const m = Math.min(n, c.depthLots);
  if (m > 0) {
    const routedM = m === n ? res : marketOrder(build(c, true, true), sc.side, m);
    const bookM = marketOrder(build(c, false, true), sc.side, m);
    const rm = totals(routedM.fills);
    assert.equal(totals(bookM.fills).ammLots, 0);
    assert.ok(
      noWorse(BigInt(rm.quote), BigInt(totals(bookM.fills).quote), BigInt(2 * rm.stretches)),
      `routed ${rm.quote} vs book only ${totals(bookM.fills).quote} for ${m} lots`,
    );
    seen.bookCompared++;
  }

  // (b) the optimal split: k lots from the pool in one swap + the cheapest n − k lots of the book
  const poolCost = (k: number): bigint | null => (buy ? poolBuyCost(spec, start, k) : poolSellProceeds(spec, start, k));
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

  const kr = t.ammLots;
  const split = worseBy(BigInt(t.ammQuote), poolCost(kr)!);
  assert.ok(split >= -R, `stretches beat one swap by ${-split} atoms`);
  if (sc.poolFeeBps === 0) assert.ok(split <= R, `with fee 0, stretches cost ${split} atoms more than one swap`);
  // one lot's price impact just past the router's pool position: |c(kr + 2) − c(kr + 1)|
  const lotCost = (j: number): bigint | null => {
    const a = poolCost(j);
    const b = poolCost(j - 1);
    return a === null || b === null ? null : a - b;
  };
  const next1 = lotCost(kr + 1);
  const next2 = lotCost(kr + 2);
  const impact = next1 === null || next2 === null ? 0n : next2 - next1;
  const oneLot = impact < 0n ? -impact : impact;
  // pool lots past the router's that one swap would still sell below the worst book lot it paid
  let boundary = 0n;
  if (t.bookLots > 0) {
    const worstBook = bookLots[t.bookLots - 1];
    for (let j = kr + 1; j <= n; j++) {
      const cj = lotCost(j);
      if (cj === null) break;
      const under = buy ? worstBook - cj : cj - worstBook;
      if (under < -R) break;
      if (under > 0n) boundary += under;
    }
  }
  const gap = worseBy(cost, opt);
  assert.ok(gap >= 0n, 'nothing beats the optimum');
  if (sc.poolFeeBps === 0) {
    assert.ok(gap <= oneLot + R, `fee 0: ${gap} atoms from the optimum, one lot's impact ${oneLot}`);
  } else {
    assert.ok(gap <= split + boundary + R, `gap ${gap} > split ${split} + boundary ${boundary} + ${R}`);
  }
  // second order: 2 × fee × share of the pool's base taken × quote paid to the pool
  const fin = routed.pool();
  const share = Number(BigInt(kr) * BigInt(spec.baseAtomsPerLot)) / Number(buy ? fin.baseReserve : start.baseReserve);
  const secondOrder = (2 * sc.poolFeeBps * share * t.ammQuote) / 10_000;
  assert.ok(Number(gap) <= secondOrder + Number(oneLot + R), `gap ${gap} above 2·fee·share·poolQuote ${secondOrder.toFixed(0)} + ${oneLot + R}`);
  if (secondOrder > 0) seen.optGapBoundShare = Math.max(seen.optGapBoundShare, Number(gap - oneLot - R) / secondOrder);
  const rel = Number(gap) / Number(cost === 0n ? 1n : cost);
  if (sc.poolFeeBps === 0) seen.optGapRelNoFee = Math.max(seen.optGapRelNoFee, rel);
  else seen.optGapRelFee = Math.max(seen.optGapRelFee, rel);

  // (a) AMM only, on the whole amount (the pool alone fills it): bounded like the optimum, since
  // AMM only is one of the splits (k = n)
  const amm = marketOrder(build(c, true, false), sc.side, n);
  const ammCost = BigInt(totals(amm.fills).quote);
  assert.equal(ammCost, poolCost(n), 'AMM only is one swap');
  const ammGap = worseBy(cost, ammCost);
  assert.ok(noWorse(cost, ammCost, split > 0n ? split + boundary + oneLot + R : boundary + oneLot + R), `routed ${cost} vs AMM only ${ammCost}`);
  if (ammGap > 0n) {
    seen.ammStrictlyWorse++;
    seen.ammWorstRel = Math.max(seen.ammWorstRel, Number(ammGap) / Number(cost));
  }
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
 * The planner's fast path (a floating-point solution checked exactly, the closed form only as a
 * fallback) must give exactly the plans of the closed-form planner, from tiny pools to reserves of
 * 2^100 atoms where doubles are far too coarse and the fallback must take over.
 */
describe('pool planner', () => {
  const bits = (max: number): fc.Arbitrary<bigint> =>
    fc.integer({ min: 1, max }).chain((b) => fc.bigInt({ min: 1n, max: (1n << BigInt(b)) - 1n }));
  const planInput = fc.record({
    bpl: fc.oneof(fc.constantFrom(1, 1000, 25_000), fc.integer({ min: 1, max: 1_000_000 })),
    qatl: fc.oneof(fc.constantFrom(1, 100, 125), fc.integer({ min: 1, max: 1_000_000 })),
    baseLots: bits(90),
    priceTicks: fc.integer({ min: 1, max: 1_000_000_000 }),
    jitter: bits(60),
    feeBps: fc.oneof(fc.constantFrom(0, 1, 30, 100, 9999), fc.integer({ min: 0, max: 9999 })),
    // target: the pool's price moved by −5 % to +30 %, or anywhere
    move: fc.oneof(fc.integer({ min: -500, max: 3000 }), fc.constant(null)),
    anyTicks: fc.integer({ min: 1, max: 2_000_000_000 }),
    wanted: fc.oneof(fc.integer({ min: 1, max: 2000 }), fc.integer({ min: 1, max: 1_000_000_000 }), fc.constant(Number.MAX_SAFE_INTEGER)),
    funds: fc.oneof(fc.constant(Number.MAX_SAFE_INTEGER), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER })),
    limitMove: fc.oneof(fc.constant(null), fc.integer({ min: -200, max: 200 })),
    noTarget: fc.boolean(),
  });
  it('plans exactly what the closed-form planner plans, buys and sells', () => {
    fc.assert(
      fc.property(planInput, (v) => {
        const spec = { baseAtomsPerLot: v.bpl, quoteAtomsPerTickLot: v.qatl } as MarketSpec;
        const baseReserve = v.baseLots * BigInt(v.bpl) + (v.jitter % BigInt(v.bpl));
        const quoteReserve = v.baseLots * BigInt(v.priceTicks) * BigInt(v.qatl) + v.jitter;
        const pool: ConstantProductPool = { baseReserve, quoteReserve, feeBps: v.feeBps };
        const target = v.noTarget ? null : v.move === null ? v.anyTicks : Math.max(1, Math.round((v.priceTicks * (10_000 + v.move)) / 10_000));
        const limit = v.limitMove === null || target === null ? 0 : Math.max(1, Math.round((target * (10_000 + v.limitMove)) / 10_000));
        assert.deepEqual(
          planPoolBuy(spec, pool, target, v.wanted, v.funds, limit),
          referencePlanBuy(spec, pool, target, v.wanted, v.funds, limit),
          'buy',
        );
        const sellTarget = target === null ? null : Math.max(1, Math.round((v.priceTicks * 10_000) / (10_000 + (v.move ?? 0) + 1000)));
        const sellable = v.funds === Number.MAX_SAFE_INTEGER ? v.wanted : v.funds % (v.wanted + 1);
        assert.deepEqual(
          planPoolSell(spec, pool, sellTarget, v.wanted, sellable, limit === 0 ? 0 : Math.max(1, limit - 500)),
          referencePlanSell(spec, pool, sellTarget, v.wanted, sellable, limit === 0 ? 0 : Math.max(1, limit - 500)),
          'sell',
        );
      }),
      { seed, numRuns: PLAN_RUNS, includeErrorInReport: true },
    );
  });
});
