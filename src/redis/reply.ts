/**
 * Turns a script's compact reply (lua/lib/40-flush.lua, 30-match.lua) into the engine's result and
 * events, the same objects the in-memory Engine gives. The scripts send only what the client cannot
 * know: ids, statuses, the makers' records, balances, pools, level totals. Trade amounts, fees and
 * views are computed here with the engine's own formulas (fees.ts, views.ts). The same decoder reads
 * the event streams (stream-entry.ts), whose entries hold the command's descriptor and this reply.
 */
import type { CommandResult, EngineEvent, Fill, OrderView } from '../engine/events.js';
import { feeOf } from '../engine/fees.js';
import type { MarketCatalogue, MarketSpec } from '../engine/market.js';
import { reject } from '../errors.js';
import { REASONS, Reader, STATUSES, type OrderFields } from './wire.js';

export interface ExecuteResult {
  readonly result: CommandResult;
  readonly events: EngineEvent[];
}

const TAG_W = 0x57; // W balances
const TAG_P = 0x50; // P pool
const TAG_K = 0x4b; // K book
const TAG_B = 0x42; // B book trade
const TAG_A = 0x41; // A pool trade
const TAG_X = 0x58; // X self-trade cancel
const BANG = 0x21;

/** The rejection a script answered ("!CODE"), with the engine's message for that command, or null. */
export function scriptRejection(reply: Buffer, message: (code: string) => string | undefined): CommandResult | null {
  if (reply[0] !== BANG) return null;
  const code = reply.toString('latin1', 1) as Parameters<typeof reject>[0];
  return reject(code, message(code));
}

function restingView(o: OrderFields, id: number, pair: string, remaining: number, status: OrderView['status'], reason: OrderView['cancelReason']): OrderView {
  return {
    id,
    clientOrderId: o.clientOrderId,
    userId: o.userId,
    pair,
    side: o.side,
    type: 'limit',
    price: o.price,
    amount: o.amount,
    filled: o.amount - remaining,
    status,
    cancelReason: reason,
    timeInForce: 'GTC',
    postOnly: o.postOnly,
    quoteAmount: null,
    createdAt: o.createdAt,
  };
}

function takerView(t: OrderFields, id: number, pair: string, remaining: number, status: OrderView['status'], reason: OrderView['cancelReason']): OrderView {
  const filled = t.amount - remaining;
  return {
    id,
    clientOrderId: t.clientOrderId,
    userId: t.userId,
    pair,
    side: t.side,
    type: t.type,
    price: t.price,
    // a quote-sized market buy has no base amount of its own: it is what it bought
    amount: t.quoteAmount === null ? t.amount : filled,
    filled,
    status,
    cancelReason: reason,
    timeInForce: t.timeInForce,
    postOnly: t.postOnly,
    quoteAmount: t.quoteAmount,
    createdAt: t.createdAt,
  };
}

/**
 * placeOrder: header "<id> <first trade id> <status> <reason> <remaining>", the steps in event order
 * (` B<lots> <maker id> <len> <record>` a book trade, ` A<lots> <quote>` a pool trade, ` X<id> <len>
 * <record>` a self-trade cancel), then the common tail. `t` is the order as sent.
 */
export function decodePlace(cat: MarketCatalogue, spec: MarketSpec, t: OrderFields, r: Reader): ExecuteResult {
  const id = r.int();
  let tradeId = r.int();
  const status = STATUSES[r.int()];
  const reason = REASONS[r.int()];
  const remaining = r.int();
  const pair = spec.pair;
  const isBuy = t.side === 'buy';
  const accepted = takerView(t, id, pair, t.amount, 'open', null);
  const events: EngineEvent[] = [{ type: 'orderAccepted', order: accepted }];
  let fills: Fill[] = [];
  let bookLots = 0;
  let ammLots = 0;
  const feeAsset = isBuy ? spec.base : spec.quote;
  let makers: Map<number, number> | null = null;
  for (;;) {
    const tag = r.tag();
    if (tag === TAG_B) {
      const lots = r.int();
      const makerId = r.int();
      const m = r.record(r.int());
      // the record is as read before the command: a maker traded twice in one command keeps its running remainder
      makers ??= new Map();
      const left = (makers.get(makerId) ?? m.remaining) - lots;
      makers.set(makerId, left);
      const price = m.price;
      const quote = price * lots * spec.quoteAtomsPerTickLot;
      const base = lots * spec.baseAtomsPerLot;
      const takerFee = isBuy ? feeOf(base, spec.takerFeeBps) : feeOf(quote, spec.takerFeeBps);
      const makerFee = isBuy ? feeOf(quote, spec.makerFeeBps) : feeOf(base, spec.makerFeeBps);
      fills.push({ tradeId, price, amount: lots, quote, venue: 'book', fee: takerFee, feeAsset, liquidity: 'taker' });
      events.push({
        type: 'trade', pair, id: tradeId, price, amount: lots, quote, takerSide: t.side, venue: 'book', takerOrderId: id,
        takerUserId: t.userId, makerOrderId: makerId, makerUserId: m.userId, takerFee, makerFee, time: t.createdAt,
      });
      events.push({ type: 'orderUpdated', order: restingView(m, makerId, pair, left, left === 0 ? 'filled' : left === m.amount ? 'open' : 'partially_filled', null) });
      tradeId++;
      bookLots += lots;
    } else if (tag === TAG_A) {
      const lots = r.int();
      const quote = r.int();
      const price = Math.round(quote / (lots * spec.quoteAtomsPerTickLot));
      const fee = isBuy ? feeOf(lots * spec.baseAtomsPerLot, spec.takerFeeBps) : feeOf(quote, spec.takerFeeBps);
      fills.push({ tradeId, price, amount: lots, quote, venue: 'amm', fee, feeAsset, liquidity: 'taker' });
      events.push({
        type: 'trade', pair, id: tradeId, price, amount: lots, quote, takerSide: t.side, venue: 'amm', takerOrderId: id,
        takerUserId: t.userId, makerOrderId: null, makerUserId: null, takerFee: fee, makerFee: 0, time: t.createdAt,
      });
      tradeId++;
      ammLots += lots;
    } else if (tag === TAG_X) {
      const makerId = r.int();
      const m = r.record(r.int());
      events.push({ type: 'orderUpdated', order: restingView(m, makerId, pair, m.remaining, 'cancelled', 'self_trade') });
    } else if (tag === TAG_W) {
      break;
    } else {
      throw new Error(`redis reply: unexpected tag ${tag} in ${r.buf.toString('utf8', 0, 300)}`);
    }
  }
  let view = accepted;
  if (status !== 'open') {
    view = takerView(t, id, pair, remaining, status, reason);
    events.push({ type: 'orderUpdated', order: view });
  }
  if (fills.length === 0) fills = NO_FILLS;
  decodeTail(cat, r, events);
  return { result: { ok: true, order: view, fills, route: { book: bookLots, amm: ammLots } }, events };
}

const NO_FILLS: Fill[] = [];

/**
 * cancelOrder / cancelAll: "<count>", then ` <id> <len> <record>` per cancelled order (oldest first), then
 * the common tail. Returns the cancelled orders' views.
 */
export function decodeCancels(cat: MarketCatalogue, r: Reader, events: EngineEvent[]): OrderView[] {
  const count = r.int();
  const views: OrderView[] = [];
  for (let i = 0; i < count; i++) {
    const id = r.int();
    const m = r.record(r.int());
    const view = restingView(m, id, cat.markets[m.marketIndex].pair, m.remaining, 'cancelled', 'user');
    views.push(view);
    events.push({ type: 'orderUpdated', order: view });
  }
  if (count > 0) {
    if (r.tag() !== TAG_W) throw new Error('redis reply: balances expected');
    decodeTail(cat, r, events);
  }
  return views;
}

/**
 * The tail every command with events ends with (after its ` W`): the balance events, then per changed
 * market its pool event and its book event (engine-state.ts finish()).
 */
export function decodeTail(cat: MarketCatalogue, r: Reader, events: EngineEvent[]): void {
  const count = r.int();
  const assets = cat.assets;
  for (let i = 0; i < count; i++) {
    const ai = r.int();
    const available = r.int();
    const locked = r.int();
    const userId = r.str(r.int());
    events.push({ type: 'balance', userId, asset: assets[ai].name, available, locked });
  }
  for (;;) {
    const tag = r.tag();
    if (tag === -1) return;
    const pair = cat.markets[r.int()].pair;
    if (tag === TAG_P) {
      const baseReserve = r.int();
      events.push({ type: 'pool', pair, baseReserve, quoteReserve: r.int() });
    } else if (tag === TAG_K) {
      const seq = r.int();
      const nb = r.int();
      const na = r.int();
      const bids: Array<[number, number]> = [];
      for (let i = 0; i < nb; i++) bids.push([r.int(), r.int()]);
      const asks: Array<[number, number]> = [];
      for (let i = 0; i < na; i++) asks.push([r.int(), r.int()]);
      events.push({ type: 'book', pair, seq, bids, asks });
    } else {
      throw new Error(`redis reply: unexpected tag ${tag}`);
    }
  }
}
