import { reject, type Rejection } from '../errors.js';

/**
 * Checks on command fields that every command type shares, used alike by the in-memory engine and
 * the Redis planner so that both refuse the same commands with the same code. Commands reach the
 * engine from the API, which validates them, but also from journals and other callers: the core takes
 * any value in any field without throwing.
 */

/** String.prototype.isWellFormed (ES2024, in Node >= 20) is not in the ES2022 lib typings. */
const wellFormed = (s: string): boolean => (s as unknown as { isWellFormed(): boolean }).isWellFormed();

/**
 * A user id or clientOrderId the engine can keep: a non-empty string without a lone UTF-16 surrogate
 * (UTF-8 storage, the journal's and Redis's, would turn that into U+FFFD: another id on replay).
 */
export function isIdText(v: unknown): v is string {
  return typeof v === 'string' && v.length > 0 && wellFormed(v);
}

/**
 * A cancel's clientOrderId that is not id text names no order that could exist: refused as malformed
 * (VALIDATION_ERROR, as the journal's codec refuses a lone surrogate), not looked up.
 */
export function invalidClientOrderId(v: unknown): Rejection | null {
  return isIdText(v) ? null : reject('VALIDATION_ERROR', 'clientOrderId must be a non-empty string of well-formed text');
}

/**
 * A command's time: whole milliseconds ≥ 0. Orders keep it (createdAt, trade times) and streams and
 * history record it; -0 is refused too, as JSON and Redis would give it back as 0.
 */
export function invalidTime(time: unknown): Rejection | null {
  return Number.isSafeInteger(time) && (time as number) >= 0 && !Object.is(time, -0)
    ? null
    : reject('VALIDATION_ERROR', 'time must be whole milliseconds ≥ 0');
}

/** A field's value for a rejection message, whatever a caller sent (String() throws on a null-prototype object). */
export function shown(v: unknown): string {
  return typeof v === 'object' && v !== null ? Object.prototype.toString.call(v) : String(v);
}
