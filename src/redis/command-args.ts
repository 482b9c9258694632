/**
 * The client half of each command: the checks that need no state (the engine's own
 * order-validation.ts and the same checks and messages as funding.ts / cancel-order.ts), then the
 * keys and arguments of the one script that does the rest atomically. A command rejected here never
 * reaches Redis, exactly as the engine rejects it before touching its state.
 */
import { reject, type Rejection } from '../errors.js';
import type { Command, PlaceOrderCommand } from '../engine/commands.js';
import type { MarketCatalogue, MarketSpec } from '../engine/market.js';
import { MAX_ATOMS } from '../engine/market.js';
import { validateOrder, ValidOrder } from '../engine/order-validation.js';
import { orderKey, type AccountKeys, type MarketKeys } from './keys.js';

export interface Layout {
  readonly catalogue: MarketCatalogue;
  readonly account: AccountKeys;
  readonly markets: ReadonlyMap<string, { readonly spec: MarketSpec; readonly keys: MarketKeys; readonly index: number }>;
  readonly marketList: ReadonlyArray<{ readonly spec: MarketSpec; readonly keys: MarketKeys; readonly index: number }>;
  readonly streamMaxLen: string;
}

export type ScriptName = 'place_order' | 'cancel_order' | 'cancel_all' | 'deposit' | 'withdraw' | 'change_liquidity';

/** A rejection or an answer that needs no state, or the one script to run (keys, then arguments). */
export type Plan =
  | { readonly kind: 'reject'; readonly rejection: Rejection }
  | { readonly kind: 'done'; readonly result: { ok: true; cancelled: number[] } }
  | { readonly kind: 'script'; readonly script: ScriptName; readonly keys: readonly string[]; readonly args: Array<string | number> };

const scratch = new ValidOrder();

/** The command's time as the JSON text the scripts copy into views and trades. */
export function timeText(time: unknown): string {
  return JSON.stringify(time) ?? 'null';
}

export function planCommand(layout: Layout, cmd: Command): Plan {
  const head = (time: unknown): Array<string | number> => [timeText(time), layout.streamMaxLen];
  switch (cmd.type) {
    case 'placeOrder':
      return planPlaceOrder(layout, cmd, head(cmd.time));
    case 'cancelOrder': {
      if (typeof cmd.userId !== 'string' || !Number.isSafeInteger(cmd.orderId) || cmd.orderId <= 0) {
        return { kind: 'reject', rejection: reject('NOT_FOUND', 'no such open order') };
      }
      const keys = [...layout.account.list, ...layout.marketList.flatMap((m) => m.keys.list)];
      return { kind: 'script', script: 'cancel_order', keys, args: [...head(cmd.time), cmd.userId, orderKey(cmd.orderId)] };
    }
    case 'cancelAll': {
      let markets = layout.marketList;
      if (cmd.pair !== null) {
        const market = typeof cmd.pair === 'string' ? layout.markets.get(cmd.pair) : undefined;
        if (market === undefined) return { kind: 'reject', rejection: reject('UNKNOWN_PAIR', `unknown pair ${String(cmd.pair)}`) };
        markets = [market];
      }
      if (typeof cmd.userId !== 'string') return { kind: 'done', result: { ok: true, cancelled: [] } };
      const keys = [...layout.account.list, ...markets.flatMap((m) => m.keys.list)];
      return { kind: 'script', script: 'cancel_all', keys, args: [...head(cmd.time), cmd.userId, markets.length] };
    }
    case 'deposit':
    case 'withdraw': {
      const asset = typeof cmd.asset === 'string' ? layout.catalogue.assetIndex.get(cmd.asset) : undefined;
      if (asset === undefined) return { kind: 'reject', rejection: reject('VALIDATION_ERROR', `unknown asset ${String(cmd.asset)}`) };
      if (cmd.type === 'deposit' && (typeof cmd.userId !== 'string' || cmd.userId.length === 0)) {
        return { kind: 'reject', rejection: reject('VALIDATION_ERROR', 'userId is required') };
      }
      if (!Number.isSafeInteger(cmd.amount) || cmd.amount <= 0) {
        return { kind: 'reject', rejection: reject('INVALID_AMOUNT', 'amount must be positive') };
      }
      if (typeof cmd.userId !== 'string') return { kind: 'reject', rejection: reject('INSUFFICIENT_BALANCE') };
      return {
        kind: 'script',
        script: cmd.type,
        keys: layout.account.list,
        args: [...head(cmd.time), cmd.userId, asset, cmd.asset, cmd.amount],
      };
    }
    case 'addLiquidity':
    case 'removeLiquidity': {
      const market = typeof cmd.pair === 'string' ? layout.markets.get(cmd.pair) : undefined;
      if (market === undefined) return { kind: 'reject', rejection: reject('UNKNOWN_PAIR', `unknown pair ${String(cmd.pair)}`) };
      if (market.spec.amm === null) return { kind: 'reject', rejection: reject('VALIDATION_ERROR', `${cmd.pair} has no AMM pool`) };
      const valid = (v: number): boolean => Number.isSafeInteger(v) && v >= 0;
      if (!valid(cmd.baseAmount) || !valid(cmd.quoteAmount) || cmd.baseAmount + cmd.quoteAmount === 0) {
        return { kind: 'reject', rejection: reject('INVALID_AMOUNT', 'baseAmount and quoteAmount must be whole atoms ≥ 0, not both 0') };
      }
      return {
        kind: 'script',
        script: 'change_liquidity',
        keys: [...layout.account.list, ...market.keys.list],
        args: [...head(cmd.time), cmd.type === 'addLiquidity' ? 1 : -1, cmd.baseAmount, cmd.quoteAmount],
      };
    }
    default: {
      const unknown: never = cmd;
      return {
        kind: 'reject',
        rejection: reject('VALIDATION_ERROR', `unknown command ${String((unknown as { type: unknown }).type)}`),
      };
    }
  }
}

function planPlaceOrder(layout: Layout, cmd: PlaceOrderCommand, head: Array<string | number>): Plan {
  const market = typeof cmd.pair === 'string' ? layout.markets.get(cmd.pair) : undefined;
  if (market === undefined) return { kind: 'reject', rejection: reject('UNKNOWN_PAIR', `unknown pair ${String(cmd.pair)}`) };
  const o = scratch;
  const invalid = validateOrder(cmd, market.spec, o);
  if (invalid !== null) return { kind: 'reject', rejection: invalid };
  if (typeof cmd.userId !== 'string' || cmd.userId.length === 0) {
    return { kind: 'reject', rejection: reject('VALIDATION_ERROR', 'userId is required') };
  }
  if (o.amount > MAX_ATOMS) throw new Error('bug: order amount past MAX_ATOMS');
  return {
    kind: 'script',
    script: 'place_order',
    keys: [...layout.account.list, ...market.keys.list],
    args: [
      ...head,
      cmd.userId,
      o.side,
      o.isMarket ? 1 : 0,
      o.type,
      o.timeInForce,
      o.price,
      o.amount,
      o.quoteAmount === null ? '' : o.quoteAmount,
      o.postOnly ? 1 : 0,
      o.clientOrderId ?? '',
      o.maxSlippageBps === null ? '' : o.maxSlippageBps,
      o.selfTradePrevention,
      o.lock,
    ],
  };
}
