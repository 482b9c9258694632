/** Public market data: markets, order book, ticker, trades, candles. */
import type { FastifyInstance } from 'fastify';
import { CANDLE_INTERVALS, type CandleInterval } from '../../history/types.js';
import { ApiError } from '../api-error.js';
import { cursorOf, durableRead, durableReadAt, marketOf, type AppContext } from '../context.js';
import { historyRead } from '../history-read.js';
import { publicLimit } from '../http-guards.js';
import * as S from '../schemas.js';
import { ammJson } from '../views.js';

const errors = { '4xx': S.errorResponse, '5xx': S.errorResponse };
const tags = ['market data'];

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
      const d = await durableRead(ctx, async (state) => (await state.depth(m.spec.pair, request.query.depth))!);
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
      tags,
      summary: 'Ticker: best bid/ask and AMM price from the engine; last price and rolling 24 h statistics from the history',
      params: S.pairParams,
      response: { 200: S.tickerResponse, ...errors },
    },
    handler: async (request) => {
      const m = marketOf(ctx, request.params.pair);
      const pair = m.spec.pair;
      const { value: d, seq } = await durableReadAt(ctx, async (state) => (await state.depth(pair, 1))!);
      const stats = await historyRead(ctx, async (h) => h.formatter.ticker(await h.store.ticker(pair, ctx.now())), seq);
      const price = (ticks: number | undefined) => (ticks === undefined ? null : m.price(ticks));
      return {
        pair,
        last: stats.last,
        bestBid: price(d.bids[0]?.[0]),
        bestAsk: price(d.asks[0]?.[0]),
        ammPrice: d.pool === null ? null : m.ratioPrice(d.pool.quoteReserve, d.pool.baseReserve),
        volume24h: stats.volume24h,
        quoteVolume24h: stats.quoteVolume24h,
        high24h: stats.high24h,
        low24h: stats.low24h,
        trades24h: stats.trades24h,
      };
    },
  });

  app.get<{ Params: { pair: string }; Querystring: { limit: number; cursor?: string } }>('/api/trading/v2/trades/:pair', {
    onRequest: limit,
    schema: {
      tags, summary: 'The public trade tape (book and AMM), newest first, a page at a time',
      params: S.pairParams, querystring: S.query({ limit: S.limitParam, cursor: S.cursorParam }),
      response: { 200: S.tradesResponse, ...errors },
    },
    handler: async (request) => {
      const pair = marketOf(ctx, request.params.pair).spec.pair;
      const before = cursorOf(request.query.cursor);
      const n = request.query.limit;
      return historyRead(ctx, async (h) => {
        // one more than asked for tells whether there is a next page
        const rows = await h.store.trades({ pair, limit: n + 1, before });
        const page = rows.slice(0, n);
        return { trades: page.map((t) => h.formatter.trade(t)), nextCursor: rows.length > n ? String(page[n - 1].id) : null };
      });
    },
  });

  app.get<{ Params: { pair: string }; Querystring: { interval: CandleInterval; limit: number; startTime?: number; endTime?: number } }>(
    '/api/trading/v2/candles/:pair',
    {
      onRequest: limit,
      schema: {
        tags,
        summary: 'OHLCV candles (book and AMM trades), oldest first; intervals without trades have no candle',
        params: S.pairParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          required: ['interval'],
          properties: {
            interval: { enum: CANDLE_INTERVALS },
            limit: S.limitParam,
            startTime: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'ms; candles starting at or after it' },
            endTime: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'ms; candles starting before it' },
          },
        },
        response: { 200: S.candlesResponse, ...errors },
      },
      handler: async (request) => {
        const pair = marketOf(ctx, request.params.pair).spec.pair;
        const { interval, limit: n, startTime, endTime } = request.query;
        if (startTime !== undefined && endTime !== undefined && endTime <= startTime) {
          throw new ApiError('VALIDATION_ERROR', 'endTime must be after startTime');
        }
        return historyRead(ctx, async (h) => {
          const candles = await h.store.candles({ pair, interval, limit: n, start: startTime, end: endTime });
          return { pair, interval, candles: candles.map((c) => h.formatter.candle(c)) };
        });
      },
    },
  );
}
