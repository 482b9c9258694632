/**
 * Shared fixtures for the router tests: markets with an AMM pool and chosen asset decimals, and the
 * exact Uniswap V2 costs the tests compare the engine's fills against.
 */
import { quoteInForBaseOut, quoteOutForBaseIn, type ConstantProductPool } from '../../src/engine/amm/uniswap-v2-math.js';
import type { Engine } from '../../src/engine/engine.js';
import type { Fill } from '../../src/engine/events.js';
import type { MarketConfig, MarketSpec } from '../../src/engine/market.js';

export const PAIR = 'IDX-USDC';

export interface MarketShape {
  readonly tickSize: string;
  readonly lotSize: string;
  /** decimals of IDX and USDC; at least what tick and lot need (an anchor market forces more) */
  readonly baseDecimals: number;
  readonly quoteDecimals: number;
  readonly makerFeeBps: number;
  readonly takerFeeBps: number;
}

/** tick 0.01, lot 0.001; IDX 6 decimals, USDC 7: 1 lot = 1000 IDX atoms, 1 tick × 1 lot = 100 USDC atoms. */
export const WIDE_SCALES: MarketShape = {
  tickSize: '0.01',
  lotSize: '0.001',
  baseDecimals: 6,
  quoteDecimals: 7,
  makerFeeBps: 10,
  takerFeeBps: 25,
};

/** Atoms as a decimal string with `decimals` places. */
export function atomsText(atoms: bigint | number, decimals: number): string {
  const s = BigInt(atoms).toString().padStart(decimals + 1, '0');
  return decimals === 0 ? s : `${s.slice(0, s.length - decimals)}.${s.slice(s.length - decimals)}`;
}

/**
 * IDX-USDC with the given shape and pool (reserves in atoms; null: book only), plus anchor markets that
 * only exist to give IDX and USDC the decimals asked for, so a book-only and a pooled market built from
 * the same shape have identical scales.
 */
export function marketsOf(
  shape: MarketShape,
  pool: { baseReserve: bigint | number; quoteReserve: bigint | number; feeBps: number } | null,
): MarketConfig[] {
  const main: MarketConfig = {
    pair: PAIR,
    base: 'IDX',
    quote: 'USDC',
    tickSize: shape.tickSize,
    lotSize: shape.lotSize,
    minNotional: '0',
    makerFeeBps: shape.makerFeeBps,
    takerFeeBps: shape.takerFeeBps,
    amm:
      pool === null
        ? null
        : {
            baseReserve: atomsText(pool.baseReserve, shape.baseDecimals),
            quoteReserve: atomsText(pool.quoteReserve, shape.quoteDecimals),
            feeBps: pool.feeBps,
          },
  };
  const unit = (decimals: number): string => (decimals === 0 ? '1' : `0.${'0'.repeat(decimals - 1)}1`);
  const anchors: MarketConfig[] = [
    { pair: 'IDX-ANCA', base: 'IDX', quote: 'ANCA', tickSize: '1', lotSize: unit(shape.baseDecimals), minNotional: '0', makerFeeBps: 0, takerFeeBps: 0, amm: null },
    { pair: 'ANCB-USDC', base: 'ANCB', quote: 'USDC', tickSize: unit(shape.quoteDecimals), lotSize: '1', minNotional: '0', makerFeeBps: 0, takerFeeBps: 0, amm: null },
  ];
  return [main, ...anchors];
}

export function specOf(engine: Engine): MarketSpec {
  return engine.catalogue.markets.find((m) => m.pair === PAIR)!;
}

export function poolNow(engine: Engine, pair = PAIR): ConstantProductPool {
  const p = engine.depth(pair)!.pool!;
  return { baseReserve: BigInt(p.baseReserve), quoteReserve: BigInt(p.quoteReserve), feeBps: p.feeBps };
}

export const kOf = (pool: ConstantProductPool): bigint => pool.baseReserve * pool.quoteReserve;

/** Exact V2 quote a buyer pays for `lots` in one swap (0 for none; null when the pool cannot give it). */
export function poolBuyCost(spec: MarketSpec, pool: ConstantProductPool, lots: number): bigint | null {
  return lots === 0 ? 0n : quoteInForBaseOut(pool, BigInt(lots) * BigInt(spec.baseAtomsPerLot));
}

/** Exact V2 quote a seller receives for `lots` in one swap. */
export function poolSellProceeds(spec: MarketSpec, pool: ConstantProductPool, lots: number): bigint {
  return lots === 0 ? 0n : (quoteOutForBaseIn(pool, BigInt(lots) * BigInt(spec.baseAtomsPerLot)) ?? 0n);
}

/** Lots and gross quote atoms of fills, per venue and in total. */
export function totals(fills: readonly Fill[]): { lots: number; quote: number; bookLots: number; ammLots: number; ammQuote: number; stretches: number } {
  let lots = 0;
  let quote = 0;
  let bookLots = 0;
  let ammLots = 0;
  let ammQuote = 0;
  let stretches = 0;
  for (const f of fills) {
    lots += f.amount;
    quote += f.quote;
    if (f.venue === 'amm') {
      ammLots += f.amount;
      ammQuote += f.quote;
      stretches++;
    } else bookLots += f.amount;
  }
  return { lots, quote, bookLots, ammLots, ammQuote, stretches };
}

/** Sum of all accounts plus every pool, per asset, from the engine's public reads. */
export function holdings(engine: Engine): Record<string, number> {
  const sum: Record<string, number> = {};
  for (const userId of engine.userIds()) {
    for (const [asset, b] of Object.entries(engine.balances(userId))) sum[asset] = (sum[asset] ?? 0) + b.available + b.locked;
  }
  for (const spec of engine.catalogue.markets) {
    const pool = engine.depth(spec.pair)!.pool;
    if (pool === null) continue;
    sum[spec.base] += pool.baseReserve;
    sum[spec.quote] += pool.quoteReserve;
  }
  return sum;
}

const BPS = 10_000n;

/** The pool after a buyer takes `lots` in one V2 swap (null if it cannot). */
export function afterBuy(spec: MarketSpec, pool: ConstantProductPool, lots: number): ConstantProductPool | null {
  const base = BigInt(lots) * BigInt(spec.baseAtomsPerLot);
  const paid = quoteInForBaseOut(pool, base);
  return paid === null ? null : { ...pool, baseReserve: pool.baseReserve - base, quoteReserve: pool.quoteReserve + paid };
}

/** The pool after a seller puts in `lots` in one V2 swap. */
export function afterSell(spec: MarketSpec, pool: ConstantProductPool, lots: number): ConstantProductPool {
  const base = BigInt(lots) * BigInt(spec.baseAtomsPerLot);
  const got = quoteOutForBaseIn(pool, base) ?? 0n;
  return { ...pool, baseReserve: pool.baseReserve + base, quoteReserve: pool.quoteReserve - got };
}

/** Whether the pool's marginal ask, fee included (Q·10000 / (B·g)), is at most `ticks`; exact. */
export function askAtMost(spec: MarketSpec, pool: ConstantProductPool, ticks: number): boolean {
  const g = BPS - BigInt(pool.feeBps);
  return pool.quoteReserve * BPS * BigInt(spec.baseAtomsPerLot) <= BigInt(ticks) * BigInt(spec.quoteAtomsPerTickLot) * pool.baseReserve * g;
}

/** Whether the pool's marginal bid, fee included (Q·g / (B·10000)), is at least `ticks`; exact. */
export function bidAtLeast(spec: MarketSpec, pool: ConstantProductPool, ticks: number): boolean {
  const g = BPS - BigInt(pool.feeBps);
  return pool.quoteReserve * g * BigInt(spec.baseAtomsPerLot) >= BigInt(ticks) * BigInt(spec.quoteAtomsPerTickLot) * pool.baseReserve * BPS;
}

/*
 * The continuation price of ONE swap from `start` (B, Q) after x base atoms: the price of the next base
 * atom within that same swap, fee included, before rounding, in quote atoms per base atom:
 *   buy  10000·Q·B / (g·(B − x)²)        sell  10000·g·Q·B / (10000·B + g·x)²
 * A price in ticks is ticks·quoteAtomsPerTickLot / baseAtomsPerLot per base atom. Checked straight from
 * the inequalities, not through the engine's closed forms.
 */

/** Whether one swap buying `lots` from `start` still has its continuation price at most `ticks` (false if it cannot give them). */
export function swapAskAtMost(spec: MarketSpec, start: ConstantProductPool, lots: number, ticks: number): boolean {
  const { baseReserve: B, quoteReserve: Q } = start;
  const x = BigInt(lots) * BigInt(spec.baseAtomsPerLot);
  const g = BPS - BigInt(start.feeBps);
  return x < B && BPS * Q * B * BigInt(spec.baseAtomsPerLot) <= g * BigInt(ticks) * BigInt(spec.quoteAtomsPerTickLot) * (B - x) ** 2n;
}

/** Whether one swap selling `lots` into `start` still has its continuation price at least `ticks`. */
export function swapBidAtLeast(spec: MarketSpec, start: ConstantProductPool, lots: number, ticks: number): boolean {
  const { baseReserve: B, quoteReserve: Q } = start;
  const x = BigInt(lots) * BigInt(spec.baseAtomsPerLot);
  const g = BPS - BigInt(start.feeBps);
  return BigInt(ticks) * BigInt(spec.quoteAtomsPerTickLot) * (BPS * B + g * x) ** 2n <= BPS * g * Q * B * BigInt(spec.baseAtomsPerLot);
}

/**
 * One lot's worth of continuation-price change just past `lots`, in quote atoms, rounded up:
 * lot × |price(lots + 1) − price(lots)| of one swap from `start`. This is the most whole lots can cost a
 * router that stops a stretch where the NEXT lot's end price passes a level: that lot may still have been
 * cheaper on average than the level (its average lies between its two end prices). Null if the pool
 * cannot give lots + 1.
 */
export function oneLotPriceStep(spec: MarketSpec, start: ConstantProductPool, side: 'buy' | 'sell', lots: number): bigint | null {
  const { baseReserve: B, quoteReserve: Q } = start;
  const L = BigInt(spec.baseAtomsPerLot);
  const x = BigInt(lots) * L;
  const g = BPS - BigInt(start.feeBps);
  let num: bigint;
  let den: bigint;
  if (side === 'buy') {
    if (x + L >= B) return null;
    // L·10000·Q·B·(1/(g·(B − x − L)²) − 1/(g·(B − x)²))
    const a = (B - x) ** 2n;
    const b = (B - x - L) ** 2n;
    num = L * BPS * Q * B * (a - b);
    den = g * a * b;
  } else {
    // L·10000·g·Q·B·(1/(10000·B + g·x)² − 1/(10000·B + g·(x + L))²)
    const a = (BPS * B + g * x) ** 2n;
    const b = (BPS * B + g * (x + L)) ** 2n;
    num = L * BPS * g * Q * B * (b - a);
    den = a * b;
  }
  return (num + den - 1n) / den;
}

/** One pool stretch of an order, replayed: the order's cumulative pool lots after it, and the pool then. */
export interface ReplayedStretch {
  readonly lots: number;
  readonly pool: ConstantProductPool;
}

/**
 * Replays a taker's AMM fills as ONE V2 swap from the pool the order started from: the stretch that
 * takes the swap from X_{i−1} to X_i lots (cumulative) must move exactly
 *   buy   getAmountIn(X_i) − getAmountIn(X_{i−1})      sell  getAmountOut(X_i) − getAmountOut(X_{i−1})
 * quote atoms, so the order's pool part costs exactly one swap of its total and the pool after stretch i
 * is one swap of X_i from the start (book fills leave the pool alone). Returns every stretch, in order;
 * throws on the first fill that differs.
 */
export function replayPoolFills(
  spec: MarketSpec,
  start: ConstantProductPool,
  side: 'buy' | 'sell',
  fills: readonly Fill[],
): ReplayedStretch[] {
  const stretches: ReplayedStretch[] = [];
  let lots = 0;
  let total = 0n;
  for (const f of fills) {
    if (f.venue !== 'amm') continue;
    const next = lots + f.amount;
    const nextTotal = side === 'buy' ? poolBuyCost(spec, start, next) : poolSellProceeds(spec, start, next);
    const expected = nextTotal === null ? null : nextTotal - total;
    if (expected === null || BigInt(f.quote) !== expected) {
      throw new Error(
        `AMM fill of ${f.amount} lots (lots ${lots}→${next} of the order's swap) moved ${f.quote} quote atoms; ` +
          `one swap from the order's start gives ${expected} for them`,
      );
    }
    lots = next;
    total = nextTotal!;
    stretches.push({ lots, pool: side === 'buy' ? afterBuy(spec, start, lots)! : afterSell(spec, start, lots) });
  }
  return stretches;
}

/** The order's cumulative pool lots once it is done (0 if it never traded with the pool). */
export const poolLotsOf = (stretches: readonly ReplayedStretch[]): number => (stretches.length === 0 ? 0 : stretches[stretches.length - 1].lots);
