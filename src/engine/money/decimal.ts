/**
 * The one place where decimal strings meet integers. Money inside HOOATS is always an integer count of
 * the smallest unit (ticks, lots, asset atoms); this module parses and formats those at the edge.
 * No binary float ever holds money: JSON numbers are turned into their shortest decimal text first.
 */

const PLAIN_DECIMAL = /^(\d+)(?:\.(\d+))?$/;
const EXPONENT_FORM = /^(\d+)(?:\.(\d+))?e([+-]?\d+)$/i;

/** Normalises a JSON value to a plain unsigned decimal string ("1.05"), or null if it is not one. */
export function toDecimalText(value: unknown): string | null {
  if (typeof value === 'string') {
    return PLAIN_DECIMAL.test(value) ? value : null;
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) return null;
    const text = String(value);
    if (PLAIN_DECIMAL.test(text)) return text;
    return expandExponent(text);
  }
  return null;
}

/** "1.5e-7" → "0.00000015" (the shortest round-trip text of a double, written without exponent). */
function expandExponent(text: string): string | null {
  const match = EXPONENT_FORM.exec(text);
  if (match === null) return null;
  const digits = match[1] + (match[2] ?? '');
  const exponent = Number(match[3]) - (match[2]?.length ?? 0);
  if (Math.abs(exponent) > 400) return null;
  if (exponent >= 0) return digits + '0'.repeat(exponent);
  const padded = digits.padStart(-exponent + 1, '0');
  return padded.slice(0, exponent) + '.' + padded.slice(exponent);
}

/**
 * Parses a decimal into an integer count of 10^-scale units, exactly.
 * Returns null when the text is malformed, has non-zero digits finer than the scale, or the result is
 * not a safe integer (beyond 2^53 - 1 integers stop being exact in a double).
 */
export function parseUnits(value: unknown, scale: number): number | null {
  if (typeof value === 'string') return parseUnitsText(value, scale);
  const text = toDecimalText(value);
  if (text === null) return null;
  const dot = text.indexOf('.');
  let whole = dot < 0 ? text : text.slice(0, dot);
  let fraction = dot < 0 ? '' : text.slice(dot + 1);
  fraction = fraction.replace(/0+$/, '');
  if (fraction.length > scale) return null;
  whole = whole.replace(/^0+(?=\d)/, '');
  const digits = whole + fraction.padEnd(scale, '0');
  if (digits.length > 16) return null;
  const units = Number(digits);
  return Number.isSafeInteger(units) ? units : null;
}

const ZERO = 48;
const NINE = 57;
const DOT = 46;

/**
 * parseUnits of a string in one pass over its characters, without the regular expression and the
 * slices: every order carries two or three of these. The same rules (test/decimal.test.ts checks it
 * against the text-based definition on random strings): digits, optionally "." and digits; trailing
 * fraction zeros dropped; nothing finer than the scale; at most 16 digits once leading zeros are
 * dropped; a safe integer.
 */
function parseUnitsText(text: string, scale: number): number | null {
  const length = text.length;
  let i = 0;
  let whole = 0;
  let wholeDigits = 0; // significant: after leading zeros
  for (; i < length; i++) {
    const c = text.charCodeAt(i);
    if (c < ZERO || c > NINE) break;
    if (wholeDigits > 0 || c !== ZERO) {
      whole = whole * 10 + (c - ZERO);
      wholeDigits++;
    }
  }
  if (i === 0) return null;
  let fraction = 0;
  let fractionDigits = 0; // up to the last non-zero digit
  if (i < length) {
    if (text.charCodeAt(i) !== DOT || i === length - 1) return null;
    let pending = 0; // zeros seen since the last non-zero fraction digit
    for (i++; i < length; i++) {
      const c = text.charCodeAt(i);
      if (c < ZERO || c > NINE) return null;
      if (c === ZERO) {
        pending++;
        continue;
      }
      fractionDigits += pending + 1;
      if (fractionDigits > scale) return null;
      fraction = fraction * 10 ** (pending + 1) + (c - ZERO);
      pending = 0;
    }
  }
  // the text form has max(wholeDigits, 1) + scale digits; beyond 16 it is refused
  if (Math.max(wholeDigits, 1) + scale > 16) return null;
  const units = whole * 10 ** scale + fraction * 10 ** (scale - fractionDigits);
  return Number.isSafeInteger(units) ? units : null;
}

/** Formats an integer count of 10^-scale units as a decimal string with exactly `scale` decimals. */
export function formatUnits(units: number, scale: number): string {
  const negative = units < 0;
  const digits = String(negative ? -units : units);
  if (scale === 0) return negative ? '-' + digits : digits;
  const padded = digits.padStart(scale + 1, '0');
  const text = padded.slice(0, padded.length - scale) + '.' + padded.slice(padded.length - scale);
  return negative ? '-' + text : text;
}

/** Number of decimals in a decimal text once trailing zeros are dropped ("0.0100" → 2). */
export function decimalsOf(text: string): number {
  const dot = text.indexOf('.');
  if (dot < 0) return 0;
  return text.slice(dot + 1).replace(/0+$/, '').length;
}

/** 10^n as a safe integer; throws for a bug (n outside what a double holds exactly). */
export function pow10(n: number): number {
  if (!Number.isInteger(n) || n < 0 || n > 15) throw new RangeError(`pow10(${n}) is not a safe integer`);
  return 10 ** n;
}
