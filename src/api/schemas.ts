/**
 * JSON schemas of requests and responses. Requests: additionalProperties false everywhere (an unknown
 * or misspelt field is an error, and `__proto__`/`constructor` keys can never get through). Responses:
 * fastify compiles them into fast serialisers (fast-json-stringify), the main saving on the hot path.
 * The OpenAPI document is generated from these same schemas.
 */
import { MAX_CLIENT_ORDER_ID_LENGTH } from '../engine/order-validation.js';
import { ERRORS } from '../errors.js';

const decimal = {
  description: 'decimal string (or JSON number) on the market grid, e.g. "1.0500"',
  type: ['string', 'number'],
  maxLength: 40,
} as const;
const nullableString = { type: ['string', 'null'] } as const;
const str = { type: 'string' } as const;

/** The caller's own order label: 1–64 characters, unique among their open orders, reusable once closed. */
export const clientOrderId = { type: 'string', minLength: 1, maxLength: MAX_CLIENT_ORDER_ID_LENGTH } as const;

export const orderRequest = {
  type: 'object',
  additionalProperties: false,
  required: ['pair', 'side', 'type'],
  properties: {
    pair: { type: 'string', maxLength: 64 },
    side: { enum: ['buy', 'sell'] },
    type: { enum: ['limit', 'market'] },
    amount: decimal,
    price: decimal,
    quoteAmount: decimal,
    timeInForce: { enum: ['GTC', 'IOC', 'FOK'] },
    postOnly: { type: 'boolean' },
    clientOrderId,
    maxSlippageBps: { type: 'integer', minimum: 0, maximum: 10000 },
    selfTradePrevention: { enum: ['cancel_maker', 'cancel_taker', 'cancel_both'] },
  },
} as const;

export const MAX_BATCH = 1000;

export const batchRequest = {
  type: 'object',
  additionalProperties: false,
  required: ['orders'],
  properties: { orders: { type: 'array', minItems: 1, maxItems: MAX_BATCH, items: orderRequest } },
} as const;

/** An order id in a body: a decimal string or an integer; one that cannot be an id names no order (NOT_FOUND). */
export const orderIdInput = { type: ['string', 'integer'], maxLength: 20, description: 'order id: a decimal string or an integer' } as const;

/**
 * One cancel: exactly one of the two ids. That rule is checked after the schema (cancel-request.ts), for a
 * clearer message than a oneOf failure, which lists both branches.
 */
export const cancelRequest = {
  type: 'object',
  additionalProperties: false,
  description: 'exactly one of orderId and clientOrderId',
  properties: {
    orderId: orderIdInput,
    clientOrderId: { ...clientOrderId, description: 'cancels your open order with this clientOrderId' },
  },
} as const;

export const batchCancelRequest = {
  type: 'object',
  additionalProperties: false,
  required: ['cancels'],
  properties: { cancels: { type: 'array', minItems: 1, maxItems: MAX_BATCH, items: cancelRequest } },
} as const;

export const fundingRequest = {
  type: 'object',
  additionalProperties: false,
  required: ['userId', 'asset', 'amount'],
  properties: {
    userId: { type: 'string', minLength: 1, maxLength: 128 },
    asset: { type: 'string', minLength: 1, maxLength: 20 },
    amount: decimal,
  },
} as const;

export const errorResponse = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: { code: { enum: Object.keys(ERRORS) }, message: str },
    },
  },
} as const;

// no `required` list: fast-json-stringify would move required fields first, out of the documented order
export const order = {
  type: 'object',
  properties: {
    id: { type: 'string', description: 'order id (a decimal integer as a string)' },
    clientOrderId: nullableString,
    userId: str,
    pair: str,
    side: { enum: ['buy', 'sell'] },
    type: { enum: ['limit', 'market'] },
    price: { ...nullableString, description: 'limit price; null for market orders' },
    amount: str,
    filled: str,
    remaining: str,
    quoteAmount: { ...nullableString, description: 'quote budget of a market buy sized by quoteAmount' },
    status: { enum: ['open', 'partially_filled', 'filled', 'cancelled'] },
    cancelReason: nullableString,
    timeInForce: { enum: ['GTC', 'IOC', 'FOK'] },
    postOnly: { type: 'boolean' },
    createdAt: { type: 'integer', description: 'ms since the Unix epoch' },
  },
} as const;

export const fill = {
  type: 'object',
  properties: {
    tradeId: str,
    price: str,
    amount: str,
    quoteAmount: str,
    venue: { enum: ['book', 'amm'] },
    fee: str,
    feeAsset: str,
    liquidity: { enum: ['maker', 'taker'] },
  },
} as const;

/** A cursor for the next page: the `nextCursor` of the previous answer (an id, as a string). */
export const cursorParam = {
  type: 'string',
  pattern: '^[1-9][0-9]{0,15}$',
  description: 'the nextCursor of the previous page; the page then holds only items with a smaller id',
} as const;
const nextCursor = { ...nullableString, description: 'pass as ?cursor= for the next page; null on the last page' } as const;

export const userFill = {
  type: 'object',
  properties: {
    id: { type: 'string', description: 'fill id (trade id × 2, + 1 for the maker side): the pagination key' },
    ...fill.properties,
    orderId: str,
    pair: str,
    side: { enum: ['buy', 'sell'] },
    time: { type: 'integer' },
  },
} as const;
export const fillsResponse = { type: 'object', properties: { fills: { type: 'array', items: userFill }, nextCursor } } as const;

const placeOrderProperties = {
  order,
  fills: { type: 'array', items: fill },
  averagePrice: nullableString,
  route: { type: 'object', properties: { book: str, amm: str } },
} as const;

export const placeOrderResponse = { type: 'object', properties: placeOrderProperties } as const;

/** One batch entry: the single-order body plus ok, or ok:false plus error (absent fields are skipped). */
export const batchResult = {
  type: 'object',
  required: ['ok'],
  properties: { ok: { type: 'boolean' }, ...placeOrderProperties, error: errorResponse.properties.error },
} as const;

export const batchResponse = { type: 'object', properties: { results: { type: 'array', items: batchResult } } } as const;

export const orderResponse = { type: 'object', properties: { order } } as const;

/** One batch-cancel entry: ok plus the cancelled order (as the single cancel answers it), or ok:false plus error. */
export const cancelResult = {
  type: 'object',
  required: ['ok'],
  properties: { ok: { type: 'boolean' }, order, error: errorResponse.properties.error },
} as const;

export const batchCancelResponse = { type: 'object', properties: { results: { type: 'array', items: cancelResult } } } as const;
export const ordersResponse = { type: 'object', properties: { orders: { type: 'array', items: order }, nextCursor } } as const;
export const cancelledResponse = { type: 'object', properties: { cancelled: { type: 'array', items: str } } } as const;

export const trade = {
  type: 'object',
  properties: {
    id: str,
    price: str,
    amount: str,
    quoteAmount: str,
    takerSide: { enum: ['buy', 'sell'] },
    venue: { enum: ['book', 'amm'] },
    time: { type: 'integer' },
  },
} as const;

export const tradesResponse = { type: 'object', properties: { trades: { type: 'array', items: trade }, nextCursor } } as const;

export const candle = {
  type: 'object',
  properties: {
    time: { type: 'integer', description: 'start of the interval, ms since the Unix epoch (UTC-aligned)' },
    open: str,
    high: str,
    low: str,
    close: str,
    volume: { type: 'string', description: 'base volume' },
    quoteVolume: { type: 'string', description: 'quote volume' },
    trades: { type: 'integer' },
  },
} as const;
export const candlesResponse = {
  type: 'object',
  properties: { pair: str, interval: str, candles: { type: 'array', items: candle } },
} as const;

export const tickerResponse = {
  type: 'object',
  properties: {
    pair: str,
    last: nullableString,
    bestBid: nullableString,
    bestAsk: nullableString,
    ammPrice: nullableString,
    volume24h: str,
    quoteVolume24h: str,
    high24h: nullableString,
    low24h: nullableString,
    trades24h: { type: 'integer' },
  },
} as const;

const balance = { type: 'object', properties: { available: str, locked: str } } as const;
export const balancesResponse = {
  type: 'object',
  properties: { balances: { type: 'object', additionalProperties: balance } },
} as const;
export const fundingResponse = { type: 'object', properties: { userId: str, asset: str, balance } } as const;

const level = { type: 'array', items: str, minItems: 2, maxItems: 2, description: '[price, amount]' } as const;
export const ammPool = {
  type: ['object', 'null'],
  properties: { baseReserve: str, quoteReserve: str, price: str },
} as const;

/** A decimal amount in a request body: a string or a JSON number (checked exactly after parsing). */
export const decimalInput = decimal;

export const orderbookResponse = {
  type: 'object',
  properties: {
    pair: str,
    sequence: { type: 'integer' },
    bids: { type: 'array', items: level },
    asks: { type: 'array', items: level },
    amm: ammPool,
  },
} as const;

export const pairParams = {
  type: 'object',
  additionalProperties: false,
  required: ['pair'],
  properties: { pair: { type: 'string', maxLength: 64 } },
} as const;

export const orderIdParams = {
  type: 'object',
  additionalProperties: false,
  required: ['id'],
  properties: { id: { type: 'string', pattern: '^[0-9]{1,20}$', description: 'order id' } },
} as const;

/** A clientOrderId in a path: percent-encoded as any path segment (`my%20id`, UTF-8), decoded before this check. */
export const clientOrderIdParams = {
  type: 'object',
  additionalProperties: false,
  required: ['clientOrderId'],
  properties: { clientOrderId: { ...clientOrderId, description: 'the clientOrderId the order was placed with (URL-encoded)' } },
} as const;

/** Query strings are coerced (depth=10 → 10); unknown parameters are refused like unknown fields. */
export function query(properties: Record<string, object>): object {
  return { type: 'object', additionalProperties: false, properties };
}

export const limitParam = { type: 'integer', minimum: 1, maximum: 1000, default: 100 } as const;
