/**
 * The default backend: the in-memory engine behind the sequencer's journal. Commands run at once and are
 * answered once the journal holds them and their events are published (DurableFeed.settle), so a batch
 * costs one group commit. Reads see the live engine and wait until what they saw is durable.
 */
import type { CommandResult } from '../engine/events.js';
import type { CommandInput, Sequencer } from '../sequencer/sequencer.js';
import type { Backend, BackendHealth, StateReads } from './backend.js';
import type { DurableFeed } from './durable-feed.js';

export class JournalBackend implements Backend {
  readonly kind = 'journal';
  /** set by buildApp once the feed exists (the feed subscribes to this backend's events) */
  private feed: DurableFeed | null = null;

  constructor(readonly sequencer: Sequencer) {}

  get catalogue() {
    return this.sequencer.engine.catalogue;
  }

  get events(): Sequencer {
    return this.sequencer;
  }

  attach(feed: DurableFeed): void {
    this.feed = feed;
  }

  initialBooks() {
    const engine = this.sequencer.engine;
    return engine.catalogue.markets.map((spec) => engine.depth(spec.pair)!);
  }

  async executeAll(cmds: readonly CommandInput[]): Promise<CommandResult[]> {
    const results: CommandResult[] = new Array(cmds.length);
    // a rejection is answered after what came before it is durable, like any other answer
    let last = this.sequencer.lastSeq;
    for (let i = 0; i < cmds.length; i++) {
      const executed = this.sequencer.execute(cmds[i]);
      results[i] = executed.result;
      if (executed.ackAfter > last) last = executed.ackAfter;
    }
    await this.settle(last);
    return results;
  }

  async read<T>(read: (state: StateReads) => T | Promise<T>): Promise<{ value: T; seq: number }> {
    const seq = this.sequencer.lastSeq;
    const value = await read(this.sequencer.engine);
    await this.settle(seq);
    return { value, seq };
  }

  async health(): Promise<BackendHealth> {
    const s = this.sequencer;
    return {
      healthy: s.healthy,
      detail: {
        journal: { healthy: s.healthy, lastSeq: s.lastSeq, durableSeq: s.durableSeq, ...s.journalStats },
        recovery: s.recovery,
      },
    };
  }

  onStoreSync(observer: (seconds: number) => void): () => void {
    return this.sequencer.onJournalSync(observer);
  }

  counters(): Record<string, number> {
    const { flushes, fileSyncs, bytesWritten } = this.sequencer.journalStats;
    return { journalFlushes: flushes, journalFsyncs: fileSyncs, journalBytes: bytesWritten, durableSeq: this.sequencer.durableSeq };
  }

  private settle(seq: number): Promise<void> {
    if (this.feed === null) throw new Error('bug: JournalBackend used before buildApp attached its feed');
    return this.feed.settle(seq);
  }
}
