/** Public market data: markets, order book, ticker, trades. */
import type { FastifyInstance } from 'fastify';
import { durableRead, marketOf, type AppContext } from '../context.js';
import { publicLimit } from '../http-guards.js';
import type { MarketScales } from '../markets.js';
import * as S from '../schemas.js';
import { tradeJson } from '../views.js';

const errors = { '4xx': S.errorResponse, '5xx': S.errorResponse };
const tags = ['market data'];

function ammJson(m: MarketScales, pool: { baseReserve: number; quoteReserve: number } | null) {
  if (pool === null) return null;
  return {
    baseReserve: m.base(pool.baseReserve),
    quoteReserve: m.quote(pool.quoteReserve),
    price: m.ratioPrice(pool.quoteReserve, pool.baseReserve),
  };
}

export function publicRoutes(app: FastifyInstance, ctx: AppContext): void {
  const limit = publicLimit(ctx);

  const marketsBody = {
    markets: ctx.markets.catalogue.markets.map((spec) => {
      const m = ctx.markets.get(spec.pair)!;
      return {
        pair: spec.pair, base: spec.base, quote: spec.quote, tickSize: spec.tickSize, lotSize: spec.lotSize,
        minNotional: spec.minNotional, makerFeeBps: spec.makerFeeBps, takerFeeBps: spec.takerFeeBps,
        amm: spec.amm === null ? null : { feeBps: spec.amm.feeBps },
        baseDecimals: m.baseDecimals, quoteDecimals: m.quoteDecimals,
        priceDecimals: spec.priceDecimals, amountDecimals: spec.amountDecimals,
      };
    }),
  };
  app.get('/api/trading/v2/markets', {
    onRequest: limit,
    schema: { tags, summary: 'Markets and their grids', response: { ...errors } },
    handler: async () => marketsBody,
  });

  app.get<{ Params: { pair: string }; Querystring: { depth: number } }>('/api/orderbook/:pair', {
    onRequest: limit,
    schema: {
      tags, summary: 'Aggregated order book, best levels first, and the AMM pool',
      params: S.pairParams, querystring: S.query({ depth: { type: 'integer', minimum: 1, maximum: 5000, default: 100 } }),
      response: { 200: S.orderbookResponse, ...errors },
    },
    handler: async (request) => {
      const m = marketOf(ctx, request.params.pair);
      const d = await durableRead(ctx, () => ctx.sequencer.engine.depth(m.spec.pair, request.query.depth)!);
      return {
        pair: d.pair,
        sequence: d.seq,
        bids: d.bids.map(([p, a]) => [m.price(p), m.amount(a)]),
        asks: d.asks.map(([p, a]) => [m.price(p), m.amount(a)]),
        amm: ammJson(m, d.pool),
      };
    },
  });

  app.get<{ Params: { pair: string } }>('/api/trading/v2/market/:pair', {
    onRequest: limit,
    schema: {
      tags, summary: 'Ticker: last price, best bid/ask, AMM price, 24h statistics from recent history',
      params: S.pairParams,
      response: {
        200: {
          type: 'object',
          properties: Object.fromEntries(
            ['pair', 'last', 'bestBid', 'bestAsk', 'ammPrice', 'volume24h', 'quoteVolume24h', 'high24h', 'low24h']
              .map((k) => [k, { type: ['string', 'null'] }]),
          ),
        },
        ...errors,
      },
    },
    handler: async (request) => {
      const m = marketOf(ctx, request.params.pair);
      const pair = m.spec.pair;
      const d = await durableRead(ctx, () => ctx.sequencer.engine.depth(pair, 1)!);
      const t = ctx.history.ticker(pair, ctx.now());
      const price = (ticks: number | null | undefined) => (ticks === null || ticks === undefined ? null : m.price(ticks));
      return {
        pair,
        last: price(t.last),
        bestBid: price(d.bids[0]?.[0]),
        bestAsk: price(d.asks[0]?.[0]),
        ammPrice: d.pool === null ? null : m.ratioPrice(d.pool.quoteReserve, d.pool.baseReserve),
        volume24h: m.amount(t.lots),
        quoteVolume24h: m.quote(t.quote),
        high24h: price(t.high),
        low24h: price(t.low),
      };
    },
  });

  app.get<{ Params: { pair: string }; Querystring: { limit: number } }>('/api/trading/v2/trades/:pair', {
    onRequest: limit,
    schema: {
      tags, summary: 'Recent trades, newest first (recent in-memory history)',
      params: S.pairParams, querystring: S.query({ limit: S.limitParam }),
      response: { 200: { type: 'object', properties: { trades: { type: 'array', items: S.trade } } }, ...errors },
    },
    handler: async (request) => {
      const m = marketOf(ctx, request.params.pair);
      const trades = await durableRead(ctx, () => null, () => ctx.history.trades(m.spec.pair, request.query.limit));
      return { trades: trades.map((t) => tradeJson(m, t)) };
    },
  });
}
