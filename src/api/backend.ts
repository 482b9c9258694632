/**
 * What the API needs from the exchange's state, whichever store holds it: the journaled in-memory
 * engine (JournalBackend, the default) or Redis (RedisBackend, HOOATS_STORE=redis). Routes and the
 * WebSocket server only talk to this.
 */
import type { BookDepth } from '../engine/engine.js';
import type { CommandResult, OrderView } from '../engine/events.js';
import type { MarketCatalogue } from '../engine/market.js';
import type { EngineEvent } from '../engine/events.js';
import type { CommandInput } from '../sequencer/sequencer.js';

export type Balances = Record<string, { available: number; locked: number }>;

/** Reads of the current state; the backend makes sure what they show is durable before it is answered. */
export interface StateReads {
  balances(userId: string): Balances | Promise<Balances>;
  openOrder(orderId: number): OrderView | null | Promise<OrderView | null>;
  openOrders(userId: string, pair: string | null): OrderView[] | Promise<OrderView[]>;
  depth(pair: string, levels?: number): BookDepth | null | Promise<BookDepth | null>;
  openOrderCount(): number | Promise<number>;
}

/** A command's durable events, with its sequence number and its time (null where the source lacks it). */
export type EventListener = (seq: number, events: readonly EngineEvent[], time: number | null) => void;

/**
 * Where the durable events come from, in order, each with a rising sequence number: the sequencer's
 * group commits, or the merged Redis streams. DurableFeed subscribes to one.
 */
export interface EventSource {
  /** the last sequence number already reflected in the state the feed starts from */
  readonly lastSeq: number;
  onDurable(listener: EventListener): () => void;
  /** resolves once `seq` has been delivered to the listeners (or is durable, for the journal) */
  whenDurable(seq: number): Promise<void>;
}

export interface BackendHealth {
  readonly healthy: boolean;
  /** the store's own figures for /api/health (journal sequence numbers, Redis connection...) */
  readonly detail: Record<string, unknown>;
}

export interface Backend {
  readonly kind: 'journal' | 'redis';
  readonly catalogue: MarketCatalogue;
  readonly events: EventSource;
  /**
   * Each market's book at or after `events.lastSeq`, for the WebSocket snapshots' mirror (which skips
   * the book events a book already includes, by their per-market `seq`).
   */
  initialBooks(): BookDepth[];
  /**
   * Runs commands in order; resolves once all are durable and their events published locally.
   * Results are in input order. Rejects with ApiError UNAVAILABLE when the store cannot take them.
   */
  executeAll(cmds: readonly CommandInput[]): Promise<CommandResult[]>;
  /** `read` against the state; answers once what it may include is durable, with the sequence read at */
  read<T>(read: (state: StateReads) => T | Promise<T>): Promise<{ value: T; seq: number }>;
  health(): Promise<BackendHealth>;
  /** Prometheus/performance counters of the store (journal flushes and fsyncs), when it has them */
  counters(): Record<string, number>;
  /** Observes the duration in seconds of each fsync the store does (the journal's), when it does any */
  onStoreSync?(observer: (seconds: number) => void): () => void;
}
