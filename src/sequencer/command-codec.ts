/**
 * Binary form of engine commands for the journal. JSON would cost about a microsecond per command,
 * as much as executing it; this fixed layout costs a fraction of that. Layout (little-endian):
 *   u8 codec version (1) · u8 command type · f64 time · then per type:
 *   placeOrder: str userId · str pair · u8 side · u8 orderType · f64 price · f64 amount · f64 quoteAmount
 *               (NaN = absent) · u8 timeInForce (0 absent, 1 GTC, 2 IOC, 3 FOK) · u8 postOnly (0 absent,
 *               1 false, 2 true) · str? clientOrderId · i32 maxSlippageBps (-1 absent) · u8 stp (0 absent, 1..3)
 *   cancelOrder: str userId · f64 orderId        cancelAll: str userId · str? pair
 *   cancelByClientOrderId (type 8): str userId · str clientOrderId
 *   deposit / withdraw: str userId · str asset · f64 amount
 *   addLiquidity / removeLiquidity: str pair · f64 baseAmount · f64 quoteAmount
 * str = u16 byte length + UTF-8; str? uses length 0xFFFF for null/absent.
 *
 * What cannot be stored faithfully is refused with UnencodableCommandError instead of being stored as
 * something else: a string with a lone UTF-16 surrogate (UTF-8 would turn it into U+FFFD, so replay
 * would see another user or clientOrderId), a string over 65534 UTF-8 bytes, a maxSlippageBps that is
 * not an int32 >= 0. The sequencer encodes before it executes, so such a command is rejected unapplied.
 */
import type { CancelOrderCommand, Command, PlaceOrderCommand, SelfTradePrevention, TimeInForce } from '../engine/commands.js';

const VERSION = 1;
const PLACE = 1;
const CANCEL = 2;
const CANCEL_ALL = 3;
const DEPOSIT = 4;
const WITHDRAW = 5;
const ADD_LIQUIDITY = 6;
const REMOVE_LIQUIDITY = 7;
const CANCEL_BY_CLIENT_ID = 8;
const ABSENT = 0xffff;
/** Strings up to this many UTF-16 units take the hand-written ASCII path in both directions. */
const SHORT_STRING = 64;
const MAX_CACHED_VIEW = 512;
const TIFS: readonly (TimeInForce | undefined)[] = [undefined, 'GTC', 'IOC', 'FOK'];
const STPS: readonly (SelfTradePrevention | undefined)[] = [undefined, 'cancel_maker', 'cancel_taker', 'cancel_both'];

/** The command holds a value the journal format cannot represent exactly; nothing was written. */
export class UnencodableCommandError extends RangeError {
  constructor(message: string) {
    super(message);
    this.name = 'UnencodableCommandError';
  }
}

/** String.prototype.isWellFormed (ES2024, in Node >= 20) is not in the ES2022 lib typings. */
const isWellFormed = (s: string): boolean => (s as unknown as { isWellFormed(): boolean }).isWellFormed();

export class CommandEncoder {
  private buf = Buffer.allocUnsafe(4096);
  /** views of buf by length, reused: a new view per command cost about as much as encoding it */
  private views: Buffer[] = [];
  private pos = 0;

  /** Encodes into an internal buffer; the returned view is valid until the next call. */
  encode(cmd: Command): Uint8Array {
    this.pos = 0;
    this.u8(VERSION);
    switch (cmd.type) {
      case 'placeOrder':
        this.u8(PLACE);
        this.f64(cmd.time);
        this.place(cmd);
        break;
      case 'cancelOrder':
        this.u8(CANCEL);
        this.f64(cmd.time);
        this.str(cmd.userId);
        this.f64(cmd.orderId);
        break;
      case 'cancelByClientOrderId':
        this.u8(CANCEL_BY_CLIENT_ID);
        this.f64(cmd.time);
        this.str(cmd.userId);
        this.str(cmd.clientOrderId);
        break;
      case 'cancelAll':
        this.u8(CANCEL_ALL);
        this.f64(cmd.time);
        this.str(cmd.userId);
        this.str(cmd.pair);
        break;
      case 'deposit':
      case 'withdraw':
        this.u8(cmd.type === 'deposit' ? DEPOSIT : WITHDRAW);
        this.f64(cmd.time);
        this.str(cmd.userId);
        this.str(cmd.asset);
        this.f64(cmd.amount);
        break;
      case 'addLiquidity':
      case 'removeLiquidity':
        this.u8(cmd.type === 'addLiquidity' ? ADD_LIQUIDITY : REMOVE_LIQUIDITY);
        this.f64(cmd.time);
        this.str(cmd.pair);
        this.f64(cmd.baseAmount);
        this.f64(cmd.quoteAmount);
        break;
      default:
        throw new UnencodableCommandError(`unknown command type ${String((cmd as { type: unknown }).type)}`);
    }
    const length = this.pos;
    if (length > MAX_CACHED_VIEW) return this.buf.subarray(0, length);
    return (this.views[length] ??= this.buf.subarray(0, length));
  }

  private place(cmd: PlaceOrderCommand): void {
    this.str(cmd.userId);
    this.str(cmd.pair);
    this.u8(cmd.side === 'buy' ? 0 : 1);
    this.u8(cmd.orderType === 'limit' ? 0 : 1);
    this.f64(cmd.price ?? NaN);
    this.f64(cmd.amount ?? NaN);
    this.f64(cmd.quoteAmount ?? NaN);
    this.u8(cmd.timeInForce === undefined ? 0 : TIFS.indexOf(cmd.timeInForce));
    this.u8(cmd.postOnly === undefined ? 0 : cmd.postOnly ? 2 : 1);
    this.str(cmd.clientOrderId ?? null);
    const slippage = cmd.maxSlippageBps ?? -1;
    if (slippage !== -1 && !(Number.isInteger(slippage) && slippage >= 0 && slippage <= 0x7fff_ffff)) {
      throw new UnencodableCommandError(`maxSlippageBps ${slippage} is not an int32 >= 0`);
    }
    this.ensure(4);
    this.buf.writeInt32LE(slippage, this.pos);
    this.pos += 4;
    this.u8(cmd.selfTradePrevention === undefined ? 0 : STPS.indexOf(cmd.selfTradePrevention));
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(bigger, 0, 0, this.pos);
    this.buf = bigger;
    this.views = [];
  }

  private u8(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v;
  }

  private f64(v: number): void {
    this.ensure(8);
    this.buf.writeDoubleLE(v, this.pos);
    this.pos += 8;
  }

  private str(s: string | null): void {
    if (s === null) {
      this.ensure(2);
      this.buf.writeUInt16LE(ABSENT, this.pos);
      this.pos += 2;
      return;
    }
    if (typeof s !== 'string') throw new UnencodableCommandError(`expected a string, got ${typeof s}`);
    const length = s.length;
    this.ensure(2 + length * 3);
    const buf = this.buf;
    // Short ASCII strings (user ids, pairs, assets) are copied by hand: cheaper than a native write call.
    if (length <= SHORT_STRING) {
      const start = this.pos + 2;
      let i = 0;
      while (i < length) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        buf[start + i++] = c;
      }
      if (i === length) {
        buf[this.pos] = length;
        buf[this.pos + 1] = 0;
        this.pos = start + length;
        return;
      }
    }
    if (!isWellFormed(s)) throw new UnencodableCommandError('a string holds a lone UTF-16 surrogate');
    const written = buf.write(s, this.pos + 2, 'utf8');
    if (written >= ABSENT) throw new UnencodableCommandError(`a string of ${written} UTF-8 bytes is too long for the journal`);
    this.buf.writeUInt16LE(written, this.pos);
    this.pos += 2 + written;
  }
}

/**
 * Reads one payload front to back. A class with a cursor rather than closures over a local: under tsx
 * (esbuild keepNames) every closure created costs an Object.defineProperty, which made replay 4x slower.
 */
const EMPTY = Buffer.alloc(0);

class CommandReader {
  private buf: Buffer = EMPTY;
  private pos = 0;
  /** where the payload being read ends in `buf` */
  private end = 0;
  /** a DataView over `buf`, kept while replay reads record after record from the same buffer:
   * getFloat64 is several times faster than Buffer.readDoubleLE */
  private view: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));
  private viewOf: Buffer = EMPTY;
  /** '' in an empty slot only ever matches the empty string, which is then the right answer */
  private readonly strings: string[] = new Array<string>(STRING_CACHE_SIZE).fill('');

  /** With `transient`, orders and cancels come back in one reused object each (see decodeTransient). */
  constructor(private readonly transient = false) {}

  private readonly placeScratch: Mutable<PlaceOrderCommand> = emptyPlace();
  private readonly cancelScratch: Mutable<CancelOrderCommand> = { type: 'cancelOrder', time: 0, userId: '', orderId: 0 };

  read(payload: Uint8Array): Command {
    const buf = Buffer.isBuffer(payload) ? payload : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
    return this.readAt(buf, 0, buf.length);
  }

  /** Lets go of the last buffer read (replay's read buffer is large). */
  release(): void {
    this.view = new DataView(new ArrayBuffer(0));
    this.viewOf = EMPTY;
  }

  /** Decodes the payload buf[start, end). */
  readAt(buf: Buffer, start: number, end: number): Command {
    if (buf !== this.viewOf) {
      this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
      this.viewOf = buf;
    }
    this.buf = buf;
    this.pos = start;
    this.end = end;
    try {
      if (this.u8() !== VERSION) throw new Error('unknown command codec version');
      const cmd = this.command(this.u8(), this.f64());
      if (this.pos !== end) throw new Error(`command payload of ${end - start} bytes holds ${this.pos - start}`);
      return cmd;
    } finally {
      this.buf = EMPTY; // do not keep the journal's read buffer alive
    }
  }

  private command(type: number, time: number): Command {
    switch (type) {
      case PLACE:
        return this.place(time);
      case CANCEL: {
        const cancel = this.transient ? this.cancelScratch : { type: 'cancelOrder' as const, time: 0, userId: '', orderId: 0 };
        cancel.time = time;
        cancel.userId = this.str()!;
        cancel.orderId = this.f64();
        return cancel;
      }
      case CANCEL_BY_CLIENT_ID: {
        const userId = this.str()!;
        // null as it was journaled: the engine refused it then and refuses it again on replay
        const clientOrderId = this.str() as string;
        return { type: 'cancelByClientOrderId', time, userId, clientOrderId };
      }
      case CANCEL_ALL:
        return { type: 'cancelAll', time, userId: this.str()!, pair: this.str() };
      case DEPOSIT:
      case WITHDRAW: {
        const userId = this.str()!;
        const asset = this.str()!;
        const amount = this.f64();
        return { type: type === DEPOSIT ? 'deposit' : 'withdraw', time, userId, asset, amount };
      }
      case ADD_LIQUIDITY:
      case REMOVE_LIQUIDITY: {
        const pair = this.str()!;
        const baseAmount = this.f64();
        const quoteAmount = this.f64();
        return { type: type === ADD_LIQUIDITY ? 'addLiquidity' : 'removeLiquidity', time, pair, baseAmount, quoteAmount };
      }
      default:
        throw new Error(`unknown command type ${type} in journal record`);
    }
  }

  private place(time: number): PlaceOrderCommand {
    const userId = this.str()!;
    const pair = this.str()!;
    const side = this.u8() === 0 ? 'buy' : 'sell';
    const orderType = this.u8() === 0 ? 'limit' : 'market';
    const price = this.f64();
    const amount = this.f64();
    const quoteAmount = this.f64();
    const timeInForce = TIFS[this.u8()];
    const postOnlyCode = this.u8();
    const clientOrderId = this.str();
    if (this.pos + 4 > this.end) throw new RangeError('command payload ends early');
    const slippage = this.view.getInt32(this.pos, true);
    this.pos += 4;
    const stp = STPS[this.u8()];
    // one object shape for every decoded order (absent fields are undefined, not missing): replay
    // then runs the engine on monomorphic objects, like the sequencer's stampCommand does live
    const cmd = this.transient ? this.placeScratch : emptyPlace();
    cmd.time = time;
    cmd.userId = userId;
    cmd.pair = pair;
    cmd.side = side;
    cmd.orderType = orderType;
    cmd.price = Number.isNaN(price) ? undefined : price;
    cmd.amount = Number.isNaN(amount) ? undefined : amount;
    cmd.quoteAmount = Number.isNaN(quoteAmount) ? undefined : quoteAmount;
    cmd.timeInForce = timeInForce;
    cmd.postOnly = postOnlyCode === 0 ? undefined : postOnlyCode === 2;
    cmd.clientOrderId = clientOrderId ?? undefined;
    cmd.maxSlippageBps = slippage >= 0 ? slippage : undefined;
    cmd.selfTradePrevention = stp;
    return cmd;
  }

  private u8(): number {
    if (this.pos >= this.end) throw new RangeError('command payload ends early');
    return this.buf[this.pos++];
  }

  private f64(): number {
    if (this.pos + 8 > this.end) throw new RangeError('command payload ends early');
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  private str(): string | null {
    const buf = this.buf;
    if (this.pos + 2 > this.end) throw new RangeError('command payload ends early');
    const n = this.view.getUint16(this.pos, true);
    const start = this.pos + 2;
    if (n === ABSENT) {
      this.pos = start;
      return null;
    }
    if (start + n > this.end) throw new RangeError('command payload ends early');
    this.pos = start + n;
    if (n <= SHORT_STRING) {
      // Replay decodes the same few user ids, pairs and assets over and over: a direct-mapped cache of
      // short ASCII strings hands back the string decoded last time (no native call, no new string,
      // and the engine's map lookups reuse its cached hash).
      let hash = n;
      let high = 0;
      for (let i = start; i < start + n; i++) {
        const b = buf[i];
        high |= b;
        hash = Math.imul(hash ^ b, 0x01000193);
      }
      if (high < 0x80) {
        const slot = hash & (STRING_CACHE_SIZE - 1);
        const cached = this.strings[slot];
        if (sameAscii(cached, buf, start, n)) return cached;
        const s = buf.toString('latin1', start, start + n);
        this.strings[slot] = s;
        return s;
      }
    }
    return buf.toString('utf8', start, start + n);
  }
}

const STRING_CACHE_SIZE = 4096;

function sameAscii(s: string, buf: Buffer, start: number, n: number): boolean {
  if (s.length !== n) return false;
  for (let i = 0; i < n; i++) if (s.charCodeAt(i) !== buf[start + i]) return false;
  return true;
}

const reader = new CommandReader();
const transientReader = new CommandReader(true);

/** Decodes one command; throws on a malformed payload (a checksummed journal record never is). */
export function decodeCommand(payload: Uint8Array): Command {
  return reader.read(payload);
}

/**
 * Decodes one command into an object that the next call reuses (orders and cancels, the bulk of a
 * journal): for replay, which executes each command at once and keeps nothing, so that a million
 * records do not make a million objects for the collector.
 */
export function decodeTransient(buf: Buffer, start: number, end: number): Command {
  return transientReader.readAt(buf, start, end);
}

/** Call when a replay is over, so the decoder no longer holds the journal's read buffer. */
export function releaseTransientDecoder(): void {
  transientReader.release();
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** One object shape for every decoded order (absent fields undefined, not missing): the engine then
 * sees monomorphic objects on replay, as it does from the sequencer's stampCommand live. */
function emptyPlace(): Mutable<PlaceOrderCommand> {
  return {
    type: 'placeOrder',
    time: 0,
    userId: '',
    pair: '',
    side: 'buy',
    orderType: 'limit',
    price: undefined,
    amount: undefined,
    quoteAmount: undefined,
    timeInForce: undefined,
    postOnly: undefined,
    clientOrderId: undefined,
    maxSlippageBps: undefined,
    selfTradePrevention: undefined,
  };
}
