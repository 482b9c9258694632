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
 * Marginal price, as used by a router that interleaves this pool with an order book, in quote atoms per
 * base atom at reserves (B, Q) with g = 10000 − feeBps:
 *   ask (what a buyer pays for the next base)    = Q · 10000 / (B · g)
 *   bid (what a seller gets for the next base)   = Q · g / (B · 10000)
 * i.e. the limits of getAmountIn(x)/x and getAmountOut(x)/x as x → 0, before rounding, fee included.
 * Why this and not getAmountIn(1) at the new reserves: one base atom is often worth far less than one
 * quote atom (18-decimal base, 6-decimal quote), so getAmountIn(1) ≥ 1 would be all rounding and make
 * the pool look worse than any book. The curve is convex, so a pool fill that ends with its marginal ask
 * at p was bought at an average of at most p (plus V2's ≤ 1-atom rounding): taking the pool while its
 * marginal ask ≤ the best book ask never pays more than the book level it skips; likewise for bids.
 * The rational is exact and monotone in the swap size, which gives the closed forms below.
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
/** The closed forms land within a couple of atoms of the answer; more steps than this is a bug. */
const MAX_CORRECTION_STEPS = 8;

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
 * The largest base amount x a buyer can take out (paying quoteInForBaseOut(x)) such that the pool's
 * marginal ask afterwards is still ≤ priceNum/priceDen; 0 if it already is above. Monotone in x, so
 * x satisfies the bound and x + 1 does not (or x + 1 would empty the pool).
 *
 * Solved in the quote paid a rather than in x: getAmountIn's rounding adds up to one quote atom, which
 * can be worth billions of base atoms, so a closed form in x could land far off; in a it cannot.
 * The answer is max over a of min(affordable(a), allowed(a)), the most base that costs at most a and
 * the most the price allows once the quote reserve is Q + a; one rises and one falls with a, so the
 * maximum sits where they cross, which for the unrounded curves is
 *   pd·g·a² + pd·Q·(g + 10000)·a + 10000·pd·Q² − pn·g²·B·Q = 0   (price pn/pd).
 * Its integer neighbours give the answer; exact checks of x + 1 guard the rounding of that window.
 */
export function maxBaseOutWithinPrice(pool: ConstantProductPool, priceNum: bigint, priceDen: bigint): bigint {
  checkPrice(priceNum, priceDen);
  const g = feeFactor(pool.feeBps);
  const f = BPS - g;
  const { baseReserve: B, quoteReserve: Q } = pool;
  if (B <= 0n || Q <= 0n) return 0n;
  const pn = priceNum;
  const pd = priceDen;
  const askWithin = (x: bigint): boolean => {
    const paid = x === 0n ? 0n : (getAmountIn(x, Q, B, pool.feeBps) as bigint);
    return (Q + paid) * BPS * pd <= pn * (B - x) * g;
  };
  if (!askWithin(0n)) return 0n;

  const disc = (pd * Q * f) ** 2n + 4n * pd * pn * g * g * B * Q;
  const aCross = (isqrt(disc) - pd * Q * (g + BPS)) / (2n * pd * g);
  let best = 0n;
  for (let a = aCross - 1n; a <= aCross + 2n; a++) {
    if (a < 1n) continue;
    // the most base that costs at most a: x·(Q·10000 + a·g) < a·B·g
    const affordable = (a * B * g - 1n) / (Q * BPS + a * g);
    // the most base that leaves the ask within the price once the quote reserve is Q + a
    const allowed = B - ceilDiv((Q + a) * BPS * pd, pn * g);
    const x = affordable < allowed ? affordable : allowed;
    if (x > best) best = x;
  }
  return correctUpward(best, (x) => x < B && askWithin(x));
}

/**
 * The largest base amount x a seller can put in (receiving quoteOutForBaseIn(x)) such that the pool's
 * marginal bid afterwards is still ≥ priceNum/priceDen; 0 if it already is below. Mirror image of
 * maxBaseOutWithinPrice, solved in the quote received q; with Qn = Q − q the crossing is
 *   g²·pd·Qn² + 10000·fee·pn·B·Qn − 10^8·pn·B·Q = 0.
 */
export function maxBaseInWithinPrice(pool: ConstantProductPool, priceNum: bigint, priceDen: bigint): bigint {
  checkPrice(priceNum, priceDen);
  const g = feeFactor(pool.feeBps);
  const f = BPS - g;
  const { baseReserve: B, quoteReserve: Q } = pool;
  if (B <= 0n || Q <= 0n) return 0n;
  const pn = priceNum;
  const pd = priceDen;
  const bidWithin = (x: bigint): boolean => {
    const got = x === 0n ? 0n : (getAmountOut(x, B, Q, pool.feeBps) as bigint);
    return (Q - got) * g * pd >= pn * (B + x) * BPS;
  };
  if (!bidWithin(0n)) return 0n;

  const disc = (B * pn * f) ** 2n + 4n * g * g * pd * pn * B * Q;
  const quoteLeft = (BPS * (isqrt(disc) - B * pn * f)) / (2n * g * g * pd);
  const qCross = Q - quoteLeft;
  let best = 0n;
  for (let q = qCross - 2n; q <= qCross + 2n; q++) {
    if (q < 0n || q >= Q) continue;
    // the most base whose output is at most q: output ≥ q + 1 needs x·g·(Q − q − 1) ≥ (q + 1)·B·10000
    const rest = Q - q - 1n;
    const allowed = ((Q - q) * g * pd) / (pn * BPS) - B;
    const unpaid = rest <= 0n ? allowed : ceilDiv((q + 1n) * B * BPS, g * rest) - 1n;
    const x = unpaid < allowed ? unpaid : allowed;
    if (x > best) best = x;
  }
  return correctUpward(best, bidWithin);
}

/** Steps a feasible estimate up to the largest x with holds(x); holds must be monotone (true, then false). */
function correctUpward(estimate: bigint, holds: (x: bigint) => boolean): bigint {
  let x = estimate;
  for (let step = 0; holds(x + 1n); step++) {
    if (step >= MAX_CORRECTION_STEPS) throw new Error(`bug: closed form missed the bound by more than ${step} atoms`);
    x++;
  }
  return x;
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
