import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  getAmountIn,
  getAmountOut,
  isqrt,
  marginalAsk,
  marginalBid,
  maxBaseInWithinPrice,
  maxBaseOutWithinPrice,
  quoteOutForBaseIn,
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

/** Whether buying x leaves the pool's ask within target; checked through the swap, not the closed form. */
const askWithin = (pool: ConstantProductPool, x: bigint, target: RationalPrice): boolean => {
  if (x === 0n) return le(marginalAsk(pool), target);
  const after = swapQuoteInForBaseOut(pool, x);
  return after !== null && le(marginalAsk(after.pool), target);
};

/** Whether selling x leaves the pool's bid within target (a zero-output sell still moves the reserves). */
const bidWithin = (pool: ConstantProductPool, x: bigint, target: RationalPrice): boolean => {
  const got = x === 0n ? 0n : (quoteOutForBaseIn(pool, x) as bigint);
  const after = { ...pool, baseReserve: pool.baseReserve + x, quoteReserve: pool.quoteReserve - got };
  return le(target, marginalBid(after));
};

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

  it('maxBaseOutWithinPrice is maximal: x keeps the ask within the target, x + 1 does not', () => {
    run(fc.property(poolArb, fc.boolean(), amount(80), (pool, up, r) => {
      const target = moved(marginalAsk(pool), up, r);
      const x = maxBaseOutWithinPrice(pool, target.num, target.den);
      if (!le(marginalAsk(pool), target)) return assert.equal(x, 0n);
      assert.ok(askWithin(pool, x, target), `x = ${x} breaks the bound`);
      assert.ok(x + 1n >= pool.baseReserve || !askWithin(pool, x + 1n, target), `x + 1 = ${x + 1n} still fits`);
    }), 2000);
  });

  it('maxBaseInWithinPrice is maximal: x keeps the bid within the target, x + 1 does not', () => {
    run(fc.property(poolArb, fc.boolean(), amount(80), (pool, down, r) => {
      const target = moved(marginalBid(pool), !down, r);
      const x = maxBaseInWithinPrice(pool, target.num, target.den);
      if (!le(target, marginalBid(pool))) return assert.equal(x, 0n);
      assert.ok(bidWithin(pool, x, target), `x = ${x} breaks the bound`);
      assert.ok(!bidWithin(pool, x + 1n, target), `x + 1 = ${x + 1n} still fits`);
    }), 2000);
  });

  it('the closed forms handle arbitrary prices, not only ones near the pool', () => {
    run(fc.property(poolArb, amount(120), amount(120), (pool, num, den) => {
      const target = { num, den };
      const x = maxBaseOutWithinPrice(pool, num, den);
      assert.ok(askWithin(pool, x, target) || (x === 0n && !le(marginalAsk(pool), target)));
      assert.ok(x + 1n >= pool.baseReserve || !askWithin(pool, x + 1n, target));
      const y = maxBaseInWithinPrice(pool, num, den);
      assert.ok(bidWithin(pool, y, target) || (y === 0n && !le(target, marginalBid(pool))));
      assert.ok(!bidWithin(pool, y + 1n, target));
    }), 2000);
  });
});
