/**
 * Market specifications: the decimal strings of a markets file turned into the integer scales the
 * engine computes with. Prices are integer ticks, amounts integer lots, balances integer asset atoms.
 *
 * Why safe integers are enough (no bigint on the hot path): every asset's total supply is capped at
 * MAX_ATOMS = 2^53 - 1 atoms (deposits that would pass it are refused), so every balance, every locked
 * amount and every sum of them is a safe integer. An order is accepted only if its notional
 * price × amount × quoteAtomsPerTickLot is ≤ MAX_ATOMS (checked in float: a true product ≤ 2^53 is
 * computed exactly, a larger one rounds to ≥ 2^53 and is refused), and every fill's notional is at most
 * its order's. Fees are computed without forming notional × bps (see fees.ts).
 */
import { decimalsOf, parseUnits, pow10, toDecimalText } from './money/decimal.js';

export const MAX_ATOMS = Number.MAX_SAFE_INTEGER;
/** Asset atoms finer than 10^-12 would leave too little room below 2^53 for real balances. */
export const MAX_ASSET_DECIMALS = 12;

export interface AmmConfig {
  readonly baseReserve: string;
  readonly quoteReserve: string;
  readonly feeBps: number;
}

/** One market as written in the markets file (see shared/API.md). */
export interface MarketConfig {
  readonly pair: string;
  readonly base: string;
  readonly quote: string;
  readonly tickSize: string;
  readonly lotSize: string;
  readonly minNotional: string;
  readonly makerFeeBps: number;
  readonly takerFeeBps: number;
  readonly amm: AmmConfig | null;
}

export interface MarketSpec {
  readonly pair: string;
  readonly base: string;
  readonly quote: string;
  readonly baseAsset: number;
  readonly quoteAsset: number;
  readonly tickSize: string;
  readonly lotSize: string;
  readonly minNotional: string;
  /** tickSize = tickUnits × 10^-priceDecimals */
  readonly priceDecimals: number;
  readonly tickUnits: number;
  /** lotSize = lotUnits × 10^-amountDecimals */
  readonly amountDecimals: number;
  readonly lotUnits: number;
  readonly baseAtomsPerLot: number;
  /** quote atoms of 1 tick × 1 lot */
  readonly quoteAtomsPerTickLot: number;
  readonly minNotionalAtoms: number;
  readonly makerFeeBps: number;
  readonly takerFeeBps: number;
  readonly amm: { readonly baseReserve: number; readonly quoteReserve: number; readonly feeBps: number } | null;
}

export interface AssetSpec {
  readonly name: string;
  readonly index: number;
  readonly decimals: number;
}

export interface MarketCatalogue {
  readonly assets: readonly AssetSpec[];
  readonly assetIndex: ReadonlyMap<string, number>;
  readonly markets: readonly MarketSpec[];
}

/** The built-in market used when no markets file is given (see shared/API.md). */
export const DEFAULT_MARKETS: readonly MarketConfig[] = Object.freeze([
  Object.freeze({
    pair: 'HYPERINDEX-USDC',
    base: 'HYPERINDEX',
    quote: 'USDC',
    tickSize: '0.0001',
    lotSize: '0.001',
    minNotional: '0',
    makerFeeBps: 0,
    takerFeeBps: 0,
    amm: Object.freeze({ baseReserve: '1000000', quoteReserve: '1000000', feeBps: 30 }),
  }),
]);

const ASSET_NAME = /^[A-Z0-9]{1,20}$/;

export class MarketConfigError extends Error {}

function positiveDecimal(value: unknown, what: string): string {
  const text = toDecimalText(value);
  if (text === null || !/[1-9]/.test(text)) throw new MarketConfigError(`${what} must be a positive decimal`);
  return text;
}

function feeBps(value: unknown, what: string): number {
  if (!Number.isInteger(value) || (value as number) < 0 || (value as number) > 10_000) {
    throw new MarketConfigError(`${what} must be an integer from 0 to 10000`);
  }
  return value as number;
}

/**
 * Validates market configs and derives the integer scales. Each asset gets the decimals every market
 * that uses it needs: a base needs its lot's decimals, a quote the tick's plus the lot's (so that
 * price × amount is a whole number of atoms).
 */
export function buildCatalogue(configs: readonly MarketConfig[]): MarketCatalogue {
  if (!Array.isArray(configs) || configs.length === 0) throw new MarketConfigError('at least one market is needed');
  const needed = new Map<string, number>();
  const need = (asset: string, decimals: number): void => {
    needed.set(asset, Math.max(needed.get(asset) ?? 0, decimals));
  };
  const seen = new Set<string>();
  for (const c of configs) {
    if (!ASSET_NAME.test(c.base) || !ASSET_NAME.test(c.quote) || c.base === c.quote) {
      throw new MarketConfigError(`market ${c.pair}: base and quote must be distinct names of A-Z, 0-9`);
    }
    if (c.pair !== `${c.base}-${c.quote}`) throw new MarketConfigError(`market ${c.pair}: pair must be BASE-QUOTE`);
    if (seen.has(c.pair)) throw new MarketConfigError(`market ${c.pair} is listed twice`);
    seen.add(c.pair);
    const tick = positiveDecimal(c.tickSize, `${c.pair} tickSize`);
    const lot = positiveDecimal(c.lotSize, `${c.pair} lotSize`);
    need(c.base, decimalsOf(lot));
    need(c.quote, decimalsOf(tick) + decimalsOf(lot));
    const minNotional = toDecimalText(c.minNotional ?? '0');
    if (minNotional === null) throw new MarketConfigError(`${c.pair} minNotional must be a decimal`);
    need(c.quote, decimalsOf(minNotional));
    if (c.amm !== null && c.amm !== undefined) {
      need(c.base, decimalsOf(positiveDecimal(c.amm.baseReserve, `${c.pair} amm.baseReserve`)));
      need(c.quote, decimalsOf(positiveDecimal(c.amm.quoteReserve, `${c.pair} amm.quoteReserve`)));
    }
  }
  const assets: AssetSpec[] = [...needed.keys()].sort().map((name, index) => {
    const decimals = needed.get(name)!;
    if (decimals > MAX_ASSET_DECIMALS) {
      throw new MarketConfigError(`asset ${name} would need ${decimals} decimals; at most ${MAX_ASSET_DECIMALS}`);
    }
    return Object.freeze({ name, index, decimals });
  });
  const assetIndex = new Map(assets.map((a) => [a.name, a.index]));
  const markets = configs.map((c) => buildSpec(c, assets, assetIndex));
  return Object.freeze({ assets: Object.freeze(assets), assetIndex, markets: Object.freeze(markets) });
}

function buildSpec(c: MarketConfig, assets: readonly AssetSpec[], assetIndex: Map<string, number>): MarketSpec {
  const baseAsset = assetIndex.get(c.base)!;
  const quoteAsset = assetIndex.get(c.quote)!;
  const baseDecimals = assets[baseAsset].decimals;
  const quoteDecimals = assets[quoteAsset].decimals;
  const tick = toDecimalText(c.tickSize)!;
  const lot = toDecimalText(c.lotSize)!;
  const priceDecimals = decimalsOf(tick);
  const amountDecimals = decimalsOf(lot);
  const tickUnits = parseUnits(tick, priceDecimals)!;
  const lotUnits = parseUnits(lot, amountDecimals)!;
  const baseAtomsPerLot = lotUnits * pow10(baseDecimals - amountDecimals);
  const quoteAtomsPerTickLot = tickUnits * lotUnits * pow10(quoteDecimals - priceDecimals - amountDecimals);
  if (!Number.isSafeInteger(quoteAtomsPerTickLot)) throw new MarketConfigError(`${c.pair}: tick × lot too large`);
  const minNotionalAtoms = parseUnits(c.minNotional ?? '0', quoteDecimals);
  if (minNotionalAtoms === null) throw new MarketConfigError(`${c.pair} minNotional is out of range`);
  let amm: MarketSpec['amm'] = null;
  if (c.amm !== null && c.amm !== undefined) {
    const baseReserve = parseUnits(c.amm.baseReserve, baseDecimals);
    const quoteReserve = parseUnits(c.amm.quoteReserve, quoteDecimals);
    if (baseReserve === null || quoteReserve === null) throw new MarketConfigError(`${c.pair}: AMM reserve too large`);
    amm = Object.freeze({ baseReserve, quoteReserve, feeBps: feeBps(c.amm.feeBps, `${c.pair} amm.feeBps`) });
  }
  return Object.freeze({
    pair: c.pair,
    base: c.base,
    quote: c.quote,
    baseAsset,
    quoteAsset,
    tickSize: tick,
    lotSize: lot,
    minNotional: toDecimalText(c.minNotional ?? '0')!,
    priceDecimals,
    tickUnits,
    amountDecimals,
    lotUnits,
    baseAtomsPerLot,
    quoteAtomsPerTickLot,
    minNotionalAtoms,
    makerFeeBps: feeBps(c.makerFeeBps, `${c.pair} makerFeeBps`),
    takerFeeBps: feeBps(c.takerFeeBps, `${c.pair} takerFeeBps`),
    amm,
  });
}

/** Decimal price → ticks, or null if malformed, not positive, off the tick grid or too large. */
export function priceToTicks(spec: MarketSpec, value: unknown): number | null {
  const units = parseUnits(value, spec.priceDecimals);
  if (units === null || units <= 0 || units % spec.tickUnits !== 0) return null;
  return units / spec.tickUnits;
}

/** Decimal base amount → lots, or null if malformed, not positive, off the lot grid or too large. */
export function amountToLots(spec: MarketSpec, value: unknown): number | null {
  const units = parseUnits(value, spec.amountDecimals);
  if (units === null || units <= 0 || units % spec.lotUnits !== 0) return null;
  return units / spec.lotUnits;
}
