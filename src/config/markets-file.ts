/**
 * Reads and validates the markets file named by HOOATS_MARKETS (format: shared/API.md). The shape is
 * checked here (unknown keys, wrong types); the numbers are checked by buildCatalogue, which derives the
 * integer scales and refuses what they cannot hold.
 */
import { readFileSync } from 'node:fs';
import { buildCatalogue, DEFAULT_MARKETS, MarketConfigError, type MarketConfig } from '../engine/market.js';
import { ConfigError } from './config-error.js';

const MARKET_KEYS = ['pair', 'base', 'quote', 'tickSize', 'lotSize', 'minNotional', 'makerFeeBps', 'takerFeeBps', 'amm'];
const AMM_KEYS = ['baseReserve', 'quoteReserve', 'feeBps'];

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkKeys(obj: Record<string, unknown>, allowed: readonly string[], where: string): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) throw new ConfigError(`${where}: unknown key "${key}"`);
  }
}

const decimalLike = (v: unknown): boolean => typeof v === 'string' || typeof v === 'number';

function parseMarket(raw: unknown, i: number): MarketConfig {
  const where = `markets[${i}]`;
  if (!isPlainObject(raw)) throw new ConfigError(`${where} must be an object`);
  checkKeys(raw, MARKET_KEYS, where);
  for (const key of ['pair', 'base', 'quote']) {
    if (typeof raw[key] !== 'string') throw new ConfigError(`${where}.${key} must be a string`);
  }
  for (const key of ['tickSize', 'lotSize']) {
    if (!decimalLike(raw[key])) throw new ConfigError(`${where}.${key} must be a decimal string`);
  }
  if (raw.minNotional !== undefined && !decimalLike(raw.minNotional)) {
    throw new ConfigError(`${where}.minNotional must be a decimal string`);
  }
  let amm: MarketConfig['amm'] = null;
  if (raw.amm !== undefined && raw.amm !== null) {
    if (!isPlainObject(raw.amm)) throw new ConfigError(`${where}.amm must be an object or null`);
    checkKeys(raw.amm, AMM_KEYS, `${where}.amm`);
    if (!decimalLike(raw.amm.baseReserve) || !decimalLike(raw.amm.quoteReserve)) {
      throw new ConfigError(`${where}.amm reserves must be decimal strings`);
    }
    amm = {
      baseReserve: String(raw.amm.baseReserve),
      quoteReserve: String(raw.amm.quoteReserve),
      feeBps: raw.amm.feeBps as number,
    };
  }
  return {
    pair: raw.pair as string,
    base: raw.base as string,
    quote: raw.quote as string,
    tickSize: String(raw.tickSize),
    lotSize: String(raw.lotSize),
    minNotional: raw.minNotional === undefined ? '0' : String(raw.minNotional),
    makerFeeBps: (raw.makerFeeBps ?? 0) as number,
    takerFeeBps: (raw.takerFeeBps ?? 0) as number,
    amm,
  };
}

/** Parses a markets document (already JSON-decoded) and validates it fully. */
export function parseMarkets(doc: unknown): readonly MarketConfig[] {
  if (!isPlainObject(doc) || !Array.isArray(doc.markets)) {
    throw new ConfigError('markets file must be {"markets": [...]}');
  }
  checkKeys(doc, ['markets'], 'markets file');
  const markets = doc.markets.map(parseMarket);
  try {
    buildCatalogue(markets);
  } catch (err) {
    if (err instanceof MarketConfigError) throw new ConfigError(`markets file: ${err.message}`);
    throw err;
  }
  return Object.freeze(markets.map((m) => Object.freeze({ ...m, amm: m.amm === null ? null : Object.freeze(m.amm) })));
}

/** The markets from HOOATS_MARKETS, or the built-in default market when it is not set. */
export function loadMarkets(path: string | undefined): readonly MarketConfig[] {
  if (path === undefined || path === '') return DEFAULT_MARKETS;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`HOOATS_MARKETS: cannot read ${path}: ${(err as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`HOOATS_MARKETS: ${path} is not valid JSON: ${(err as Error).message}`);
  }
  return parseMarkets(doc);
}
