/** What the routes and the WebSocket server share: built once by buildApp, passed to each. */
import type { FastifyBaseLogger } from 'fastify';
import type { AppConfig } from '../config/config.js';
import { parseCursor } from '../history/format.js';
import { ApiError } from './api-error.js';
import type { ApiStats } from './api-stats.js';
import type { Authenticator } from './auth.js';
import type { Backend, StateReads } from './backend.js';
import type { BookMirror } from './book-mirror.js';
import type { DurableFeed } from './durable-feed.js';
import type { HistoryService } from './history-service.js';
import type { Markets } from './markets.js';
import type { OrderEntry } from './order-entry.js';
import type { PrometheusMetrics } from './prometheus.js';
import type { RateLimiter } from './rate-limit.js';

export interface AppContext {
  readonly config: AppConfig;
  /** where the state lives: the journaled engine or Redis */
  readonly backend: Backend;
  readonly markets: Markets;
  /** the order and trade history; null when the server runs without one (history reads answer 503) */
  readonly history: HistoryService | null;
  readonly mirror: BookMirror;
  readonly feed: DurableFeed;
  readonly entry: OrderEntry;
  readonly auth: Authenticator;
  readonly limiter: RateLimiter | null;
  readonly stats: ApiStats;
  readonly prom: PrometheusMetrics;
  readonly log: FastifyBaseLogger;
  readonly now: () => number;
  /** set when shutdown starts: new requests are refused, answered connections are ended */
  readonly lifecycle: { closing: boolean };
}

/**
 * Reads the state and answers only once everything it may include is durable and published (the
 * journaled engine applies commands before the journal holds them, so a read could otherwise show a
 * command a crash would take back). `after` runs once settled.
 */
export async function durableRead<T, U = T>(ctx: AppContext, read: (state: StateReads) => T | Promise<T>, after?: (value: T) => U): Promise<U> {
  const { value } = await ctx.backend.read(read);
  return after === undefined ? (value as unknown as U) : after(value);
}

/**
 * durableRead that also returns the sequence number the state was read at (everything up to it is
 * durable and published when this resolves), for answers that combine the state with the history.
 */
export function durableReadAt<T>(ctx: AppContext, read: (state: StateReads) => T | Promise<T>): Promise<{ value: T; seq: number }> {
  return ctx.backend.read(read);
}

/** A `?cursor=` (schema-checked digits) → the id the store pages by; undefined when absent. */
export function cursorOf(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const cursor = parseCursor(text);
  if (cursor === null) throw new ApiError('VALIDATION_ERROR', 'cursor must be the nextCursor of a previous page');
  return cursor;
}

export function marketOf(ctx: AppContext, pair: string) {
  const m = ctx.markets.get(pair);
  if (m === undefined) throw new ApiError('UNKNOWN_PAIR', `unknown pair ${pair}`);
  return m;
}
