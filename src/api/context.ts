/** What the routes and the WebSocket server share: built once by buildApp, passed to each. */
import type { FastifyBaseLogger } from 'fastify';
import type { AppConfig } from '../config/config.js';
import type { Sequencer } from '../sequencer/sequencer.js';
import { ApiError } from './api-error.js';
import type { ApiStats } from './api-stats.js';
import type { Authenticator } from './auth.js';
import type { BookMirror } from './book-mirror.js';
import type { DurableFeed } from './durable-feed.js';
import type { Markets } from './markets.js';
import type { OrderEntry } from './order-entry.js';
import type { PrometheusMetrics } from './prometheus.js';
import type { RateLimiter } from './rate-limit.js';
import type { RecentHistory } from './recent-history.js';

export interface AppContext {
  readonly config: AppConfig;
  readonly sequencer: Sequencer;
  readonly markets: Markets;
  readonly history: RecentHistory;
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
 * Reads engine state and answers only once everything it may include is durable and published: the
 * engine applies commands before the journal holds them, so `read` could see a command a crash would
 * take back. `after` runs once settled (reads of the recent history belong there).
 */
export async function durableRead<T, U = T>(ctx: AppContext, read: () => T, after?: (value: T) => U): Promise<U> {
  const seen = ctx.sequencer.lastSeq;
  const value = read();
  await ctx.feed.settle(seen);
  return after === undefined ? (value as unknown as U) : after(value);
}

export function marketOf(ctx: AppContext, pair: string) {
  const m = ctx.markets.get(pair);
  if (m === undefined) throw new ApiError('UNKNOWN_PAIR', `unknown pair ${pair}`);
  return m;
}
