import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  getAmountIn,
  getAmountOut,
  isqrt,
  marginalAsk,
  marginalBid,
  maxSwapBaseIn,
  maxSwapBaseOut,
  swapBaseInForQuoteOut,
  swapQuoteBudgetForBaseOut,
  swapQuoteInForBaseOut,
  type ConstantProductPool,
  type RationalPrice,
} from './uniswap-v2-math.js';

// Reproduce a failure with HOOATS_SEED=<seed>.
const seed = Number(process.env.HOOATS_SEED ?? Date.now());
console.log(`uniswap-v2-math properties: seed=${seed}`);
const run = <Ts extends unknown[]>(property: fc.IProperty<Ts>, numRuns = 500): void =>
  fc.assert(property, { seed, numRuns });

/** A positive bigint of 1 to maxBits bits, spread over magnitudes rather than crowded at the top. */
const amount = (maxBits: number): fc.Arbitrary<bigint> =>
  fc.integer({ min: 1, max: maxBits }).chain((bits) => fc.bigInt({ min: 1n, max: (1n << BigInt(bits)) - 1n }).map((v) => v | 1n));

const feeBps = fc.oneof(fc.constantFrom(0, 1, 30, 100, 9999), fc.integer({ min: 0, max: 9999 }));

/** Pools from a few atoms to 2^100 atoms a side, so a base atom is worth from ~2^-100 to ~2^100 quote atoms. */
const poolArb: fc.Arbitrary<ConstantProductPool> = fc.record({
  baseReserve: amount(100).map((v) => v + 1n),
  quoteReserve: amount(100).map((v) => v + 1n),
  feeBps,
});

/** price × (1 ± r / 2^64): targets from a hair to far away from the pool's own price. */
const moved = (p: RationalPrice, up: boolean, r: bigint): RationalPrice => {
  const scale = 1n << 64n;
  if (up) return { num: p.num * (scale + r), den: p.den * scale };
  return { num: p.num * scale, den: p.den * (scale + r) };
};

const le = (a: RationalPrice, b: RationalPrice): boolean => a.num * b.den <= b.num * a.den;

const BPS = 10_000n;
const gOf = (pool: ConstantProductPool): bigint => BPS - BigInt(pool.feeBps);

/**
 * Whether the buy continuation price of one swap of x from the pool, 10000·Q·B / (g·(B − x)²), is within
 * target; checked straight from the inequality, not through the closed form. False for x ≥ B.
 */
const buyWithin = (pool: ConstantProductPool, x: bigint, target: RationalPrice): boolean => {
  const { baseReserve: B, quoteReserve: Q } = pool;
  return x >= 0n && x < B && BPS * Q * B * target.den <= gOf(pool) * target.num * (B - x) ** 2n;
};

/** Whether the sell continuation price, 10000·g·Q·B / (10000·B + g·x)², is at least target. */
const sellWithin = (pool: ConstantProductPool, x: bigint, target: RationalPrice): boolean => {
  const { baseReserve: B, quoteReserve: Q } = pool;
  const g = gOf(pool);
  return x >= 0n && target.num * (BPS * B + g * x) ** 2n <= BPS * g * Q * B * target.den;
};

/** Targets: near the pool's own price (a hair to far away, either side), or any rational at all. */
const targetArb = (pool: ConstantProductPool, own: (p: ConstantProductPool) => RationalPrice): fc.Arbitrary<RationalPrice> =>
  fc.oneof(
    fc.tuple(fc.boolean(), amount(80)).map(([up, r]) => moved(own(pool), up, r)),
    fc.record({ num: amount(120), den: amount(120) }),
    // extremes: a price of one atom per 2^k atoms or 2^k atoms per atom
    fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 300 })).map(([big, k]) => (big ? { num: 1n << BigInt(k), den: 1n } : { num: 1n, den: 1n << BigInt(k) })),
  );

describe('uniswap-v2-math properties', () => {
  it('isqrt is the floor of the square root', () => {
    run(fc.property(amount(400), (n) => {
      const r = isqrt(n);
      assert.ok(r * r <= n && n < (r + 1n) * (r + 1n));
    }));
  });

  it('getAmountOut(getAmountIn(x)) ≥ x, and getAmountOut never pays out the whole reserve', () => {
    run(fc.property(poolArb, amount(110), ({ baseReserve, quoteReserve, feeBps: fee }, x) => {
      const out = getAmountOut(x, baseReserve, quoteReserve, fee) as bigint;
      assert.ok(out >= 0n && out < quoteReserve);
      const need = getAmountIn(x, quoteReserve, baseReserve, fee);
      if (x >= baseReserve) return assert.equal(need, null);
      assert.ok(need !== null && (getAmountOut(need, quoteReserve, baseReserve, fee) as bigint) >= x);
    }));
  });

  it('k never falls over random swap sequences', () => {
    const step = fc.record({ kind: fc.constantFrom('buyExact', 'buyBudget', 'sell'), fraction: amount(64) });
    run(fc.property(poolArb, fc.array(step, { maxLength: 40 }), (start, steps) => {
      let pool = start;
      for (const { kind, fraction } of steps) {
        // amounts up to ~2× the reserve they go against, scaled by fraction / 2^63
        const of = (reserve: bigint): bigint => (reserve * fraction) >> 63n;
        const result =
          kind === 'buyExact' ? swapQuoteInForBaseOut(pool, of(pool.baseReserve) / 2n)
          : kind === 'buyBudget' ? swapQuoteBudgetForBaseOut(pool, of(pool.quoteReserve))
          : swapBaseInForQuoteOut(pool, of(pool.baseReserve));
        if (result === null) continue;
        assert.ok(result.pool.baseReserve > 0n && result.pool.quoteReserve > 0n);
        assert.ok(result.pool.baseReserve * result.pool.quoteReserve >= pool.baseReserve * pool.quoteReserve);
        pool = result.pool;
      }
    }), 300);
  });

  it('maxSwapBaseOut is maximal: x is within the target and x + 1 is not (or x = B − 1); 0 when x = 0 is not', () => {
    run(fc.property(poolArb.chain((pool) => fc.tuple(fc.constant(pool), targetArb(pool, marginalAsk))), ([pool, target]) => {
      const x = maxSwapBaseOut(pool, target.num, target.den);
      if (!buyWithin(pool, 0n, target)) return assert.equal(x, 0n);
      assert.ok(buyWithin(pool, x, target), `x = ${x} breaks the bound`);
      assert.ok(x === pool.baseReserve - 1n || !buyWithin(pool, x + 1n, target), `x + 1 = ${x + 1n} still fits`);
    }), 3000);
  });

  it('maxSwapBaseIn is maximal: x is within the target and x + 1 is not; 0 when x = 0 is not', () => {
    run(fc.property(poolArb.chain((pool) => fc.tuple(fc.constant(pool), targetArb(pool, marginalBid))), ([pool, target]) => {
      const x = maxSwapBaseIn(pool, target.num, target.den);
      if (!sellWithin(pool, 0n, target)) return assert.equal(x, 0n);
      assert.ok(sellWithin(pool, x, target), `x = ${x} breaks the bound`);
      assert.ok(!sellWithin(pool, x + 1n, target), `x + 1 = ${x + 1n} still fits`);
    }), 3000);
  });

  it('the continuation price at x = 0 is the marginal price (ask for buys, bid for sells)', () => {
    run(fc.property(poolArb.chain((pool) => fc.tuple(fc.constant(pool), targetArb(pool, marginalAsk))), ([pool, target]) => {
      assert.equal(buyWithin(pool, 0n, target), le(marginalAsk(pool), target));
      assert.equal(sellWithin(pool, 0n, target), le(target, marginalBid(pool)));
    }), 1000);
  });

  it('both are monotone in the price: a higher target never moves less base out, nor more base in', () => {
    run(fc.property(poolArb, targetArb({ baseReserve: 1n, quoteReserve: 1n, feeBps: 0 }, marginalAsk), amount(64), (pool, p1, bump) => {
      // p2 = p1 · (1 + bump / 2^64) ≥ p1
      const p2 = moved(p1, true, bump);
      assert.ok(maxSwapBaseOut(pool, p1.num, p1.den) <= maxSwapBaseOut(pool, p2.num, p2.den));
      assert.ok(maxSwapBaseIn(pool, p1.num, p1.den) >= maxSwapBaseIn(pool, p2.num, p2.den));
    }), 2000);
  });

  it('a stretch of the one swap within the target pays at most the target per atom (+1 atom of rounding), sells get at least it (−1)', () => {
    // the exact cost r·Q·x/(B − x) is convex with slope = the continuation price, so any stretch [a, x]
    // with the price at x within p costs ≤ (x − a)·p before rounding; getAmountIn adds at most one atom
    run(fc.property(poolArb, amount(120), amount(120), amount(64), (pool, num, den, cut) => {
      const { baseReserve: B, quoteReserve: Q, feeBps: fee } = pool;
      const x = maxSwapBaseOut(pool, num, den);
      if (x > 0n) {
        const a = (x * cut) >> 64n;
        const paid = (getAmountIn(x, Q, B, fee) as bigint) - (a === 0n ? 0n : (getAmountIn(a, Q, B, fee) as bigint));
        assert.ok((paid - 1n) * den <= (x - a) * num, `stretch [${a}, ${x}] paid ${paid}`);
      }
      const y = maxSwapBaseIn(pool, num, den);
      if (y > 0n) {
        const a = (y * cut) >> 64n;
        const got = (getAmountOut(y, B, Q, fee) as bigint) - (a === 0n ? 0n : (getAmountOut(a, B, Q, fee) as bigint));
        assert.ok((got + 1n) * den >= (y - a) * num, `stretch [${a}, ${y}] got ${got}`);
      }
    }), 2000);
  });
});
