/**
 * JSON of orders and order results, written straight from the engine's integers into bytes
 * (json-writer.ts): every order, every batch entry, every WebSocket result and order update passes
 * here. Values the server produced (decimals, enums, ids, listed pair and asset names) are written as
 * they are; strings a client chose (userId, clientOrderId, error messages) are escaped. The shapes are
 * the schemas in schemas.ts.
 */
import type { Fill, OrderView, PlaceOrderResult } from '../engine/events.js';
import { ApiError } from './api-error.js';
import { JsonWriter } from './json-writer.js';
import type { MarketScales, Markets } from './markets.js';
import { averagePrice } from './views.js';

export function writeOrder(w: JsonWriter, m: MarketScales, o: OrderView): JsonWriter {
  const { tickUnits, lotUnits, priceDecimals, amountDecimals } = m.spec;
  w.raw('{"id":"').int(o.id).raw('","clientOrderId":').strOrNull(o.clientOrderId).raw(',"userId":').str(o.userId);
  w.raw(',"pair":"').raw(o.pair).raw('","side":"').raw(o.side).raw('","type":"').raw(o.type).raw('","price":');
  if (o.price === 0) w.raw('null');
  else w.unitsText(o.price * tickUnits, priceDecimals);
  w.raw(',"amount":').unitsText(o.amount * lotUnits, amountDecimals);
  w.raw(',"filled":').unitsText(o.filled * lotUnits, amountDecimals);
  w.raw(',"remaining":').unitsText((o.amount - o.filled) * lotUnits, amountDecimals);
  w.raw(',"quoteAmount":');
  if (o.quoteAmount === null) w.raw('null');
  else w.unitsText(o.quoteAmount, m.quoteDecimals);
  w.raw(',"status":"').raw(o.status).raw('","cancelReason":');
  if (o.cancelReason === null) w.raw('null');
  else w.raw('"').raw(o.cancelReason).raw('"');
  w.raw(',"timeInForce":"').raw(o.timeInForce).raw('","postOnly":').raw(o.postOnly ? 'true' : 'false');
  return w.raw(',"createdAt":').int(o.createdAt).raw('}');
}

function writeFill(w: JsonWriter, markets: Markets, m: MarketScales, f: Fill): void {
  const { tickUnits, lotUnits, priceDecimals, amountDecimals } = m.spec;
  w.raw('{"tradeId":"').int(f.tradeId).raw('","price":').unitsText(f.price * tickUnits, priceDecimals);
  w.raw(',"amount":').unitsText(f.amount * lotUnits, amountDecimals).raw(',"quoteAmount":').unitsText(f.quote, m.quoteDecimals);
  w.raw(',"venue":"').raw(f.venue).raw('","fee":').unitsText(f.fee, markets.decimalsOf(f.feeAsset) ?? 0);
  w.raw(',"feeAsset":"').raw(f.feeAsset).raw('","liquidity":"').raw(f.liquidity).raw('"}');
}

/** The members of a place-order body without its braces, so callers can put fields in front. */
export function writePlaceOrderMembers(w: JsonWriter, markets: Markets, r: PlaceOrderResult): JsonWriter {
  const m = markets.get(r.order.pair)!;
  const { lotUnits, amountDecimals } = m.spec;
  w.raw('"order":');
  writeOrder(w, m, r.order);
  w.raw(',"fills":[');
  for (let i = 0; i < r.fills.length; i++) {
    if (i > 0) w.raw(',');
    writeFill(w, markets, m, r.fills[i]);
  }
  const avg = averagePrice(m, r.fills);
  w.raw('],"averagePrice":');
  if (avg === null) w.raw('null');
  else w.raw('"').raw(avg).raw('"');
  w.raw(',"route":{"book":').unitsText(r.route.book * lotUnits, amountDecimals);
  return w.raw(',"amm":').unitsText(r.route.amm * lotUnits, amountDecimals).raw('}');
}

export function writeErrorMembers(w: JsonWriter, code: string, message: string): JsonWriter {
  return w.raw('"error":{"code":"').raw(code).raw('","message":').str(message).raw('}');
}

/**
 * `[{"ok":true,...},{"ok":false,"error":{...}},...]`: a batch's answers, one per entry in order;
 * `members` writes a success's members after `"ok":true,`.
 */
function writeOutcomes<T>(w: JsonWriter, outcomes: ReadonlyArray<T | ApiError>, members: (w: JsonWriter, outcome: T) => void): JsonWriter {
  w.raw('[');
  for (let i = 0; i < outcomes.length; i++) {
    const o = outcomes[i];
    w.raw(i === 0 ? '{"ok":' : ',{"ok":');
    if (o instanceof ApiError) writeErrorMembers(w.raw('false,'), o.code, o.message);
    else members(w.raw('true,'), o);
    w.raw('}');
  }
  return w.raw(']');
}

/** An order batch's answers: each success is the single order's body. */
export function writeBatchResults(w: JsonWriter, markets: Markets, outcomes: ReadonlyArray<PlaceOrderResult | ApiError>): JsonWriter {
  return writeOutcomes(w, outcomes, (out, r) => writePlaceOrderMembers(out, markets, r));
}

/** A batch cancel's answers: each success is `"order":{...}`, the cancelled order. */
export function writeCancelResults(w: JsonWriter, markets: Markets, outcomes: ReadonlyArray<OrderView | ApiError>): JsonWriter {
  return writeOutcomes(w, outcomes, (out, o) => writeOrder(out.raw('"order":'), markets.get(o.pair)!, o));
}

/** One scratch writer for orderText (single-threaded, used and read back at once). */
const scratch = new JsonWriter(1024);

export function orderText(m: MarketScales, o: OrderView): string {
  return writeOrder(scratch.reset(), m, o).text();
}

const q = JSON.stringify;

/** A reqId as JSON (string or integer as the client sent it, null when there was none). */
export function reqIdText(reqId: string | number | null): string {
  return reqId === null ? 'null' : q(reqId);
}
