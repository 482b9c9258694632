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

/**
 * Replays a taker's fills against the pool it started from: every AMM fill must be exactly what one
 * V2 swap of its lots gives at the pool as the previous fills left it (book fills leave the pool alone).
 * Returns the pool after each AMM fill, in order; throws on the first fill that differs.
 */
export function replayPoolFills(
  spec: MarketSpec,
  start: ConstantProductPool,
  side: 'buy' | 'sell',
  fills: readonly Fill[],
): ConstantProductPool[] {
  const states: ConstantProductPool[] = [];
  let pool = start;
  for (const f of fills) {
    if (f.venue !== 'amm') continue;
    const expected = side === 'buy' ? poolBuyCost(spec, pool, f.amount) : poolSellProceeds(spec, pool, f.amount);
    if (expected === null || BigInt(f.quote) !== expected) {
      throw new Error(`AMM fill of ${f.amount} lots moved ${f.quote} quote atoms; one V2 swap at that point gives ${expected}`);
    }
    pool = side === 'buy' ? afterBuy(spec, pool, f.amount)! : afterSell(spec, pool, f.amount);
    states.push(pool);
  }
  return states;
}
