/**
 * A client's order (already schema-checked JSON) → the engine's place-order command with integer
 * ticks, lots and atoms. Values off the market's grid are refused with INVALID_PRICE / INVALID_AMOUNT,
 * never rounded. Rules that need no conversion (limit needs a price, market takes no price, ...) are left
 * to the engine, so they are decided in one place.
 */
import type { OrderType, SelfTradePrevention, Side, TimeInForce } from '../engine/commands.js';
import type { CommandInput } from '../sequencer/sequencer.js';
import { ApiError } from './api-error.js';
import type { Markets } from './markets.js';

export interface OrderRequest {
  pair: string;
  side: Side;
  type: OrderType;
  amount?: string | number;
  price?: string | number;
  quoteAmount?: string | number;
  timeInForce?: TimeInForce;
  postOnly?: boolean;
  clientOrderId?: string;
  maxSlippageBps?: number;
  selfTradePrevention?: SelfTradePrevention;
}

type PlaceInput = Extract<CommandInput, { type: 'placeOrder' }>;

/** Mutable twin of the place-order input, so optional fields are only set when the client gave them. */
type Draft = { -readonly [K in keyof PlaceInput]: PlaceInput[K] };

export function toPlaceOrder(markets: Markets, userId: string, body: OrderRequest): PlaceInput | ApiError {
  const m = markets.get(body.pair);
  if (m === undefined) return new ApiError('UNKNOWN_PAIR', `unknown pair ${body.pair}`);
  const cmd: Draft = { type: 'placeOrder', userId, pair: body.pair, side: body.side, orderType: body.type };
  if (body.price !== undefined) {
    const ticks = m.parsePrice(body.price);
    if (ticks === null) {
      return new ApiError('INVALID_PRICE', `price must be a positive decimal on the tick grid ${m.spec.tickSize}`);
    }
    cmd.price = ticks;
  }
  if (body.amount !== undefined) {
    const lots = m.parseAmount(body.amount);
    if (lots === null) {
      return new ApiError('INVALID_AMOUNT', `amount must be a positive decimal on the lot grid ${m.spec.lotSize}`);
    }
    cmd.amount = lots;
  }
  if (body.quoteAmount !== undefined) {
    const atoms = m.parseQuote(body.quoteAmount);
    if (atoms === null) {
      return new ApiError('INVALID_AMOUNT', `quoteAmount must be a positive decimal with at most ${m.quoteDecimals} decimals`);
    }
    cmd.quoteAmount = atoms;
  }
  if (body.timeInForce !== undefined) cmd.timeInForce = body.timeInForce;
  if (body.postOnly !== undefined) cmd.postOnly = body.postOnly;
  if (body.clientOrderId !== undefined) cmd.clientOrderId = body.clientOrderId;
  if (body.maxSlippageBps !== undefined) cmd.maxSlippageBps = body.maxSlippageBps;
  if (body.selfTradePrevention !== undefined) cmd.selfTradePrevention = body.selfTradePrevention;
  return cmd;
}

/** Order ids travel as decimal strings; anything else names no order. */
export function parseOrderId(text: string): number | null {
  if (!/^[1-9][0-9]{0,15}$/.test(text)) return null;
  const id = Number(text);
  return Number.isSafeInteger(id) ? id : null;
}
