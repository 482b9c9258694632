/** Admin endpoints (scope `admin`): deposits, withdrawals, any user's balances. */
import type { FastifyInstance } from 'fastify';
import { durableRead, type AppContext } from '../context.js';
import { guard } from '../http-guards.js';
import * as S from '../schemas.js';
import { ammJson, balancesJson } from '../views.js';

const errors = { '4xx': S.errorResponse, '5xx': S.errorResponse };
const tags = ['admin'];
const security = [{ bearer: [] }];

interface LiquidityBody {
  action: 'add' | 'remove';
  baseAmount: string | number;
  quoteAmount: string | number;
}

interface FundingBody {
  userId: string;
  asset: string;
  amount: string | number;
}

export function adminRoutes(app: FastifyInstance, ctx: AppContext): void {
  const admin = guard(ctx, 'admin');

  for (const [url, kind, summary] of [
    ['/api/admin/deposits', 'deposit', 'Credit a user'],
    ['/api/admin/withdrawals', 'withdraw', 'Debit a user’s available balance (422 if short)'],
  ] as const) {
    app.post<{ Body: FundingBody }>(url, {
      onRequest: admin,
      schema: { tags, security, summary, body: S.fundingRequest, response: { 200: S.fundingResponse, ...errors } },
      handler: async (request) => {
        const { userId, asset, amount } = request.body;
        return ctx.entry.fund(kind, userId, asset, amount);
      },
    });
  }

  app.post<{ Params: { pair: string }; Body: LiquidityBody }>('/api/admin/pools/:pair/liquidity', {
    onRequest: admin,
    schema: {
      tags, security, summary: 'Add to or take from a market’s AMM pool (its liquidity belongs to the venue)',
      params: S.pairParams,
      body: {
        type: 'object',
        additionalProperties: false,
        required: ['action', 'baseAmount', 'quoteAmount'],
        properties: { action: { enum: ['add', 'remove'] }, baseAmount: S.decimalInput, quoteAmount: S.decimalInput },
      },
      response: { 200: { type: 'object', properties: { pair: { type: 'string' }, amm: S.ammPool } }, ...errors },
    },
    handler: async (request) => {
      const { pair } = request.params;
      const { action, baseAmount, quoteAmount } = request.body;
      const pool = await ctx.entry.changeLiquidity(action, pair, baseAmount, quoteAmount);
      return { pair, amm: ammJson(ctx.markets.get(pair)!, pool) };
    },
  });

  app.get<{ Params: { userId: string } }>('/api/admin/balances/:userId', {
    onRequest: admin,
    schema: {
      tags, security, summary: 'A user’s balances by asset',
      params: { type: 'object', additionalProperties: false, required: ['userId'], properties: { userId: { type: 'string', minLength: 1, maxLength: 128 } } },
      response: { 200: S.balancesResponse, ...errors },
    },
    handler: async (request) => {
      const balances = await durableRead(ctx, (state) => state.balances(request.params.userId));
      return { balances: balancesJson(ctx.markets, balances) };
    },
  });
}
