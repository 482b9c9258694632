import type { MarketConfig } from '../../src/engine/market.js';

/**
 * Two book-only markets sharing USDC, with different tick and lot sizes and non-zero fees.
 * Derived scales (see market.ts): USDC 6 decimals, IDX 2, BTC 5.
 * IDX-USDC: 1 lot = 5 IDX atoms, 1 tick × 1 lot = 5 USDC atoms.
 * BTC-USDC: 1 lot = 25 BTC atoms, 1 tick × 1 lot = 125 USDC atoms, minNotional 10 USDC = 10^7 atoms.
 */
export const TEST_MARKETS: readonly MarketConfig[] = [
  {
    pair: 'IDX-USDC',
    base: 'IDX',
    quote: 'USDC',
    tickSize: '0.0001',
    lotSize: '0.05',
    minNotional: '0',
    makerFeeBps: 10,
    takerFeeBps: 25,
    amm: null,
  },
  {
    pair: 'BTC-USDC',
    base: 'BTC',
    quote: 'USDC',
    tickSize: '0.5',
    lotSize: '0.00025',
    minNotional: '10',
    makerFeeBps: 5,
    takerFeeBps: 30,
    amm: null,
  },
];
