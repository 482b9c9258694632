/**
 * Engine values (integers) → API JSON objects (decimal strings, string ids) for trades, balances and
 * average prices. Orders and order results are written as JSON text by json-text.ts (the hot path).
 */
import type { Fill, TradeEvent } from '../engine/events.js';
import type { HistoryTradeJson } from '../history/format.js';
import type { MarketScales, Markets } from './markets.js';

/** A public trade as the API shows it (the history formats stored trades the same way). */
export type TradeJson = HistoryTradeJson;

/** Volume-weighted average of the fills, exact up to the quote asset's decimals; null without fills. */
export function averagePrice(m: MarketScales, fills: readonly Fill[]): string | null {
  if (fills.length === 0) return null;
  let quote = 0;
  let lots = 0;
  let samePrice = true;
  for (const f of fills) {
    quote += f.quote;
    lots += f.amount;
    if (f.price !== fills[0].price || f.venue !== 'book') samePrice = false;
  }
  if (lots === 0) return null;
  return samePrice ? m.price(fills[0].price) : m.ratioPrice(quote, lots * m.spec.baseAtomsPerLot);
}

export function tradeJson(m: MarketScales, t: TradeEvent): TradeJson {
  return {
    id: String(t.id),
    price: m.price(t.price),
    amount: m.amount(t.amount),
    quoteAmount: m.quote(t.quote),
    takerSide: t.takerSide,
    venue: t.venue,
    time: t.time,
  };
}

/** Balances in atoms by asset → decimal strings at each asset's decimals. */
export function balancesJson(
  markets: Markets,
  balances: Record<string, { available: number; locked: number }>,
): Record<string, { available: string; locked: string }> {
  const out: Record<string, { available: string; locked: string }> = {};
  for (const asset of Object.keys(balances)) {
    const b = balances[asset];
    out[asset] = { available: markets.formatAsset(asset, b.available), locked: markets.formatAsset(asset, b.locked) };
  }
  return out;
}

/** An AMM pool's reserves and price as decimal strings; null for a market without a pool. */
export function ammJson(m: MarketScales, pool: { baseReserve: number; quoteReserve: number } | null) {
  if (pool === null) return null;
  return {
    baseReserve: m.base(pool.baseReserve),
    quoteReserve: m.quote(pool.quoteReserve),
    price: m.ratioPrice(pool.quoteReserve, pool.baseReserve),
  };
}
