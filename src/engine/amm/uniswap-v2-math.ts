/**
 * Constant-product pool arithmetic, identical to the unit to a Uniswap V2 pair, with V2's fixed 0.3 %
 * fee generalised to basis points. feeBps = 30 scales V2's 997/1000 to 9970/10000, which leaves every
 * floor division unchanged, so results equal V2's exactly (a test runs the real pair on an EVM).
 *
 * Amounts and reserves are integer atoms (bigint: reserve products pass 2^53). Rounding always favours
 * the pool. Functions return null where V2 would revert (an amount that is not positive, an empty
 * reserve, asking for the whole reserve or more); they throw RangeError only for a caller's bug
 * (a fee outside [0, 10000), a price that is not positive).
 *
 * Marginal price of a pool at reserves (B, Q), in quote atoms per base atom, g = 10000 − feeBps:
 *   ask (what a buyer pays for the next base)    = Q · 10000 / (B · g)
 *   bid (what a seller gets for the next base)   = Q · g / (B · 10000)
 * i.e. the limits of getAmountIn(x)/x and getAmountOut(x)/x as x → 0, before rounding, fee included.
 * Why this and not getAmountIn(1): one base atom is often worth far less than one quote atom
 * (18-decimal base, 6-decimal quote), so getAmountIn(1) ≥ 1 would be all rounding. Within one swap the
 * price of the next atom rises continuously from there (maxSwapBaseOut / maxSwapBaseIn below), and a
 * router compares that continuation price with book prices.
 */

/** A pool's state; base/quote are the market's assets, reserves in atoms. */
export interface ConstantProductPool {
  readonly baseReserve: bigint;
  readonly quoteReserve: bigint;
  readonly feeBps: number;
}

/** A price as an exact rational, quote atoms per base atom. */
export interface RationalPrice {
  readonly num: bigint;
  readonly den: bigint;
}

/** The pool after a swap and the two amounts that crossed it (both positive). */
export interface SwapResult {
  readonly pool: ConstantProductPool;
  readonly baseAmount: bigint;
  readonly quoteAmount: bigint;
}

const BPS = 10_000n;

/** g = 10000 − feeBps, the share of the input that counts towards the curve. */
function feeFactor(feeBps: number): bigint {
  if (!Number.isInteger(feeBps) || feeBps < 0 || feeBps >= 10_000) {
    throw new RangeError(`feeBps must be an integer in [0, 10000), got ${feeBps}`);
  }
  return BPS - BigInt(feeBps);
}

function checkPrice(priceNum: bigint, priceDen: bigint): void {
  if (priceNum <= 0n || priceDen <= 0n) throw new RangeError(`price must be positive, got ${priceNum}/${priceDen}`);
}

function ceilDiv(a: bigint, b: bigint): bigint {
  return (a + b - 1n) / b;
}

/** V2 getAmountOut: the most the pool pays out for amountIn, rounded down. */
export function getAmountOut(amountIn: bigint, reserveIn: bigint, reserveOut: bigint, feeBps: number): bigint | null {
  const g = feeFactor(feeBps);
  if (amountIn <= 0n || reserveIn <= 0n || reserveOut <= 0n) return null;
  const inWithFee = amountIn * g;
  return (inWithFee * reserveOut) / (reserveIn * BPS + inWithFee);
}

/** V2 getAmountIn: the input that buys amountOut; floor + 1, so it may exceed the exact need by one atom. */
export function getAmountIn(amountOut: bigint, reserveIn: bigint, reserveOut: bigint, feeBps: number): bigint | null {
  const g = feeFactor(feeBps);
  if (amountOut <= 0n || reserveIn <= 0n || reserveOut <= 0n || amountOut >= reserveOut) return null;
  return (reserveIn * amountOut * BPS) / ((reserveOut - amountOut) * g) + 1n;
}

/** floor(√n), exact, by Newton's iteration from an over-estimate (it then only decreases). */
export function isqrt(n: bigint): bigint {
  if (n < 0n) throw new RangeError('isqrt of a negative number');
  if (n < 2n) return n;
  let x = 1n << BigInt((n.toString(2).length + 1) >> 1);
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}

/** Quote a buyer pays for exactly baseOut (null if the pool cannot give that much). */
export function quoteInForBaseOut(pool: ConstantProductPool, baseOut: bigint): bigint | null {
  return getAmountIn(baseOut, pool.quoteReserve, pool.baseReserve, pool.feeBps);
}

/** Quote a seller receives for exactly baseIn. */
export function quoteOutForBaseIn(pool: ConstantProductPool, baseIn: bigint): bigint | null {
  return getAmountOut(baseIn, pool.baseReserve, pool.quoteReserve, pool.feeBps);
}

/** Base a buyer receives for exactly quoteIn (a quote-budget market buy). */
export function baseOutForQuoteIn(pool: ConstantProductPool, quoteIn: bigint): bigint | null {
  return getAmountOut(quoteIn, pool.quoteReserve, pool.baseReserve, pool.feeBps);
}

/** The pool's marginal ask, fee included (see the file comment). */
export function marginalAsk(pool: ConstantProductPool): RationalPrice {
  return { num: pool.quoteReserve * BPS, den: pool.baseReserve * feeFactor(pool.feeBps) };
}

/** The pool's marginal bid, fee included (see the file comment). */
export function marginalBid(pool: ConstantProductPool): RationalPrice {
  return { num: pool.quoteReserve * feeFactor(pool.feeBps), den: pool.baseReserve * BPS };
}

/**
 * One swap's continuation price. An order's whole pool part is ONE V2 swap from the reserves (B, Q) the
 * order found, taken in stretches between book levels: a stretch that ends at x pays
 * getAmountIn(x) − getAmountIn(x_before). Splitting it into separate swaps would cost more, since each
 * swap's fee stays in the pool and raises the next swap's price.
 * The price of the next base atom within that one swap (fee included, before rounding) is
 *   buy:  d/dx [r·Q·x / (B − x)]          = r·Q·B / (B − x)²        with r = 10000 / g
 *   sell: d/dx [s·Q·x / (B + s·x)]        = s·Q·B / (B + s·x)²       with s = g / 10000
 * Both are monotone in x, so the most base within a price is a closed form with one integer sqrt.
 */

/**
 * The largest x < B such that the buy continuation price at x is ≤ priceNum/priceDen (quote atoms per
 * base atom): 10000·Q·B·pd ≤ g·pn·(B − x)²; 0 if not even x = 0 is.
 */
export function maxSwapBaseOut(pool: ConstantProductPool, priceNum: bigint, priceDen: bigint): bigint {
  checkPrice(priceNum, priceDen);
  const g = feeFactor(pool.feeBps);
  const { baseReserve: B, quoteReserve: Q } = pool;
  if (B <= 1n || Q <= 0n) return 0n;
  // the smallest y = B − x with y²·g·pn ≥ 10000·Q·B·pd is the ceiling square root of the ceiling ratio
  const need = ceilDiv(BPS * Q * B * priceDen, g * priceNum);
  let y = isqrt(need);
  if (y * y < need) y++;
  const x = B - y;
  if (x <= 0n) return 0n;
  return x < B - 1n ? x : B - 1n;
}

/**
 * The largest x ≥ 0 such that the sell continuation price at x is ≥ priceNum/priceDen:
 * pn·(10000·B + g·x)² ≤ 10000·g·Q·B·pd; 0 if not even x = 0 is.
 */
export function maxSwapBaseIn(pool: ConstantProductPool, priceNum: bigint, priceDen: bigint): bigint {
  checkPrice(priceNum, priceDen);
  const g = feeFactor(pool.feeBps);
  const { baseReserve: B, quoteReserve: Q } = pool;
  if (B <= 0n || Q <= 0n) return 0n;
  const z = isqrt((BPS * g * Q * B * priceDen) / priceNum);
  const floor = BPS * B;
  return z <= floor ? 0n : (z - floor) / g;
}

/** The new pool, after checking that k = base × quote did not fall (the pool's own invariant). */
function settle(before: ConstantProductPool, base: bigint, quote: bigint, baseAmount: bigint, quoteAmount: bigint): SwapResult {
  if (base * quote < before.baseReserve * before.quoteReserve) throw new Error('bug: a swap lowered k');
  return { pool: { baseReserve: base, quoteReserve: quote, feeBps: before.feeBps }, baseAmount, quoteAmount };
}

/** Buy exactly baseOut, paying quoteInForBaseOut; null if the pool cannot give it. */
export function swapQuoteInForBaseOut(pool: ConstantProductPool, baseOut: bigint): SwapResult | null {
  const quoteIn = quoteInForBaseOut(pool, baseOut);
  if (quoteIn === null) return null;
  return settle(pool, pool.baseReserve - baseOut, pool.quoteReserve + quoteIn, baseOut, quoteIn);
}

/** Spend exactly quoteIn on base; null where the pair would revert (nothing comes out). */
export function swapQuoteBudgetForBaseOut(pool: ConstantProductPool, quoteIn: bigint): SwapResult | null {
  const baseOut = baseOutForQuoteIn(pool, quoteIn);
  if (baseOut === null || baseOut === 0n) return null;
  return settle(pool, pool.baseReserve - baseOut, pool.quoteReserve + quoteIn, baseOut, quoteIn);
}

/** Sell exactly baseIn for quote; null where the pair would revert (nothing comes out). */
export function swapBaseInForQuoteOut(pool: ConstantProductPool, baseIn: bigint): SwapResult | null {
  const quoteOut = quoteOutForBaseIn(pool, baseIn);
  if (quoteOut === null || quoteOut === 0n) return null;
  return settle(pool, pool.baseReserve + baseIn, pool.quoteReserve - quoteOut, baseIn, quoteOut);
}
