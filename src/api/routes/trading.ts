/** Trading endpoints (scope `trade`): orders, batch, cancels, the caller's orders, fills and balances. */
import type { FastifyInstance } from 'fastify';
import type { OrderView } from '../../engine/events.js';
import { ApiError } from '../api-error.js';
import { durableRead, marketOf, type AppContext } from '../context.js';
import { guard, principalOf } from '../http-guards.js';
import { parseOrderId, type OrderRequest } from '../order-request.js';
import * as S from '../schemas.js';
import { orderText } from '../json-text.js';
import { balancesJson } from '../views.js';

const errors = { '4xx': S.errorResponse, '5xx': S.errorResponse };
/** order bodies are written as JSON text (json-text.ts); the response schemas document them */
const JSON_TYPE = 'application/json; charset=utf-8';
const tags = ['trading'];
const security = [{ bearer: [] }];
const ORDER_STATUSES = ['open', 'partially_filled', 'filled', 'cancelled', 'all'] as const;
type StatusFilter = (typeof ORDER_STATUSES)[number];

function matchesStatus(filter: StatusFilter, o: OrderView): boolean {
  if (filter === 'all') return true;
  // "open" means resting, as on Binance: partially filled orders are open too
  if (filter === 'open') return o.status === 'open' || o.status === 'partially_filled';
  return o.status === filter;
}

const isClosed = (o: OrderView): boolean => o.status === 'filled' || o.status === 'cancelled';

export function tradingRoutes(app: FastifyInstance, ctx: AppContext): void {
  const trade = guard(ctx, 'trade');

  app.post<{ Body: OrderRequest }>('/api/trading/v2/orders', {
    onRequest: trade,
    schema: { tags, security, summary: 'Place an order', body: S.orderRequest, response: { 201: S.placeOrderResponse, ...errors } },
    handler: async (request, reply) => {
      const members = await ctx.entry.place(principalOf(request).userId, request.body);
      reply.code(201).type(JSON_TYPE);
      return '{' + members + '}';
    },
  });

  app.post<{ Body: { orders: OrderRequest[] } }>('/api/trading/v2/batch', {
    onRequest: trade,
    schema: {
      tags, security, summary: `Place up to ${S.MAX_BATCH} orders in order, one group commit`,
      body: S.batchRequest, response: { 200: S.batchResponse, ...errors },
    },
    handler: async (request, reply) => {
      const results = await ctx.entry.batch(principalOf(request).userId, request.body.orders);
      reply.type(JSON_TYPE);
      return '{"results":[' + results.join(',') + ']}';
    },
  });

  app.delete<{ Params: { id: string } }>('/api/trading/v2/orders/:id', {
    onRequest: trade,
    schema: { tags, security, summary: 'Cancel one of your open orders', params: S.orderIdParams, response: { 200: S.orderResponse, ...errors } },
    handler: async (request, reply) => {
      const id = parseOrderId(request.params.id);
      if (id === null) throw new ApiError('NOT_FOUND', 'no such open order');
      const members = await ctx.entry.cancel(principalOf(request).userId, id);
      reply.type(JSON_TYPE);
      return '{' + members + '}';
    },
  });

  app.delete<{ Querystring: { pair?: string } }>('/api/trading/v2/orders', {
    onRequest: trade,
    schema: {
      tags, security, summary: 'Cancel all your open orders (in one market with ?pair=)',
      querystring: S.query({ pair: { type: 'string', maxLength: 64 } }), response: { 200: S.cancelledResponse, ...errors },
    },
    handler: async (request) => ctx.entry.cancelAll(principalOf(request).userId, request.query.pair ?? null),
  });

  app.get<{ Params: { id: string } }>('/api/trading/v2/orders/:id', {
    onRequest: trade,
    schema: { tags, security, summary: 'One of your orders, open or recent', params: S.orderIdParams, response: { 200: S.orderResponse, ...errors } },
    handler: async (request, reply) => {
      const userId = principalOf(request).userId;
      const id = parseOrderId(request.params.id);
      if (id === null) throw new ApiError('NOT_FOUND', 'no such order');
      const view = await durableRead(
        ctx,
        () => ctx.sequencer.engine.openOrder(id),
        (open) => {
          const recent = ctx.history.order(userId, id);
          // the history may already hold a newer, final state of an order the engine showed open
          if (recent !== null && (open === null || isClosed(recent))) return recent;
          return open !== null && open.userId === userId ? open : null;
        },
      );
      if (view === null) throw new ApiError('NOT_FOUND', 'no such order');
      reply.type(JSON_TYPE);
      return '{"order":' + orderText(ctx.markets.get(view.pair)!, view) + '}';
    },
  });

  app.get<{ Querystring: { pair?: string; status: StatusFilter; limit: number } }>('/api/trading/v2/orders', {
    onRequest: trade,
    schema: {
      tags, security, summary: 'Your orders, newest first: open ones from the engine, closed ones from recent history',
      querystring: S.query({
        pair: { type: 'string', maxLength: 64 },
        status: { enum: ORDER_STATUSES, default: 'all' },
        limit: { type: 'integer', minimum: 1, maximum: 5000, default: 500 },
      }),
      response: { 200: S.ordersResponse, ...errors },
    },
    handler: async (request, reply) => {
      const userId = principalOf(request).userId;
      const { status, limit } = request.query;
      const pair = request.query.pair ?? null;
      if (pair !== null) marketOf(ctx, pair);
      const orders = await durableRead(
        ctx,
        () => (status === 'filled' || status === 'cancelled' ? [] : ctx.sequencer.engine.openOrders(userId, pair)),
        (open) => {
          const byId = new Map<number, OrderView>();
          for (const o of open) byId.set(o.id, o);
          const keep = (o: OrderView) => (pair === null || o.pair === pair) && (isClosed(o) || !byId.has(o.id));
          for (const o of ctx.history.orders(userId, keep, limit)) if (!byId.has(o.id) || isClosed(o)) byId.set(o.id, o);
          return [...byId.values()].filter((o) => matchesStatus(status, o)).sort((a, b) => b.id - a.id).slice(0, limit);
        },
      );
      reply.type(JSON_TYPE);
      return '{"orders":[' + orders.map((o) => orderText(ctx.markets.get(o.pair)!, o)).join(',') + ']}';
    },
  });

  app.get<{ Querystring: { pair?: string; limit: number } }>('/api/trading/v2/fills', {
    onRequest: trade,
    schema: {
      tags, security, summary: 'Your recent fills, newest first',
      querystring: S.query({ pair: { type: 'string', maxLength: 64 }, limit: S.limitParam }),
      response: { 200: { type: 'object', properties: { fills: { type: 'array', items: S.userFill } } }, ...errors },
    },
    handler: async (request) => {
      const userId = principalOf(request).userId;
      const pair = request.query.pair ?? null;
      if (pair !== null) marketOf(ctx, pair);
      const fills = await durableRead(ctx, () => null, () => ctx.history.fills(userId, pair, request.query.limit));
      return {
        fills: fills.map((f) => {
          const m = ctx.markets.get(f.pair)!;
          return {
            tradeId: String(f.tradeId), orderId: String(f.orderId), pair: f.pair, side: f.side,
            price: m.price(f.price), amount: m.amount(f.amount), quoteAmount: m.quote(f.quote), venue: f.venue,
            fee: ctx.markets.formatAsset(f.feeAsset, f.fee), feeAsset: f.feeAsset, liquidity: f.liquidity, time: f.time,
          };
        }),
      };
    },
  });

  app.get('/api/trading/v2/balances', {
    onRequest: trade,
    schema: { tags, security, summary: 'Your balances by asset', response: { 200: S.balancesResponse, ...errors } },
    handler: async (request) => {
      const userId = principalOf(request).userId;
      const balances = await durableRead(ctx, () => ctx.sequencer.engine.balances(userId));
      return { balances: balancesJson(ctx.markets, balances) };
    },
  });
}
