import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  baseOutForQuoteIn,
  getAmountIn,
  getAmountOut,
  isqrt,
  marginalAsk,
  marginalBid,
  maxBaseInWithinPrice,
  maxBaseOutWithinPrice,
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

describe('maxBaseOutWithinPrice', () => {
  it('stops one atom short of the continuous answer when the +1 of getAmountIn overshoots', () => {
    // continuous: B' = √(k / 4) = 500. But getAmountIn(500) = 1001 leaves the ask at 2001/500 > 4;
    // 499 costs 997 and leaves it at 1997/501 ≤ 4.
    const p = pool(1000n, 1000n, 0);
    assert.equal(maxBaseOutWithinPrice(p, 4n, 1n), 499n);
    assert.equal(quoteInForBaseOut(p, 499n), 997n);
  });

  it('is 0 when the ask is already at or above the target', () => {
    const p = pool(1000n, 1000n, 30);
    assert.equal(maxBaseOutWithinPrice(p, 1n, 1n), 0n); // ask is 1/0.997
    assert.equal(maxBaseOutWithinPrice(pool(1000n, 1000n, 0), 1n, 1n), 0n);
  });

  it('moves the ask to the target and no further, fee included', () => {
    const p = pool(10n ** 21n, 2n * 10n ** 9n, 30);
    const x = maxBaseOutWithinPrice(p, 3n, 10n ** 12n);
    assert.ok(x > 0n);
    const within = (amount: bigint): boolean => {
      const after = swapQuoteInForBaseOut(p, amount);
      if (after === null) return false;
      const ask = marginalAsk(after.pool);
      return ask.num * 10n ** 12n <= 3n * ask.den;
    };
    assert.ok(within(x));
    assert.ok(!within(x + 1n));
  });

  it('throws on a price that is not positive', () => {
    assert.throws(() => maxBaseOutWithinPrice(pool(10n, 10n), 0n, 1n), RangeError);
    assert.throws(() => maxBaseOutWithinPrice(pool(10n, 10n), 1n, 0n), RangeError);
  });
});

describe('maxBaseInWithinPrice', () => {
  it('sells down to the target bid exactly when it lands on an atom', () => {
    // no fee, target 1/4: B' = 2000, out = 500 leaves 500/2000 = 1/4; one atom more is below
    assert.equal(maxBaseInWithinPrice(pool(1000n, 1000n, 0), 1n, 4n), 1000n);
  });

  it('is 0 when the bid is already at or below the target', () => {
    assert.equal(maxBaseInWithinPrice(pool(1000n, 1000n, 30), 1n, 1n), 0n);
  });

  it('throws on a price that is not positive', () => {
    assert.throws(() => maxBaseInWithinPrice(pool(10n, 10n), 0n, 1n), RangeError);
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
