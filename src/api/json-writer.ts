/**
 * JSON written straight into bytes. The order results are the hot path of the API (a batch answers up
 * to 1,000 of them, ~400 bytes each): building them as strings made V8 assemble ropes of ~35 pieces per
 * order and flatten and UTF-8-encode them again on the way out, which cost more than matching the order.
 * Here numbers and decimals are written digit by digit and ASCII text byte by byte into one growing
 * buffer; only text a client chose (user ids, client order ids, messages) may take the slow path.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const DOT = 0x2e;
const MINUS = 0x2d;
const ZERO = 0x30;

export class JsonWriter {
  private buf: Buffer;
  private len = 0;
  /** digits of the number being written, least significant first */
  private readonly digits = new Uint8Array(24);

  constructor(initialBytes = 4096) {
    this.buf = Buffer.allocUnsafe(initialBytes);
  }

  get length(): number {
    return this.len;
  }

  /** Starts over, keeping the buffer (a writer reused across requests allocates nothing). */
  reset(): this {
    this.len = 0;
    return this;
  }

  /** The bytes written (a view of the buffer: copy it, or use it before the next reset). */
  bytes(): Buffer {
    return this.buf.subarray(0, this.len);
  }

  /** A copy of the bytes written, safe to keep across resets. */
  take(): Buffer {
    return Buffer.from(this.bytes());
  }

  text(): string {
    return this.buf.toString('utf8', 0, this.len);
  }

  /** Text known to be ASCII and to need no JSON escaping (keys, punctuation, enums, server-made values). */
  raw(s: string): this {
    const n = s.length;
    this.room(n);
    const buf = this.buf;
    let at = this.len;
    for (let i = 0; i < n; i++) buf[at++] = s.charCodeAt(i);
    this.len = at;
    return this;
  }

  /** Any text as a JSON string: quoted and escaped (JSON.stringify's escaping, UTF-8 encoded). */
  str(s: string): this {
    const n = s.length;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x20 || c > 0x7e || c === QUOTE || c === BACKSLASH) return this.utf8(JSON.stringify(s));
    }
    this.room(n + 2);
    this.buf[this.len++] = QUOTE;
    this.raw(s);
    this.buf[this.len++] = QUOTE;
    return this;
  }

  /** A string or null. */
  strOrNull(s: string | null): this {
    return s === null ? this.raw('null') : this.str(s);
  }

  /** An integer (a safe integer: its digits are exact). */
  int(value: number): this {
    this.room(24);
    let v = value;
    if (v < 0) {
      this.buf[this.len++] = MINUS;
      v = -v;
    }
    const count = this.collectDigits(v);
    for (let i = count - 1; i >= 0; i--) this.buf[this.len++] = ZERO + this.digits[i];
    return this;
  }

  /** An integer count of 10^-scale units as a decimal with exactly `scale` decimals, unquoted (formatUnits). */
  units(value: number, scale: number): this {
    this.room(26 + scale);
    let v = value;
    if (v < 0) {
      this.buf[this.len++] = MINUS;
      v = -v;
    }
    const count = this.collectDigits(v);
    const buf = this.buf;
    let at = this.len;
    if (count <= scale) {
      buf[at++] = ZERO;
      buf[at++] = DOT;
      for (let i = count; i < scale; i++) buf[at++] = ZERO;
      for (let i = count - 1; i >= 0; i--) buf[at++] = ZERO + this.digits[i];
    } else {
      for (let i = count - 1; i >= 0; i--) {
        buf[at++] = ZERO + this.digits[i];
        if (i === scale && scale > 0) buf[at++] = DOT;
      }
    }
    this.len = at;
    return this;
  }

  /** `units` as a JSON string. */
  unitsText(value: number, scale: number): this {
    this.room(1);
    this.buf[this.len++] = QUOTE;
    this.units(value, scale);
    this.room(1);
    this.buf[this.len++] = QUOTE;
    return this;
  }

  private utf8(s: string): this {
    this.room(s.length * 3);
    this.len += this.buf.write(s, this.len, 'utf8');
    return this;
  }

  /** Fills `digits` (least significant first; at least one) and returns how many. */
  private collectDigits(v: number): number {
    let count = 0;
    do {
      const q = Math.floor(v / 10);
      this.digits[count++] = v - q * 10;
      v = q;
    } while (v > 0);
    return count;
  }

  private room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.len + n));
    this.buf.copy(bigger, 0, 0, this.len);
    this.buf = bigger;
  }
}
