/**
 * The compact text the client and the scripts exchange, instead of JSON: the descriptors the client
 * sends (a market's spec, an order), the order records the scripts store, and a reader for the
 * replies. Numbers are decimal integers separated by single spaces; strings are raw UTF-8 bytes whose
 * byte length comes before them, so user ids and clientOrderIds may hold any character.
 */
import type { MarketSpec } from '../engine/market.js';
import type { CancelReason, OrderStatus } from '../engine/events.js';
import type { OrderType, SelfTradePrevention, TimeInForce } from '../engine/commands.js';
import type { ValidOrder } from '../engine/order-validation.js';

export const TIME_IN_FORCE: readonly TimeInForce[] = ['GTC', 'IOC', 'FOK'];
const TIF_CODE: Readonly<Record<TimeInForce, number>> = { GTC: 0, IOC: 1, FOK: 2 };
const STP_CODE: Readonly<Record<SelfTradePrevention, number>> = { cancel_maker: 0, cancel_taker: 1, cancel_both: 2 };
/** status and cancel reason codes of the place-order reply header (lua/lib/10-state.lua REASONS) */
export const STATUSES: readonly OrderStatus[] = ['open', 'partially_filled', 'filled', 'cancelled'];
export const REASONS: ReadonlyArray<CancelReason | null> = [
  null, 'user', 'ioc_remainder', 'fok_not_fillable', 'post_only_would_take', 'self_trade', 'slippage_limit', 'insufficient_balance',
];

/** "mi bi qi bpl qptl mk tk amm pf": what the scripts need of a market (init stores it as `d`). */
export function marketDescriptor(spec: MarketSpec, index: number): string {
  const amm = spec.amm;
  return [index, spec.baseAsset, spec.quoteAsset, spec.baseAtomsPerLot, spec.quoteAtomsPerTickLot, spec.makerFeeBps, spec.takerFeeBps, amm === null ? 0 : 1, amm?.feeBps ?? 0].join(' ');
}

/** UTF-8 length, without encoding when the text is ASCII (user ids nearly always are). */
export function byteLength(s: string): number {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return Buffer.byteLength(s, 'utf8');
  return s.length;
}

/**
 * The order descriptor: "<mi> <side> <price> <ulen> <tlen> <amount> <postOnly> <type> <tif> <quoteAmount>
 * <maxSlippageBps> <stp> <lock>|<time><user><clientOrderId>", quoteAmount 0 and maxSlippageBps -1 for
 * none, time the command's time as JSON text. A resting order's record is "<remaining> " + this.
 */
export function orderDescriptor(marketIndex: number, o: ValidOrder, userId: string, time: string): string {
  return `${marketIndex} ${o.side} ${o.price} ${byteLength(userId)} ${byteLength(time)} ${o.amount} ${o.postOnly ? 1 : 0} ${o.isMarket ? 1 : 0} ${TIF_CODE[o.timeInForce]} ${o.quoteAmount ?? 0} ${o.maxSlippageBps ?? -1} ${STP_CODE[o.selfTradePrevention]} ${o.lock}|${time}${userId}${o.clientOrderId ?? ''}`;
}

/** An order as its descriptor or record describes it (what views need). */
export interface OrderFields {
  /** the record's remaining amount (records only) */
  remaining: number;
  marketIndex: number;
  side: 'buy' | 'sell';
  price: number;
  amount: number;
  postOnly: boolean;
  type: OrderType;
  timeInForce: TimeInForce;
  quoteAmount: number | null;
  createdAt: number;
  userId: string;
  clientOrderId: string | null;
}

/** The command's time from its JSON text (a number nearly always; Number() is exact for JSON numbers). */
export function parseTime(text: string): number {
  const v = Number(text);
  return Number.isNaN(v) || text.length === 0 ? (JSON.parse(text) as number) : v;
}

const SPACE = 0x20;
const BAR = 0x7c;
const MINUS = 0x2d;

/** Reads the compact text: integers, one-letter tags and length-prefixed strings. */
export class Reader {
  pos: number;
  constructor(
    readonly buf: Buffer,
    start = 0,
    readonly end = buf.length,
  ) {
    this.pos = start;
  }

  /** Skips spaces, then reads an integer (exact up to 2^53). */
  int(): number {
    const b = this.buf;
    let p = this.pos;
    while (b[p] === SPACE) p++;
    let neg = false;
    if (b[p] === MINUS) {
      neg = true;
      p++;
    }
    let n = 0;
    let c = b[p];
    const start = p;
    while (c >= 0x30 && c <= 0x39) {
      n = n * 10 + (c - 0x30);
      c = b[++p];
    }
    if (p === start) throw new Error(`redis reply: number expected at ${start}: ${b.toString('utf8', 0, Math.min(b.length, 200))}`);
    this.pos = p;
    return neg ? -n : n;
  }

  /** Skips spaces; the next byte (a tag letter), or -1 at the end. */
  tag(): number {
    const b = this.buf;
    let p = this.pos;
    while (p < this.end && b[p] === SPACE) p++;
    if (p >= this.end) {
      this.pos = p;
      return -1;
    }
    this.pos = p + 1;
    return b[p];
  }

  /** After exactly one space, `len` bytes as UTF-8 text. */
  str(len: number): string {
    const s = this.pos + 1;
    this.pos = s + len;
    return this.buf.toString('utf8', s, s + len);
  }

  /** After exactly one space, `len` bytes: an order record, parsed. */
  record(len: number): OrderFields {
    const s = this.pos + 1;
    this.pos = s + len;
    return readOrderFields(new Reader(this.buf, s, s + len), true);
  }
}

/** Parses an order descriptor (or, with `withRemaining`, a record) that fills the reader to its end. */
export function readOrderFields(r: Reader, withRemaining: boolean): OrderFields {
  const remaining = withRemaining ? r.int() : 0;
  const marketIndex = r.int();
  const side = r.int() === 0 ? 'buy' : 'sell';
  const price = r.int();
  const ulen = r.int();
  const tlen = r.int();
  const amount = r.int();
  const postOnly = r.int() === 1;
  const type: OrderType = r.int() === 1 ? 'market' : 'limit';
  const timeInForce = TIME_IN_FORCE[r.int()];
  const qa = r.int();
  r.int(); // maxSlippageBps
  r.int(); // selfTradePrevention
  r.int(); // lock
  if (r.buf[r.pos] !== BAR) throw new Error('redis: bad order record');
  const t = r.pos + 1;
  const buf = r.buf;
  const u = t + tlen;
  const c = u + ulen;
  return {
    remaining,
    marketIndex,
    side,
    price,
    amount,
    postOnly,
    type,
    timeInForce,
    quoteAmount: qa === 0 ? null : qa,
    createdAt: parseTime(buf.toString('utf8', t, u)),
    userId: buf.toString('utf8', u, c),
    clientOrderId: c < r.end ? buf.toString('utf8', c, r.end) : null,
  };
}

/** Parses a record or descriptor given as text (reads: open orders, snapshot, stream entries). */
export function parseOrderText(text: string | Buffer, withRemaining: boolean): OrderFields {
  const buf = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  return readOrderFields(new Reader(buf), withRemaining);
}
