/**
 * The order and trade history as the server runs it (docs/history.md): the store (PostgreSQL with
 * DATABASE_URL, else the SQLite file in the data dir), the HistoryWriter subscribed to the sequencer's
 * durable events and registered as a late reader of the journal (so snapshot pruning keeps what a
 * catch-up needs), and the formatter the routes answer with.
 *
 * Start it after Sequencer.open and before the first command (main.ts, test/api/helpers.ts); close it
 * after sequencer.close(), so that the writer sees the last durable commands and the final snapshot's
 * pruning still respects it.
 */
import pg from 'pg';
import { ForwardingStore } from '../history/forwarding-store.js';
import { HistoryFormatter } from '../history/format.js';
import { HistoryWriter, type HistoryWriterLog, type HistoryWriterOptions, type HistoryWriterStatus } from '../history/history-writer.js';
import { openHistoryStore } from '../history/open-store.js';
import { PgHistoryStore, type PgStoreLog } from '../history/pg-store.js';
import type { HistoryBatch, HistoryStore } from '../history/types.js';
import type { Sequencer } from '../sequencer/sequencer.js';
import type { EventListener } from './backend.js';
import type { MarketCatalogue } from '../engine/market.js';
import type { CatchUpSource } from '../history/catch-up.js';

/**
 * Where the writer's durable events come from: the sequencer's group commits (journalHistoryFeed), or
 * in Redis mode the merged event streams (RedisBackend.historyFeed).
 */
export interface HistoryFeed {
  readonly catalogue: MarketCatalogue;
  /** the last command whose events are durable and delivered */
  readonly durableSeq: number;
  onDurable(listener: EventListener): () => void;
  /** where a writer that fell behind gets the events again; absent: the journal in the data dir */
  readonly catchUp?: CatchUpSource;
  /** registers what the writer may still have to read, so pruning keeps it (the journal's files) */
  retain?(from: () => number): () => void;
}

/** The sequencer as the history's feed: catch-up replays its journal, which pruning keeps for it. */
export function journalHistoryFeed(sequencer: Sequencer): HistoryFeed {
  return {
    catalogue: sequencer.engine.catalogue,
    get durableSeq() {
      return sequencer.durableSeq;
    },
    onDurable: (listener) => sequencer.onDurable(listener),
    retain: (from) => sequencer.retain(from),
  };
}

export interface HistoryServiceOptions {
  readonly feed: HistoryFeed;
  readonly dataDir: string;
  /** null: SQLite in dataDir */
  readonly databaseUrl: string | null;
  readonly log?: HistoryWriterLog & PgStoreLog;
  /** a store to use instead of opening one from the configuration (tests: another schema, injected outages) */
  readonly store?: HistoryStore;
  /** writer tuning (tests: shorter back-off) */
  readonly writer?: Partial<Omit<HistoryWriterOptions, 'store' | 'markets' | 'dataDir' | 'durableSeq' | 'log'>>;
}

export interface HistoryPoolOptions {
  readonly connectionString: string;
  /** shows in pg_stat_activity (default hooats-history) */
  readonly applicationName?: string;
}

/**
 * The PostgreSQL pool of the history store, as openHistoryStore would build it, plus one thing: every
 * connection gets an 'error' listener. pg emits 'error' on a connection that is checked out (inside the
 * store's write transaction, between two statements) when the server ends it — a database restart,
 * pg_terminate_backend — and an 'error' event nobody listens to kills the process: the whole exchange,
 * for a history it does not need. With the listener the statement in flight still fails (the writer
 * retries) and the broken connection is discarded when released.
 */
export function createHistoryPool(options: HistoryPoolOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: 4,
    connectionTimeoutMillis: 5_000,
    query_timeout: 60_000,
    application_name: options.applicationName ?? 'hooats-history',
  });
  pool.on('connect', (client) => client.on('error', () => undefined));
  return pool;
}

/** The store, counting its failed writes for /metrics (the writer itself only knows consecutive failures). */
class CountingStore extends ForwardingStore {
  writeFailures = 0;
  readonly kind: HistoryStore['kind'];

  constructor(
    readonly inner: HistoryStore,
    /** a pool made for the store (a store given a pool does not end it) */
    private readonly pool: pg.Pool | null,
  ) {
    super(inner);
    this.kind = inner.kind;
  }

  async write(batch: HistoryBatch): Promise<void> {
    try {
      await this.inner.write(batch);
    } catch (err) {
      this.writeFailures++;
      throw err;
    }
  }
  async close(): Promise<void> {
    await this.inner.close();
    await this.pool?.end();
  }
}

export class HistoryService {
  /** failed history queries of the API (answered 503) */
  readFailures = 0;
  private closed = false;

  private constructor(
    private readonly counting: CountingStore,
    readonly writer: HistoryWriter,
    readonly formatter: HistoryFormatter,
    private readonly detach: () => void,
  ) {}

  /**
   * Opens the store (SQLite: created and migrated now, a failure is thrown; PostgreSQL: connects on first
   * use, so a database that is down at start only delays the history), subscribes and starts the writer.
   */
  static async start(options: HistoryServiceOptions): Promise<HistoryService> {
    const { feed } = options;
    let store = options.store;
    let pool: pg.Pool | null = null;
    if (store === undefined && options.databaseUrl !== null && options.databaseUrl !== '') {
      pool = createHistoryPool({ connectionString: options.databaseUrl });
      // connects on first use: a database that is down at start only delays the history
      store = new PgHistoryStore({ pool, log: options.log });
    }
    store ??= await openHistoryStore({ databaseUrl: null, dataDir: options.dataDir });
    const counting = new CountingStore(store, pool);
    const writer = new HistoryWriter({
      ...options.writer,
      store: counting,
      markets: feed.catalogue,
      dataDir: options.dataDir,
      catchUpSource: feed.catchUp,
      durableSeq: () => feed.durableSeq,
      log: options.log,
    });
    // before the first command: every durable command after the stored progress reaches the writer,
    // either live or regenerated from the journal (which pruning now keeps for it) or the streams
    const unsubscribe = feed.onDurable(writer.listener);
    const unretain = feed.retain?.(() => writer.retainFrom()) ?? (() => {});
    writer.start();
    return new HistoryService(counting, writer, new HistoryFormatter(feed.catalogue), () => {
      unsubscribe();
      unretain();
    });
  }

  get store(): HistoryStore {
    return this.counting;
  }

  get kind(): HistoryStore['kind'] {
    return this.counting.kind;
  }

  get writeFailures(): number {
    return this.counting.writeFailures;
  }

  status(): HistoryWriterStatus {
    return this.writer.status();
  }

  /**
   * Shutdown, after sequencer.close(): waits up to `flushMs` for the store to hold every durable command,
   * stops the writer and closes the store. What is not written then is caught up at the next start.
   * Returns whether everything was written.
   */
  async close(flushMs: number): Promise<boolean> {
    if (this.closed) return true;
    this.closed = true;
    const flushed = flushMs > 0 ? await this.writer.flush(flushMs) : this.writer.lag === 0;
    await this.writer.close();
    this.detach();
    await this.counting.close();
    return flushed;
  }
}
