import { reject, type Rejection } from '../errors.js';
import { BUY, SELL, type SideCode } from './book/order.js';
import type { OrderType, PlaceOrderCommand, SelfTradePrevention, TimeInForce } from './commands.js';
import { isIdText } from './command-fields.js';
import { MAX_ATOMS, type MarketSpec } from './market.js';

export const MAX_CLIENT_ORDER_ID_LENGTH = 64;

/**
 * A place-order command after every rule that needs no state has been checked. The engine keeps one
 * instance and refills it for each command (no allocation on the hot path); never keep a reference.
 */
export class ValidOrder {
  side: SideCode = BUY;
  isMarket = false;
  type: OrderType = 'limit';
  timeInForce: TimeInForce = 'GTC';
  /** ticks, 0 for market orders */
  price = 0;
  /** lots wanted; MAX_ATOMS for a quote-sized market buy (its budget decides) */
  amount = 0;
  quoteAmount: number | null = null;
  postOnly = false;
  clientOrderId: string | null = null;
  maxSlippageBps: number | null = null;
  selfTradePrevention: SelfTradePrevention = 'cancel_maker';
  /** quote atoms (buy) or base atoms (sell) a limit order locks; 0 for market orders */
  lock = 0;
}

const isPositiveInt = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) > 0;
const TIFS: readonly string[] = ['GTC', 'IOC', 'FOK'];
const STPS: readonly string[] = ['cancel_maker', 'cancel_taker', 'cancel_both'];

/** Checks `cmd` and fills `into`; returns a rejection, or null when the order is valid. */
export function validateOrder(cmd: PlaceOrderCommand, spec: MarketSpec, into: ValidOrder): Rejection | null {
  if (cmd.side !== 'buy' && cmd.side !== 'sell') return reject('VALIDATION_ERROR', 'side must be buy or sell');
  const side: SideCode = cmd.side === 'buy' ? BUY : SELL;
  if (cmd.orderType !== 'limit' && cmd.orderType !== 'market') {
    return reject('VALIDATION_ERROR', 'type must be limit or market');
  }
  const isMarket = cmd.orderType === 'market';
  const timeInForce = cmd.timeInForce ?? (isMarket ? 'IOC' : 'GTC');
  if (!TIFS.includes(timeInForce)) return reject('VALIDATION_ERROR', 'timeInForce must be GTC, IOC or FOK');
  if (isMarket && timeInForce === 'GTC') return reject('VALIDATION_ERROR', 'market orders are IOC or FOK');
  const postOnly = cmd.postOnly ?? false;
  if (typeof postOnly !== 'boolean') return reject('VALIDATION_ERROR', 'postOnly must be a boolean');
  if (postOnly && (isMarket || timeInForce !== 'GTC')) {
    return reject('VALIDATION_ERROR', 'postOnly is only for GTC limit orders');
  }
  const stp = cmd.selfTradePrevention ?? 'cancel_maker';
  if (!STPS.includes(stp)) {
    return reject('VALIDATION_ERROR', 'selfTradePrevention must be cancel_maker, cancel_taker or cancel_both');
  }
  const slippage = cmd.maxSlippageBps ?? null;
  if (slippage !== null && (!Number.isInteger(slippage) || slippage < 0 || slippage > 10_000)) {
    return reject('VALIDATION_ERROR', 'maxSlippageBps must be an integer from 0 to 10000');
  }
  const cid = cmd.clientOrderId ?? null;
  if (cid !== null && (!isIdText(cid) || cid.length > MAX_CLIENT_ORDER_ID_LENGTH)) {
    return reject('VALIDATION_ERROR', `clientOrderId must be a string of 1 to ${MAX_CLIENT_ORDER_ID_LENGTH} characters`);
  }
  into.side = side;
  into.isMarket = isMarket;
  into.type = isMarket ? 'market' : 'limit';
  into.timeInForce = timeInForce as TimeInForce;
  into.postOnly = postOnly;
  into.clientOrderId = cid;
  into.maxSlippageBps = slippage;
  into.selfTradePrevention = stp as SelfTradePrevention;

  if (!isMarket) {
    if (cmd.quoteAmount !== undefined) return reject('VALIDATION_ERROR', 'quoteAmount is only for market buys');
    if (!isPositiveInt(cmd.price)) return reject('INVALID_PRICE', 'limit orders need a positive price on the tick grid');
    if (!isPositiveInt(cmd.amount)) return reject('INVALID_AMOUNT', 'amount must be positive and on the lot grid');
    const notional = cmd.price * cmd.amount * spec.quoteAtomsPerTickLot;
    if (notional > MAX_ATOMS || cmd.amount * spec.baseAtomsPerLot > MAX_ATOMS) {
      return reject('INVALID_AMOUNT', 'order value is too large');
    }
    if (notional < spec.minNotionalAtoms) {
      return reject('INVALID_AMOUNT', `order value is below the market's minNotional ${spec.minNotional}`);
    }
    into.price = cmd.price;
    into.amount = cmd.amount;
    into.quoteAmount = null;
    into.lock = side === BUY ? notional : cmd.amount * spec.baseAtomsPerLot;
    return null;
  }

  if (cmd.price !== undefined) return reject('VALIDATION_ERROR', 'market orders take no price');
  if ((cmd.amount === undefined) === (cmd.quoteAmount === undefined)) {
    return reject('VALIDATION_ERROR', 'market orders give exactly one of amount or quoteAmount');
  }
  if (cmd.quoteAmount !== undefined) {
    if (side !== BUY) return reject('VALIDATION_ERROR', 'quoteAmount is only for market buys');
    if (timeInForce === 'FOK') return reject('VALIDATION_ERROR', 'FOK market orders are sized by amount');
    if (!isPositiveInt(cmd.quoteAmount)) return reject('INVALID_AMOUNT', 'quoteAmount must be positive');
    return fillMarket(into, MAX_ATOMS, cmd.quoteAmount);
  }
  if (!isPositiveInt(cmd.amount) || cmd.amount * spec.baseAtomsPerLot > MAX_ATOMS) {
    return reject('INVALID_AMOUNT', 'amount must be positive and on the lot grid');
  }
  return fillMarket(into, cmd.amount, null);
}

function fillMarket(into: ValidOrder, amount: number, quoteAmount: number | null): null {
  into.price = 0;
  into.amount = amount;
  into.quoteAmount = quoteAmount;
  into.lock = 0;
  return null;
}
