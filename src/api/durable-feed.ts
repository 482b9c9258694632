/**
 * The API's one subscription to the backend's durable events (the sequencer's, or Redis streams'). It hands each durable command's events
 * to the consumers (recent history, book mirror, WebSocket fan-out, stats) in sequence order and knows
 * how far it got, so a reply can wait until what it confirms is visible everywhere: `settle(seq)` resolves
 * once the journal holds `seq` AND its events have been published (a GET right after a 201 sees them).
 */
import type { EngineEvent } from '../engine/events.js';
import { ApiError } from './api-error.js';
import type { EventSource } from './backend.js';

export type FeedConsumer = (seq: number, events: readonly EngineEvent[]) => void;

interface Waiter {
  readonly seq: number;
  readonly resolve: () => void;
}

export class DurableFeed {
  /** last sequence number whose events were published (recovered state counts as published) */
  private published: number;
  private waiters: Waiter[] = [];
  private readonly consumers: FeedConsumer[] = [];
  private readonly unsubscribe: () => void;

  constructor(
    private readonly source: EventSource,
    private readonly onConsumerError: (err: unknown, seq: number) => void,
  ) {
    this.published = source.lastSeq;
    this.unsubscribe = source.onDurable((seq, events) => this.publish(seq, events));
  }

  get seq(): number {
    return this.published;
  }

  add(consumer: FeedConsumer): void {
    this.consumers.push(consumer);
  }

  /** Resolves once `seq` is durable and published; rejects with UNAVAILABLE if the journal failed. */
  async settle(seq: number): Promise<void> {
    if (seq <= this.published) return;
    try {
      await this.source.whenDurable(seq);
    } catch {
      // the journal failed: what was executed may be lost, so nothing about it may be confirmed
      throw new ApiError('UNAVAILABLE');
    }
    if (seq <= this.published) return;
    // durable but the sequencer's publish callback has not run yet: it runs in this same turn
    await new Promise<void>((resolve) => this.waiters.push({ seq, resolve }));
  }

  close(): void {
    this.unsubscribe();
    for (const w of this.waiters) w.resolve();
    this.waiters = [];
  }

  private publish(seq: number, events: readonly EngineEvent[]): void {
    for (const consumer of this.consumers) {
      try {
        consumer(seq, events);
      } catch (err) {
        this.onConsumerError(err, seq);
      }
    }
    this.published = seq;
    if (this.waiters.length === 0) return;
    const ready = this.waiters.filter((w) => w.seq <= seq);
    if (ready.length === 0) return;
    this.waiters = this.waiters.filter((w) => w.seq > seq);
    for (const w of ready) w.resolve();
  }
}
