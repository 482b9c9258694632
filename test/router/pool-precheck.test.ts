/**
 * The double-precision pre-checks of pool-plan.ts (clearlyNoBuyLot / clearlyNoSellLot) may only say
 * "no lot fits" when the exact bigint closed forms (maxSwapBaseOut / maxSwapBaseIn) agree, over pools up
 * to the 2^53 supply bound, and they must decide the common case (a target well away from the pool's
 * price). HOOATS_SEED=<int> replays a run (the seed is printed).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { maxSwapBaseIn, maxSwapBaseOut } from '../../src/engine/amm/uniswap-v2-math.js';
import type { MarketSpec } from '../../src/engine/market.js';
import { clearlyNoBuyLot, clearlyNoSellLot, startLeg } from '../../src/engine/pool-plan.js';
import { seedFromEnv } from '../support/prng.js';

const seed = seedFromEnv(Date.now() % 2_147_483_647);
console.log(`pool pre-check: seed=${seed} (replay with HOOATS_SEED=${seed})`);

const MAX = 2 ** 53 - 1;
const scenario = fc.record({
  base: fc.oneof(fc.integer({ min: 1, max: 1_000 }), fc.integer({ min: 1, max: MAX })),
  quote: fc.oneof(fc.integer({ min: 1, max: 1_000 }), fc.integer({ min: 1, max: MAX })),
  feeBps: fc.integer({ min: 0, max: 1_000 }),
  baseAtomsPerLot: fc.constantFrom(1, 10, 1_000, 1_000_000),
  quoteAtomsPerTickLot: fc.constantFrom(1, 10, 100, 1_000_000),
  targetTicks: fc.integer({ min: 1, max: 2 ** 40 }),
  before: fc.integer({ min: 0, max: 1_000 }),
  /** exponent of a target set right at the pool's price, to probe the boundary */
  nearPrice: fc.boolean(),
});

type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

function specOf(s: Scenario): MarketSpec {
  return { baseAtomsPerLot: s.baseAtomsPerLot, quoteAtomsPerTickLot: s.quoteAtomsPerTickLot } as MarketSpec;
}

/** With nearPrice, a target at the pool's marginal price in ticks (± 1), where doubles cannot decide. */
function targetOf(s: Scenario, side: 'buy' | 'sell'): number {
  if (!s.nearPrice) return s.targetTicks;
  const g = (10_000 - s.feeBps) / 10_000;
  const perBase = side === 'buy' ? s.quote / s.base / g : (s.quote / s.base) * g;
  const ticks = Math.round((perBase * s.baseAtomsPerLot) / s.quoteAtomsPerTickLot);
  return Math.max(1, ticks + (s.targetTicks % 3) - 1);
}

test('clearlyNoBuyLot is true only when the exact continuation price admits no further lot', () => {
  fc.assert(
    fc.property(scenario, (s) => {
      const pool = { baseReserve: BigInt(s.base), quoteReserve: BigInt(s.quote), feeBps: s.feeBps };
      const leg = startLeg(pool);
      const target = targetOf(s, 'buy');
      if (!clearlyNoBuyLot(specOf(s), leg, target, s.before)) return;
      const bpl = BigInt(s.baseAtomsPerLot);
      const maxBase = maxSwapBaseOut(pool, BigInt(target) * BigInt(s.quoteAtomsPerTickLot), bpl);
      assert.ok(maxBase < BigInt(s.before + 1) * bpl, `exact path fits a lot: maxBase ${maxBase}`);
    }),
    { seed, numRuns: 20_000 },
  );
});

test('clearlyNoSellLot is true only when the exact continuation price admits no further lot', () => {
  fc.assert(
    fc.property(scenario, (s) => {
      const pool = { baseReserve: BigInt(s.base), quoteReserve: BigInt(s.quote), feeBps: s.feeBps };
      const leg = startLeg(pool);
      const target = targetOf(s, 'sell');
      if (!clearlyNoSellLot(specOf(s), leg, target, s.before)) return;
      const bpl = BigInt(s.baseAtomsPerLot);
      const maxBase = maxSwapBaseIn(pool, BigInt(target) * BigInt(s.quoteAtomsPerTickLot), bpl);
      assert.ok(maxBase < BigInt(s.before + 1) * bpl, `exact path fits a lot: maxBase ${maxBase}`);
    }),
    { seed, numRuns: 20_000 },
  );
});

test('the pre-checks decide a target clearly beyond the pool price, and stay silent when a lot fits', () => {
  // pool at 1.0000 (10^4 quote atoms per base atom, 1 tick = 1 atom), 0.3% fee
  const spec = { baseAtomsPerLot: 1, quoteAtomsPerTickLot: 1 } as MarketSpec;
  const leg = startLeg({ baseReserve: 1_000_000_000n, quoteReserve: 10_000_000_000_000n, feeBps: 30 });
  assert.equal(clearlyNoBuyLot(spec, leg, 10_010, 0), true, 'a buy at 1.0010 is below the pool ask ~1.0030');
  assert.equal(clearlyNoBuyLot(spec, leg, 10_100, 0), false, 'a buy at 1.0100 takes from the pool');
  assert.equal(clearlyNoSellLot(spec, leg, 9_990, 0), true, 'a sell at 0.9990 is above the pool bid ~0.9970');
  assert.equal(clearlyNoSellLot(spec, leg, 9_900, 0), false, 'a sell at 0.9900 gives to the pool');
});
