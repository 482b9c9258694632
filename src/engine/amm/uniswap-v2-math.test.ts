import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  baseOutForQuoteIn,
  getAmountIn,
  getAmountOut,
  isqrt,
  marginalAsk,
  marginalBid,
  maxSwapBaseIn,
  maxSwapBaseOut,
  quoteInForBaseOut,
  quoteOutForBaseIn,
  swapBaseInForQuoteOut,
  swapQuoteBudgetForBaseOut,
  swapQuoteInForBaseOut,
  type ConstantProductPool,
} from './uniswap-v2-math.js';

const pool = (baseReserve: bigint, quoteReserve: bigint, feeBps = 30): ConstantProductPool => ({
  baseReserve,
  quoteReserve,
  feeBps,
});

describe('getAmountOut', () => {
  it('applies the fee to the input and rounds the output down', () => {
    // 100·9970·1000 / (1000·10000 + 100·9970) = 90.66…
    assert.equal(getAmountOut(100n, 1000n, 1000n, 30), 90n);
    // no fee: 100·1000/1100 = 90.9…
    assert.equal(getAmountOut(100n, 1000n, 1000n, 0), 90n);
    // one atom in buys nothing from a balanced pool: rounding favours the pool
    assert.equal(getAmountOut(1n, 1000n, 1000n, 30), 0n);
  });

  it('equals V2 997/1000 arithmetic for feeBps = 30', () => {
    const cases: Array<[bigint, bigint, bigint]> = [
      [10n ** 18n, 5n * 10n ** 18n, 10n * 10n ** 18n],
      [123_456_789n, 987_654_321_000n, 55_555n],
      [7n, 11n, 13n],
    ];
    for (const [a, rIn, rOut] of cases) {
      const v2 = (a * 997n * rOut) / (rIn * 1000n + a * 997n);
      assert.equal(getAmountOut(a, rIn, rOut, 30), v2);
    }
  });

  it('returns null where V2 reverts', () => {
    assert.equal(getAmountOut(0n, 1000n, 1000n, 30), null);
    assert.equal(getAmountOut(-1n, 1000n, 1000n, 30), null);
    assert.equal(getAmountOut(1n, 0n, 1000n, 30), null);
    assert.equal(getAmountOut(1n, 1000n, 0n, 30), null);
  });

  it('throws on a fee outside [0, 10000)', () => {
    assert.throws(() => getAmountOut(1n, 10n, 10n, -1), RangeError);
    assert.throws(() => getAmountOut(1n, 10n, 10n, 10_000), RangeError);
    assert.throws(() => getAmountOut(1n, 10n, 10n, 2.5), RangeError);
  });
});

describe('getAmountIn', () => {
  it('rounds down then adds one, as V2 does', () => {
    // 1000·90·10000 / (910·9970) = 99.19… → 99 + 1
    assert.equal(getAmountIn(90n, 1000n, 1000n, 30), 100n);
    // exact division still gets the +1: 1000·500/500 = 1000 → 1001
    assert.equal(getAmountIn(500n, 1000n, 1000n, 0), 1001n);
  });

  it('pays enough: getAmountOut of the result gives at least the amount asked', () => {
    const need = getAmountIn(90n, 1000n, 1000n, 30);
    assert.ok(need !== null && (getAmountOut(need, 1000n, 1000n, 30) as bigint) >= 90n);
  });

  it('returns null where V2 reverts', () => {
    assert.equal(getAmountIn(1000n, 1000n, 1000n, 30), null);
    assert.equal(getAmountIn(1001n, 1000n, 1000n, 30), null);
    assert.equal(getAmountIn(0n, 1000n, 1000n, 30), null);
    assert.equal(getAmountIn(-5n, 1000n, 1000n, 30), null);
    assert.equal(getAmountIn(1n, 0n, 1000n, 30), null);
    assert.equal(getAmountIn(1n, 1000n, 0n, 30), null);
  });
});

describe('isqrt', () => {
  it('is the floor of the square root', () => {
    const cases: Array<[bigint, bigint]> = [
      [0n, 0n], [1n, 1n], [2n, 1n], [3n, 1n], [4n, 2n], [15n, 3n], [16n, 4n], [17n, 4n],
      [2n ** 128n, 2n ** 64n], [(2n ** 64n + 1n) ** 2n - 1n, 2n ** 64n], [(10n ** 30n + 7n) ** 2n, 10n ** 30n + 7n],
    ];
    for (const [n, root] of cases) assert.equal(isqrt(n), root, `isqrt(${n})`);
  });

  it('throws on a negative number', () => {
    assert.throws(() => isqrt(-1n), RangeError);
  });
});

describe('router helpers', () => {
  const p = pool(1000n, 4000n);
  it('run the V2 formulas in the right direction', () => {
    assert.equal(quoteInForBaseOut(p, 100n), getAmountIn(100n, 4000n, 1000n, 30));
    assert.equal(quoteOutForBaseIn(p, 100n), getAmountOut(100n, 1000n, 4000n, 30));
    assert.equal(baseOutForQuoteIn(p, 400n), getAmountOut(400n, 4000n, 1000n, 30));
  });

  it('give the marginal prices with the fee on the right side', () => {
    assert.deepEqual(marginalAsk(p), { num: 4000n * 10_000n, den: 1000n * 9970n });
    assert.deepEqual(marginalBid(p), { num: 4000n * 9970n, den: 1000n * 10_000n });
  });
});

/**
 * maxSwapBaseOut / maxSwapBaseIn: the most base one swap from (B, Q) can move while its continuation
 * price (the price of the next base atom within that same swap, fee included, before rounding) stays
 * within the target: buy 10000·Q·B / (g·(B − x)²) ≤ p, sell 10000·g·Q·B / (10000·B + g·x)² ≥ p.
 */
describe('maxSwapBaseOut', () => {
  it('is 0 when the continuation price is already beyond the target at x = 0', () => {
    // fee 30: the price of the first atom is 10000/9970 > 1
    assert.equal(maxSwapBaseOut(pool(1000n, 1000n, 30), 1n, 1n), 0n);
    assert.equal(maxSwapBaseOut(pool(1000n, 1000n, 30), 1n, 2n), 0n);
    // fee 0, target exactly the pool price: x = 0 is within, x = 1 (10^6 / 999² > 1) is not
    assert.equal(maxSwapBaseOut(pool(1000n, 1000n, 0), 1n, 1n), 0n);
    // a reserve of one atom gives nothing (x < B)
    assert.equal(maxSwapBaseOut(pool(1n, 1000n, 0), 10n ** 9n, 1n), 0n);
  });

  it('lands exactly on the target when the root is whole (fee 0)', () => {
    // Q·B / (B − x)² ≤ 4 ⇔ (1000 − x)² ≥ 250000 ⇔ x ≤ 500; at 500 the price is 10^6 / 500² = 4 exactly
    assert.equal(maxSwapBaseOut(pool(1000n, 1000n, 0), 4n, 1n), 500n);
    // 4000·1000 / (1000 − x)² ≤ 16 ⇔ x ≤ 500
    assert.equal(maxSwapBaseOut(pool(1000n, 4000n, 0), 16n, 1n), 500n);
    // 2·10^12 / (10^6 − x)² ≤ 8 ⇔ x ≤ 500000
    assert.equal(maxSwapBaseOut(pool(1_000_000n, 2_000_000n, 0), 8n, 1n), 500_000n);
  });

  it('includes the fee: 10000·Q·B·pd ≤ g·pn·(B − x)²', () => {
    // 10^10 ≤ 9970·4·(1000 − x)²: (B − x)² ≥ 250752.25…, so B − x ≥ 501 and x = 499
    assert.equal(maxSwapBaseOut(pool(1000n, 1000n, 30), 4n, 1n), 499n);
    assert.ok(10n ** 10n <= 9970n * 4n * 501n ** 2n && 10n ** 10n > 9970n * 4n * 500n ** 2n);
    // a rational target, 1/4 quote atom per base atom on an 18-decimal-like pool: exact on both sides
    const p = pool(10n ** 21n, 2n * 10n ** 9n, 30);
    const x = maxSwapBaseOut(p, 3n, 10n ** 12n);
    const within = (v: bigint): boolean => 10_000n * p.quoteReserve * p.baseReserve * 10n ** 12n <= 9970n * 3n * (p.baseReserve - v) ** 2n;
    assert.ok(x > 0n && within(x) && !within(x + 1n));
  });

  it('stops at B − 1 however high the target', () => {
    assert.equal(maxSwapBaseOut(pool(1000n, 1000n, 30), 10n ** 12n, 1n), 999n);
    assert.equal(maxSwapBaseOut(pool(2n, 10n ** 30n, 9999), 10n ** 60n, 1n), 1n);
  });

  it('is the continuation price of ONE swap, not the marginal price at the reserves it leaves', () => {
    // fee 0, target 4: one swap of 500 leaves reserves (500, 2001) whose marginal ask is ~4.002 > 4, but
    // the 500th atom of the swap was still priced at 4 (the old rule stopped at 499)
    const p = pool(1000n, 1000n, 0);
    const after = swapQuoteInForBaseOut(p, 500n)!;
    const ask = marginalAsk(after.pool);
    assert.ok(ask.num > 4n * ask.den);
    assert.equal(maxSwapBaseOut(p, 4n, 1n), 500n);
  });

  it('throws on a price that is not positive', () => {
    assert.throws(() => maxSwapBaseOut(pool(10n, 10n), 0n, 1n), RangeError);
    assert.throws(() => maxSwapBaseOut(pool(10n, 10n), 1n, 0n), RangeError);
    assert.throws(() => maxSwapBaseOut(pool(10n, 10n), -1n, 1n), RangeError);
    assert.throws(() => maxSwapBaseOut(pool(10n, 10n), 1n, -3n), RangeError);
  });
});

describe('maxSwapBaseIn', () => {
  it('is 0 when the continuation price is already below the target at x = 0', () => {
    // fee 30: the first atom sells for 0.997 < 1
    assert.equal(maxSwapBaseIn(pool(1000n, 1000n, 30), 1n, 1n), 0n);
    assert.equal(maxSwapBaseIn(pool(1000n, 1000n, 30), 2n, 1n), 0n);
    // fee 0, target exactly the pool price: x = 0 is within, x = 1 is not
    assert.equal(maxSwapBaseIn(pool(1000n, 1000n, 0), 1n, 1n), 0n);
  });

  it('lands exactly on the target when the root is whole (fee 0)', () => {
    // Q·B / (B + x)² ≥ 1/4 ⇔ (1000 + x)² ≤ 4·10^6 ⇔ x ≤ 1000; at 1000 the price is 1/4 exactly
    assert.equal(maxSwapBaseIn(pool(1000n, 1000n, 0), 1n, 4n), 1000n);
    // 4·10^6 / (1000 + x)² ≥ 1 ⇔ x ≤ 1000
    assert.equal(maxSwapBaseIn(pool(1000n, 4000n, 0), 1n, 1n), 1000n);
  });

  it('includes the fee: pn·(10000·B + g·x)² ≤ 10000·g·Q·B·pd', () => {
    // (10^7 + 9970·x)² ≤ 3.988·10^14: √ = 19969977.4…, so x ≤ 9969977 / 9970 = 999.99…, x = 999
    assert.equal(maxSwapBaseIn(pool(1000n, 1000n, 30), 1n, 4n), 999n);
    const rhs = 10_000n * 9970n * 1000n * 1000n * 4n;
    assert.ok((10n ** 7n + 9970n * 999n) ** 2n <= rhs && (10n ** 7n + 9970n * 1000n) ** 2n > rhs);
  });

  it('throws on a price that is not positive', () => {
    assert.throws(() => maxSwapBaseIn(pool(10n, 10n), 0n, 1n), RangeError);
    assert.throws(() => maxSwapBaseIn(pool(10n, 10n), 1n, 0n), RangeError);
    assert.throws(() => maxSwapBaseIn(pool(10n, 10n), -2n, 1n), RangeError);
  });
});

describe('swaps', () => {
  const p = pool(1000n, 1000n, 30);

  it('buying exact base pays getAmountIn and moves both reserves', () => {
    assert.deepEqual(swapQuoteInForBaseOut(p, 90n), {
      pool: pool(910n, 1100n, 30),
      baseAmount: 90n,
      quoteAmount: 100n,
    });
  });

  it('a quote budget buys getAmountOut', () => {
    assert.deepEqual(swapQuoteBudgetForBaseOut(p, 100n), {
      pool: pool(910n, 1100n, 30),
      baseAmount: 90n,
      quoteAmount: 100n,
    });
  });

  it('selling exact base receives getAmountOut', () => {
    assert.deepEqual(swapBaseInForQuoteOut(p, 100n), {
      pool: pool(1100n, 910n, 30),
      baseAmount: 100n,
      quoteAmount: 90n,
    });
  });

  it('returns null where the pair would revert', () => {
    assert.equal(swapQuoteInForBaseOut(p, 1000n), null);
    assert.equal(swapQuoteInForBaseOut(p, 0n), null);
    assert.equal(swapQuoteBudgetForBaseOut(p, 1n), null); // nothing comes out
    assert.equal(swapBaseInForQuoteOut(p, 1n), null);
    assert.equal(swapBaseInForQuoteOut(pool(0n, 1000n), 5n), null);
  });
});
