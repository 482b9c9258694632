/** Trading endpoints (scope `trade`): orders, batches of orders and of cancels, cancels, the caller's orders, fills and balances. */
import type { FastifyInstance } from 'fastify';
import type { OrderView } from '../../engine/events.js';
import { ApiError } from '../api-error.js';
import type { CancelRequest } from '../cancel-request.js';
import { cursorOf, durableRead, durableReadAt, marketOf, type AppContext } from '../context.js';
import { historyRead } from '../history-read.js';
import { guard, principalOf } from '../http-guards.js';
import { parseOrderId, type OrderRequest } from '../order-request.js';
import * as S from '../schemas.js';
import { orderText, writeBatchResults, writeCancelResults, writePlaceOrderMembers } from '../json-text.js';
import { JsonWriter } from '../json-writer.js';
import { balancesJson } from '../views.js';

const errors = { '4xx': S.errorResponse, '5xx': S.errorResponse };
/** order bodies are written as JSON text (json-text.ts); the response schemas document them */
const JSON_TYPE = 'application/json; charset=utf-8';
const tags = ['trading'];
const security = [{ bearer: [] }];
/** "open" means resting, as on Binance (partially filled orders are open too); "closed" = filled or cancelled */
const ORDER_STATUSES = ['all', 'open', 'closed', 'partially_filled', 'filled', 'cancelled'] as const;
type StatusFilter = (typeof ORDER_STATUSES)[number];
type OrdersListQuery = { pair?: string; status: StatusFilter; clientOrderId?: string; limit: number; cursor?: string };

export function tradingRoutes(app: FastifyInstance, ctx: AppContext): void {
  const trade = guard(ctx, 'trade');
  const orderBody = (o: OrderView): string => '{"order":' + orderText(ctx.markets.get(o.pair)!, o) + '}';

  app.post<{ Body: OrderRequest }>('/api/trading/v2/orders', {
    onRequest: trade,
    schema: { tags, security, summary: 'Place an order', body: S.orderRequest, response: { 201: S.placeOrderResponse, ...errors } },
    handler: async (request, reply) => {
      const result = await ctx.entry.place(principalOf(request).userId, request.body);
      const w = new JsonWriter(512).raw('{');
      writePlaceOrderMembers(w, ctx.markets, result).raw('}');
      reply.code(201).type(JSON_TYPE);
      return w.bytes();
    },
  });

  app.post<{ Body: { orders: OrderRequest[] } }>('/api/trading/v2/batch', {
    onRequest: trade,
    schema: {
      tags, security, summary: `Place up to ${S.MAX_BATCH} orders in order, one group commit`,
      body: S.batchRequest, response: { 200: S.batchResponse, ...errors },
    },
    handler: async (request, reply) => {
      const outcomes = await ctx.entry.batch(principalOf(request).userId, request.body.orders);
      const w = new JsonWriter(512 * outcomes.length + 64).raw('{"results":');
      writeBatchResults(w, ctx.markets, outcomes).raw('}');
      reply.type(JSON_TYPE);
      return w.bytes();
    },
  });

  app.post<{ Body: { cancels: CancelRequest[] } }>('/api/trading/v2/batch/cancel', {
    onRequest: trade,
    schema: {
      tags, security, summary: `Cancel up to ${S.MAX_BATCH} of your open orders (each by orderId or clientOrderId) in order, one group commit`,
      body: S.batchCancelRequest, response: { 200: S.batchCancelResponse, ...errors },
    },
    handler: async (request, reply) => {
      const outcomes = await ctx.entry.cancelBatch(principalOf(request).userId, request.body.cancels);
      const w = new JsonWriter(400 * outcomes.length + 64).raw('{"results":');
      writeCancelResults(w, ctx.markets, outcomes).raw('}');
      reply.type(JSON_TYPE);
      return w.bytes();
    },
  });

  app.delete<{ Params: { id: string } }>('/api/trading/v2/orders/:id', {
    onRequest: trade,
    schema: { tags, security, summary: 'Cancel one of your open orders', params: S.orderIdParams, response: { 200: S.orderResponse, ...errors } },
    handler: async (request, reply) => {
      const id = parseOrderId(request.params.id);
      if (id === null) throw new ApiError('NOT_FOUND', 'no such open order');
      const order = await ctx.entry.cancel(principalOf(request).userId, id);
      reply.type(JSON_TYPE);
      return orderBody(order);
    },
  });

  // a static segment wins over a parameter in the router: /orders/client/x never reaches /orders/:id
  app.delete<{ Params: { clientOrderId: string } }>('/api/trading/v2/orders/client/:clientOrderId', {
    onRequest: trade,
    schema: {
      tags, security, summary: 'Cancel your open order with this clientOrderId (when the answer to its placement was lost)',
      params: S.clientOrderIdParams, response: { 200: S.orderResponse, ...errors },
    },
    handler: async (request, reply) => {
      const order = await ctx.entry.cancelByClientOrderId(principalOf(request).userId, request.params.clientOrderId);
      reply.type(JSON_TYPE);
      return orderBody(order);
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
    schema: {
      tags, security, summary: 'One of your orders: open ones from the engine, closed ones from the history',
      params: S.orderIdParams, response: { 200: S.orderResponse, ...errors },
    },
    handler: async (request, reply) => {
      const userId = principalOf(request).userId;
      const id = parseOrderId(request.params.id);
      if (id === null) throw new ApiError('NOT_FOUND', 'no such order');
      const { value: open, seq } = await durableReadAt(ctx, (state) => state.openOrder(id));
      let view: OrderView | null = open;
      if (open === null) {
        // no longer (or never) resting: the history has it once it holds everything up to `seq`
        view = await historyRead(ctx, (h) => h.store.order(userId, id), seq);
      } else if (open.userId !== userId) {
        view = null;
      }
      if (view === null) throw new ApiError('NOT_FOUND', 'no such order');
      reply.type(JSON_TYPE);
      return orderBody(view);
    },
  });

  app.get<{ Params: { clientOrderId: string } }>('/api/trading/v2/orders/client/:clientOrderId', {
    onRequest: trade,
    schema: {
      tags, security,
      summary: 'Your order with this clientOrderId: the open one from the engine, else the newest closed one from the history',
      params: S.clientOrderIdParams, response: { 200: S.orderResponse, ...errors },
    },
    handler: async (request, reply) => {
      const userId = principalOf(request).userId;
      const cid = request.params.clientOrderId;
      // at most one open order of a user carries a given clientOrderId
      const { value: open, seq } = await durableReadAt(ctx, async (state) =>
        (await state.openOrders(userId, null)).find((o) => o.clientOrderId === cid) ?? null,
      );
      let view: OrderView | null = open;
      if (view === null) {
        // closed ones may be many (the id is free again once its order closes): the newest is the answer
        const page = await historyRead(ctx, (h) => h.store.orders({ userId, clientOrderId: cid, status: 'closed', limit: 1 }), seq);
        view = page.items[0] ?? null;
      }
      if (view === null) throw new ApiError('NOT_FOUND', 'no order with this clientOrderId');
      reply.type(JSON_TYPE);
      return orderBody(view);
    },
  });

  app.get<{ Querystring: OrdersListQuery }>('/api/trading/v2/orders', {
    onRequest: trade,
    schema: {
      tags, security,
      summary: 'Your orders, newest first (by id), a page at a time: open ones from the engine, closed ones from the history',
      querystring: S.query({
        pair: { type: 'string', maxLength: 64 },
        status: { enum: ORDER_STATUSES, default: 'all' },
        clientOrderId: { ...S.clientOrderId, description: 'only orders placed with this clientOrderId' },
        limit: { type: 'integer', minimum: 1, maximum: 5000, default: 500 },
        cursor: S.cursorParam,
      }),
      response: { 200: S.ordersResponse, ...errors },
    },
    handler: async (request, reply) => {
      const userId = principalOf(request).userId;
      const { status, limit } = request.query;
      const before = cursorOf(request.query.cursor);
      const pair = request.query.pair ?? null;
      const cid = request.query.clientOrderId;
      if (pair !== null) marketOf(ctx, pair);
      const wantsOpen = status === 'all' || status === 'open' || status === 'partially_filled';
      const wantsClosed = status === 'all' || status === 'closed' || status === 'filled' || status === 'cancelled';
      const { value: resting, seq } = await durableReadAt(ctx, (state) => (wantsOpen ? state.openOrders(userId, pair ?? null) : []));
      const open = resting.filter(
        (o) =>
          (before === undefined || o.id < before) &&
          (status !== 'partially_filled' || o.status === 'partially_filled') &&
          (cid === undefined || o.clientOrderId === cid),
      );
      let closed: OrderView[] = [];
      let moreClosed = false;
      if (wantsClosed) {
        const page = await historyRead(
          ctx,
          (h) =>
            h.store.orders({ userId, pair: pair ?? undefined, clientOrderId: cid, status: status === 'all' ? 'closed' : status, limit, before }),
          seq,
        );
        closed = page.items;
        moreClosed = page.nextCursor !== null;
      }
      // an order the engine showed resting may have closed since: its final state wins
      const closedIds = new Set(closed.map((o) => o.id));
      const merged = [...closed, ...open.filter((o) => !closedIds.has(o.id))].sort((a, b) => b.id - a.id);
      const orders = merged.slice(0, limit);
      const more = (merged.length > limit || moreClosed) && orders.length > 0;
      reply.type(JSON_TYPE);
      return (
        '{"orders":[' + orders.map((o) => orderText(ctx.markets.get(o.pair)!, o)).join(',') +
        '],"nextCursor":' + (more ? '"' + orders[orders.length - 1].id + '"' : 'null') + '}'
      );
    },
  });

  app.get<{ Querystring: { pair?: string; limit: number; cursor?: string } }>('/api/trading/v2/fills', {
    onRequest: trade,
    schema: {
      tags, security, summary: 'Your fills (as taker and as maker), newest first, a page at a time',
      querystring: S.query({ pair: { type: 'string', maxLength: 64 }, limit: S.limitParam, cursor: S.cursorParam }),
      response: { 200: S.fillsResponse, ...errors },
    },
    handler: async (request) => {
      const userId = principalOf(request).userId;
      const before = cursorOf(request.query.cursor);
      const pair = request.query.pair ?? null;
      if (pair !== null) marketOf(ctx, pair);
      return historyRead(ctx, async (h) =>
        h.formatter.fills(await h.store.fills({ userId, pair: pair ?? undefined, limit: request.query.limit, before })),
      );
    },
  });

  app.get('/api/trading/v2/balances', {
    onRequest: trade,
    schema: { tags, security, summary: 'Your balances by asset', response: { 200: S.balancesResponse, ...errors } },
    handler: async (request) => {
      const userId = principalOf(request).userId;
      const balances = await durableRead(ctx, (state) => state.balances(userId));
      return { balances: balancesJson(ctx.markets, balances) };
    },
  });
}
