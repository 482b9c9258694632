import { reject } from '../errors.js';
import type { Order } from './book/order.js';
import type { CancelAllCommand, CancelByClientOrderIdCommand, CancelOrderCommand } from './commands.js';
import type { CommandResult } from './events.js';
import type { EngineState } from './engine-state.js';
import { invalidClientOrderId, shown } from './command-fields.js';
import { REPLAYED } from './views.js';

/** Cancels one open order of the caller; someone else's order is reported as not found. */
export function cancelOrder(s: EngineState, cmd: CancelOrderCommand): CommandResult {
  const order = s.orders.get(cmd.orderId);
  if (order === undefined || order.account.userId !== cmd.userId) return reject('NOT_FOUND', 'no such open order');
  const view = s.cancelResting(order, 'user');
  return view === null ? REPLAYED : { ok: true, order: view };
}

/**
 * Cancels the caller's open order with this clientOrderId (ids are unique among a user's open orders).
 * Decided when the command runs, so a cancel sequenced after its placement always finds the order.
 */
export function cancelByClientOrderId(s: EngineState, cmd: CancelByClientOrderIdCommand): CommandResult {
  const malformed = invalidClientOrderId(cmd.clientOrderId);
  if (malformed !== null) return malformed;
  const order = s.accounts.get(cmd.userId)?.clientOrderIds?.get(cmd.clientOrderId);
  if (order === undefined) return reject('NOT_FOUND', 'no open order with this clientOrderId');
  const view = s.cancelResting(order, 'user');
  return view === null ? REPLAYED : { ok: true, order: view };
}

/** Cancels all the caller's open orders in one market (or in every market when pair is null), oldest first. */
export function cancelAll(s: EngineState, cmd: CancelAllCommand): CommandResult {
  let marketIndex = -1;
  if (cmd.pair !== null) {
    const market = s.marketByPair.get(cmd.pair);
    if (market === undefined) return reject('UNKNOWN_PAIR', `unknown pair ${shown(cmd.pair)}`);
    marketIndex = market.index;
  }
  const account = s.accounts.get(cmd.userId);
  const victims: Order[] = [];
  for (let o = account?.firstOrder ?? null; o !== null; o = o.accountNext) {
    if (marketIndex < 0 || o.marketIndex === marketIndex) victims.push(o);
  }
  // the account list's order depends on history; ids give an order that replays identically
  victims.sort((a, b) => a.id - b.id);
  for (const order of victims) s.cancelResting(order, 'user');
  return { ok: true, cancelled: victims.map((o) => o.id) };
}
