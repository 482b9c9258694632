/**
 * The client half of each command: the checks that need no state (the engine's own
 * order-validation.ts and the same checks and messages as funding.ts / cancel-order.ts), then the
 * keys and arguments of the one script that does the rest atomically, and how to read its reply. A
 * command rejected here never reaches Redis, exactly as the engine rejects it before touching its state.
 */
import { reject, type Rejection } from '../errors.js';
import type { Command, PlaceOrderCommand } from '../engine/commands.js';
import type { EngineEvent } from '../engine/events.js';
import type { MarketCatalogue, MarketSpec } from '../engine/market.js';
import { MAX_ATOMS } from '../engine/market.js';
import { invalidClientOrderId, invalidTime, isIdText, shown } from '../engine/command-fields.js';
import { MAX_CLIENT_ORDER_ID_LENGTH, validateOrder, ValidOrder } from '../engine/order-validation.js';
import { orderKey, type AccountKeys, type MarketKeys } from './keys.js';
import { decodeCancels, decodePlace, decodeTail, scriptRejection, type ExecuteResult } from './reply.js';
import { marketDescriptor, orderDescriptor, parseTime, Reader, type OrderFields } from './wire.js';

export interface MarketLayout {
  readonly spec: MarketSpec;
  readonly keys: MarketKeys;
  readonly index: number;
  /** what the scripts need of the market (wire.ts marketDescriptor) */
  readonly descriptor: string;
  /** the keys of a script on this market: the state hash, the market hash */
  readonly scriptKeys: readonly string[];
}

export interface Layout {
  readonly catalogue: MarketCatalogue;
  readonly account: AccountKeys;
  readonly markets: ReadonlyMap<string, MarketLayout>;
  readonly marketList: readonly MarketLayout[];
  /** the state key, then every market's hash (the keys of the scripts that may touch any market) */
  readonly allKeys: readonly string[];
  readonly streamMaxLen: string;
}

export function buildLayout(catalogue: MarketCatalogue, account: AccountKeys, keysOf: (pair: string) => MarketKeys, streamMaxLen: number): Layout {
  const marketList = catalogue.markets.map((spec, index) => {
    const keys = keysOf(spec.pair);
    return { spec, keys, index, descriptor: marketDescriptor(spec, index), scriptKeys: [account.state, keys.market] };
  });
  return {
    catalogue,
    account,
    markets: new Map(marketList.map((m) => [m.spec.pair, m])),
    marketList,
    allKeys: [account.state, ...marketList.map((m) => m.keys.market)],
    streamMaxLen: String(streamMaxLen),
  };
}

export type ScriptName = 'place_order' | 'cancel_order' | 'cancel_all' | 'deposit' | 'withdraw' | 'change_liquidity';

/** A rejection or an answer that needs no state, or the one script to run and how to read its reply. */
export type Plan =
  | { readonly kind: 'reject'; readonly rejection: Rejection }
  | { readonly kind: 'done'; readonly result: { ok: true; cancelled: number[] } }
  | {
      readonly kind: 'script';
      readonly script: ScriptName;
      readonly keys: readonly string[];
      readonly args: Array<string | number>;
      readonly decoder: ReplyDecoder;
    };

/** Reads a script's reply into the engine's result and events. */
export interface ReplyDecoder {
  decode(reply: Buffer): ExecuteResult;
}

/** A placeOrder's reply (a class, not a closure: one per order on the hot path). */
class PlaceDecoder implements ReplyDecoder {
  constructor(
    private readonly cat: MarketCatalogue,
    private readonly spec: MarketSpec,
    private readonly taker: OrderFields,
  ) {}

  decode(reply: Buffer): ExecuteResult {
    return rejection(reply) ?? decodePlace(this.cat, this.spec, this.taker, new Reader(reply));
  }
}

const scratch = new ValidOrder();
const NO_EVENTS: EngineEvent[] = [];

/** The command's time (whole milliseconds, checked first) as the text the scripts store (createdAt). */
export function timeText(time: number): string {
  return String(time);
}

/** A script's rejection, or null. `message` gives the engine's message where it is not the default. */
function rejection(reply: Buffer, message: (code: string) => string | undefined = () => undefined): ExecuteResult | null {
  const rejected = scriptRejection(reply, message);
  return rejected === null ? null : { result: rejected, events: NO_EVENTS };
}

/** The reply of cancel_order: the one order cancelled, or NOT_FOUND with the command's own message. */
function cancelOneDecoder(cat: MarketCatalogue, notFound: string): ReplyDecoder {
  return {
    decode(reply: Buffer): ExecuteResult {
      const rejected = rejection(reply, () => notFound);
      if (rejected !== null) return rejected;
      const events: EngineEvent[] = [];
      const [order] = decodeCancels(cat, new Reader(reply), events);
      return { result: { ok: true, order }, events };
    },
  };
}

export function planCommand(layout: Layout, cmd: Command): Plan {
  const badTime = invalidTime(cmd.time);
  if (badTime !== null) return { kind: 'reject', rejection: badTime };
  const cat = layout.catalogue;
  const maxLen = layout.streamMaxLen;
  switch (cmd.type) {
    case 'placeOrder':
      return planPlaceOrder(layout, cmd);
    case 'cancelOrder': {
      if (!isIdText(cmd.userId) || !Number.isSafeInteger(cmd.orderId) || cmd.orderId <= 0) {
        return { kind: 'reject', rejection: reject('NOT_FOUND', 'no such open order') };
      }
      const decoder = cancelOneDecoder(cat, 'no such open order');
      return { kind: 'script', script: 'cancel_order', keys: layout.allKeys, args: [maxLen, orderKey(cmd.orderId), cmd.userId, timeText(cmd.time)], decoder };
    }
    case 'cancelByClientOrderId': {
      const notFound = 'no open order with this clientOrderId';
      // a user id placeOrder refuses has no open order; sent on, a lone surrogate would reach Redis as U+FFFD, another user's id
      const cid = cmd.clientOrderId;
      const malformed = invalidClientOrderId(cid);
      if (malformed !== null) return { kind: 'reject', rejection: malformed };
      if (!isIdText(cmd.userId) || cid.length > MAX_CLIENT_ORDER_ID_LENGTH) {
        return { kind: 'reject', rejection: reject('NOT_FOUND', notFound) };
      }
      // the order key is left empty: the script finds it from (userId, clientOrderId)
      const args = [maxLen, '', cmd.userId, timeText(cmd.time), cid];
      return { kind: 'script', script: 'cancel_order', keys: layout.allKeys, args, decoder: cancelOneDecoder(cat, notFound) };
    }
    case 'cancelAll': {
      let keys = layout.allKeys;
      let index = -1;
      if (cmd.pair !== null) {
        const market = typeof cmd.pair === 'string' ? layout.markets.get(cmd.pair) : undefined;
        if (market === undefined) return { kind: 'reject', rejection: reject('UNKNOWN_PAIR', `unknown pair ${shown(cmd.pair)}`) };
        keys = market.scriptKeys;
        index = market.index;
      }
      if (!isIdText(cmd.userId)) return { kind: 'done', result: { ok: true, cancelled: [] } };
      const decode = (reply: Buffer): ExecuteResult => {
        const events: EngineEvent[] = [];
        const views = decodeCancels(cat, new Reader(reply), events);
        return { result: { ok: true, cancelled: views.map((v) => v.id) }, events: events.length === 0 ? NO_EVENTS : events };
      };
      return { kind: 'script', script: 'cancel_all', keys, args: [maxLen, cmd.userId, index, timeText(cmd.time)], decoder: { decode } };
    }
    case 'deposit':
    case 'withdraw': {
      const asset = typeof cmd.asset === 'string' ? cat.assetIndex.get(cmd.asset) : undefined;
      if (asset === undefined) return { kind: 'reject', rejection: reject('VALIDATION_ERROR', `unknown asset ${shown(cmd.asset)}`) };
      if (cmd.type === 'deposit' && !isIdText(cmd.userId)) {
        return { kind: 'reject', rejection: reject('VALIDATION_ERROR', 'userId is required') };
      }
      if (!Number.isSafeInteger(cmd.amount) || cmd.amount <= 0) {
        return { kind: 'reject', rejection: reject('INVALID_AMOUNT', 'amount must be positive') };
      }
      if (!isIdText(cmd.userId)) return { kind: 'reject', rejection: reject('INSUFFICIENT_BALANCE') };
      const name = cmd.asset;
      const decode = (reply: Buffer): ExecuteResult => {
        const rejected = rejection(reply, (code) => (code === 'INVALID_AMOUNT' ? `deposit would take ${name} past its maximum total supply` : undefined));
        if (rejected !== null) return rejected;
        const events = tailEvents(cat, reply);
        const balance = events[0] as { available: number; locked: number };
        return { result: { ok: true, available: balance.available, locked: balance.locked }, events };
      };
      return { kind: 'script', script: cmd.type, keys: [layout.account.state], args: [maxLen, cmd.userId, asset, cmd.amount], decoder: { decode } };
    }
    case 'addLiquidity':
    case 'removeLiquidity': {
      const market = typeof cmd.pair === 'string' ? layout.markets.get(cmd.pair) : undefined;
      if (market === undefined) return { kind: 'reject', rejection: reject('UNKNOWN_PAIR', `unknown pair ${shown(cmd.pair)}`) };
      if (market.spec.amm === null) return { kind: 'reject', rejection: reject('VALIDATION_ERROR', `${cmd.pair} has no AMM pool`) };
      const valid = (v: number): boolean => Number.isSafeInteger(v) && v >= 0;
      if (!valid(cmd.baseAmount) || !valid(cmd.quoteAmount) || cmd.baseAmount + cmd.quoteAmount === 0) {
        return { kind: 'reject', rejection: reject('INVALID_AMOUNT', 'baseAmount and quoteAmount must be whole atoms ≥ 0, not both 0') };
      }
      const decode = (reply: Buffer): ExecuteResult => {
        const rejected = rejection(reply, (code) =>
          code === 'INSUFFICIENT_BALANCE' ? 'the pool must keep at least one atom of each asset' : 'this would take an asset past its maximum total supply',
        );
        if (rejected !== null) return rejected;
        const events = tailEvents(cat, reply);
        const pool = events[0] as { baseReserve: number; quoteReserve: number };
        return { result: { ok: true, pool: { baseReserve: pool.baseReserve, quoteReserve: pool.quoteReserve } }, events };
      };
      return {
        kind: 'script',
        script: 'change_liquidity',
        keys: market.scriptKeys,
        args: [maxLen, market.descriptor, cmd.type === 'addLiquidity' ? 1 : -1, cmd.baseAmount, cmd.quoteAmount],
        decoder: { decode },
      };
    }
    default: {
      const unknown: never = cmd;
      return {
        kind: 'reject',
        rejection: reject('VALIDATION_ERROR', `unknown command ${shown((unknown as { type: unknown }).type)}`),
      };
    }
  }
}

/** The events of a reply that is only the common tail (deposit, withdraw, liquidity). */
export function tailEvents(cat: MarketCatalogue, reply: Buffer): EngineEvent[] {
  const r = new Reader(reply);
  if (r.tag() !== 0x57) throw new Error(`redis reply: balances expected: ${reply.toString('utf8', 0, 200)}`);
  const events: EngineEvent[] = [];
  decodeTail(cat, r, events);
  return events;
}

function planPlaceOrder(layout: Layout, cmd: PlaceOrderCommand): Plan {
  const market = typeof cmd.pair === 'string' ? layout.markets.get(cmd.pair) : undefined;
  if (market === undefined) return { kind: 'reject', rejection: reject('UNKNOWN_PAIR', `unknown pair ${shown(cmd.pair)}`) };
  const o = scratch;
  const invalid = validateOrder(cmd, market.spec, o);
  if (invalid !== null) return { kind: 'reject', rejection: invalid };
  if (!isIdText(cmd.userId)) {
    return { kind: 'reject', rejection: reject('VALIDATION_ERROR', 'userId is required') };
  }
  if (o.amount > MAX_ATOMS) throw new Error('bug: order amount past MAX_ATOMS');
  const time = timeText(cmd.time);
  // `scratch` is refilled by the next command before this one's reply arrives: copy what the reply needs
  const taker: OrderFields = {
    remaining: o.amount,
    marketIndex: market.index,
    side: o.side === 0 ? 'buy' : 'sell',
    price: o.price,
    amount: o.amount,
    postOnly: o.postOnly,
    type: o.type,
    timeInForce: o.timeInForce,
    quoteAmount: o.quoteAmount,
    createdAt: parseTime(time),
    userId: cmd.userId,
    clientOrderId: o.clientOrderId,
  };
  return {
    kind: 'script',
    script: 'place_order',
    keys: market.scriptKeys,
    args: [layout.streamMaxLen, market.descriptor, orderDescriptor(market.index, o, cmd.userId, time)],
    decoder: new PlaceDecoder(layout.catalogue, market.spec, taker),
  };
}
