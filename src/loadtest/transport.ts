/**
 * How orders reach the server. Each transport turns an Op into one request (or a share of a batch) and
 * resolves with its outcome; it never rejects: a network failure or a timeout is an outcome too.
 */
import type { Op, OrderState } from './order-flow.js';
import type { Outcome } from './scheduler.js';

export type TransportKind = 'http' | 'batch' | 'ws';

export interface TransportOutcome extends Outcome {
  /** the order as answered (placed or cancelled), when the answer carried one */
  readonly order?: OrderState;
}

export interface Transport {
  readonly kind: TransportKind;
  send(op: Op): Promise<TransportOutcome>;
  close(): Promise<void>;
}

export const OK: TransportOutcome = Object.freeze({ ok: true, code: null });

/** The outcome of an answered order or cancel body ({order, ...}). */
export function okOutcome(body: any): TransportOutcome {
  const order = body?.order;
  if (order === undefined || order === null || typeof order.id !== 'string') return OK;
  return { ok: true, code: null, order: { id: order.id, status: String(order.status) } };
}

/** A refused request; a cancel refused with NOT_FOUND is a miss (already filled or cancelled). */
export function errorOutcome(op: Op, code: string): TransportOutcome {
  if (op.kind === 'cancel' && code === 'NOT_FOUND') return { ok: false, code, cancelMiss: true };
  return { ok: false, code };
}

export function thrownOutcome(err: unknown): TransportOutcome {
  const code = (err as { code?: unknown } | null)?.code;
  return { ok: false, code: typeof code === 'string' ? code : 'NETWORK_ERROR' };
}
