/**
 * The embedded history store: one SQLite file (better-sqlite3) in the data directory, WAL mode.
 * synchronous=NORMAL: a power cut may lose the last transactions, never corrupt the file; what is lost
 * is regenerated from the journal, since the progress row travels in the same transaction as the rows.
 * better-sqlite3 is synchronous; the async methods only give it the store interface's shape.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { candlesOf } from './candles.js';
import {
  CANDLE_COLUMNS,
  CANDLE_MERGE_SET,
  FILL_COLUMNS,
  ORDER_COLUMNS,
  ORDER_EVENT_COLUMNS,
  ORDER_UPSERT_SET,
  ORDER_UPSERT_WHERE,
  TRADE_COLUMNS,
  assertLimit,
  candlesSql,
  combineAggregates,
  fillsSql,
  ordersSql,
  pageOf,
  sortCandles,
  tickerSql,
  toAggregate,
  toCandle,
  toFill,
  toOrder,
  toOrderEvent,
  toTrade,
  tradesSql,
  type Row,
  type Sql,
} from './sql-common.js';
import { SQLITE_MIGRATIONS } from './sqlite-schema.js';
import type {
  CandleRecord,
  CandlesQuery,
  FillRecord,
  FillsQuery,
  HistoryBatch,
  HistoryDump,
  HistoryStore,
  OrderEventRecord,
  OrderRecord,
  OrdersQuery,
  Page,
  TickerStats,
  TradeRecord,
  TradesQuery,
} from './types.js';

export const SQLITE_FILE_NAME = 'history.sqlite';

export interface SqliteStoreOptions {
  /** the file is `${dataDir}/history.sqlite` */
  readonly dataDir?: string;
  /** or an explicit path (":memory:" for tests) */
  readonly file?: string;
}

const same = (t: string): string => t;
const placeholders = (n: number): string => Array.from({ length: n }, () => '?').join(', ');

interface WriteStatements {
  readonly insertOrderEvent: Database.Statement;
  readonly upsertOrder: Database.Statement;
  readonly insertFill: Database.Statement;
  readonly insertTrade: Database.Statement;
  readonly upsertCandle: Database.Statement;
  readonly setProgress: Database.Statement;
  readonly transaction: Database.Transaction<(batch: HistoryBatch) => void>;
}

export class SqliteHistoryStore implements HistoryStore {
  readonly kind = 'sqlite' as const;
  private readonly db: Database.Database;
  private readonly w: WriteStatements | null;
  private readonly readProgress: Database.Statement;
  private readonly statements = new Map<string, Database.Statement>();

  private constructor(file: string, readonly: boolean) {
    this.db = new Database(file, { readonly, fileMustExist: readonly });
    this.db.pragma('busy_timeout = 5000');
    if (!readonly) {
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = NORMAL');
      // fewer, larger checkpoints: each one fsyncs the database file
      this.db.pragma('wal_autocheckpoint = 10000');
      migrate(this.db);
    }
    this.w = readonly ? null : this.prepareWrites();
    this.readProgress = this.db.prepare('SELECT last_seq FROM history_progress WHERE id = 1').pluck();
  }

  private prepareWrites(): WriteStatements {
    const db = this.db;
    const w = {
      insertOrderEvent: db.prepare(`INSERT INTO order_events (${ORDER_EVENT_COLUMNS}) VALUES (${placeholders(9)}) ON CONFLICT DO NOTHING`),
      upsertOrder: db.prepare(
        `INSERT INTO orders (${ORDER_COLUMNS}) VALUES (${placeholders(18)}) ` +
          `ON CONFLICT (id) DO UPDATE SET ${ORDER_UPSERT_SET} WHERE ${ORDER_UPSERT_WHERE}`,
      ),
      insertFill: db.prepare(`INSERT INTO fills (${FILL_COLUMNS}) VALUES (${placeholders(15)}) ON CONFLICT DO NOTHING`),
      insertTrade: db.prepare(`INSERT INTO trades (${TRADE_COLUMNS}) VALUES (${placeholders(15)}) ON CONFLICT DO NOTHING`),
      upsertCandle: db.prepare(
        `INSERT INTO candles (${CANDLE_COLUMNS}) VALUES (${placeholders(12)}) ON CONFLICT (pair, period, start) DO UPDATE SET ` +
          CANDLE_MERGE_SET.replaceAll('GREATEST_FN', 'max').replaceAll('LEAST_FN', 'min'),
      ),
      setProgress: db.prepare('UPDATE history_progress SET last_seq = max(last_seq, ?), updated_at = ? WHERE id = 1'),
    };
    return { ...w, transaction: db.transaction((batch: HistoryBatch) => this.writeRows(w, batch)) };
  }

  /** Opens (creating and migrating) the store for reading and writing. */
  static open(options: SqliteStoreOptions): SqliteHistoryStore {
    return new SqliteHistoryStore(fileOf(options, true), false);
  }

  /** A second, read-only connection to a store someone else writes (WAL: readers never wait for the writer). */
  static openReadOnly(options: SqliteStoreOptions): SqliteHistoryStore {
    return new SqliteHistoryStore(fileOf(options, false), true);
  }

  async persistedSeq(): Promise<number> {
    return Number(this.readProgress.get());
  }

  async write(batch: HistoryBatch): Promise<void> {
    if (this.w === null) throw new Error('this history store connection is read-only');
    this.w.transaction.immediate(batch);
  }

  private writeRows(w: Omit<WriteStatements, 'transaction'>, batch: HistoryBatch): void {
    for (const e of batch.orderEvents) {
      w.insertOrderEvent.run(e.orderId, e.seq, e.index, e.kind, e.status, e.amount, e.filled, e.cancelReason, e.time);
    }
    for (const o of batch.orders) {
      w.upsertOrder.run(
        o.id, o.clientOrderId, o.userId, o.pair, o.side, o.type, o.price, o.amount, o.filled, o.status, o.cancelReason,
        o.timeInForce, o.postOnly ? 1 : 0, o.quoteAmount, o.createdAt, o.updatedSeq, o.updatedIndex, o.updatedAt,
      );
    }
    for (const f of batch.fills) {
      w.insertFill.run(
        f.id, f.tradeId, f.orderId, f.userId, f.pair, f.side, f.liquidity, f.venue, f.price, f.amount, f.quote, f.fee,
        f.feeAsset, f.time, f.seq,
      );
    }
    // candles take only the trades that are new here, so writing a batch twice counts nothing twice
    const inserted: TradeRecord[] = [];
    for (const t of batch.trades) {
      const info = w.insertTrade.run(
        t.id, t.pair, t.price, t.amount, t.quote, t.takerSide, t.venue, t.takerOrderId, t.takerUserId, t.makerOrderId,
        t.makerUserId, t.takerFee, t.makerFee, t.time, t.seq,
      );
      if (info.changes > 0) inserted.push(t);
    }
    for (const c of candlesOf(inserted)) {
      w.upsertCandle.run(
        c.pair, c.interval, c.start, c.open, c.high, c.low, c.close, c.baseVolume, c.quoteVolume, c.trades, c.firstTradeId,
        c.lastTradeId,
      );
    }
    w.setProgress.run(batch.lastSeq, Date.now());
  }

  private statement(sql: string, bigints = false): Database.Statement {
    const key = bigints ? `B${sql}` : sql;
    let stmt = this.statements.get(key);
    if (stmt === undefined) {
      stmt = this.db.prepare(sql);
      if (bigints) stmt.safeIntegers(true);
      this.statements.set(key, stmt);
    }
    return stmt;
  }

  private all(q: Sql, bigints = false): Row[] {
    return this.statement(q.sql, bigints).all(...q.params) as Row[];
  }

  async order(userId: string, orderId: number): Promise<OrderRecord | null> {
    const row = this.statement(`SELECT ${ORDER_COLUMNS} FROM orders WHERE id = ? AND user_id = ?`).get(orderId, userId) as
      | Row
      | undefined;
    return row === undefined ? null : toOrder(row);
  }

  async orders(query: OrdersQuery): Promise<Page<OrderRecord>> {
    assertLimit(query.limit);
    return pageOf(this.all(ordersSql(same, query)).map(toOrder), query.limit);
  }

  async orderEvents(orderId: number): Promise<OrderEventRecord[]> {
    return this.all({ sql: `SELECT ${ORDER_EVENT_COLUMNS} FROM order_events WHERE order_id = ? ORDER BY seq, idx`, params: [orderId] }).map(
      toOrderEvent,
    );
  }

  async fills(query: FillsQuery): Promise<Page<FillRecord>> {
    assertLimit(query.limit);
    return pageOf(this.all(fillsSql(same, query)).map(toFill), query.limit);
  }

  async trades(query: TradesQuery): Promise<TradeRecord[]> {
    assertLimit(query.limit);
    return this.all(tradesSql(same, query)).map(toTrade);
  }

  async candles(query: CandlesQuery): Promise<CandleRecord[]> {
    assertLimit(query.limit);
    const q = candlesSql(same, query);
    const rows = this.all(q, true).map(toCandle);
    return q.descending ? rows.reverse() : rows;
  }

  async ticker(pair: string, now: number): Promise<TickerStats> {
    const q = tickerSql(same, pair, now);
    const fromCandles = toAggregate(this.all(q.candles, true)[0]);
    const fromEdges = toAggregate(this.all(q.edges, true)[0]);
    const last = this.all(q.last)[0];
    const sum = combineAggregates(fromCandles, fromEdges);
    const to = now + 1;
    return {
      pair,
      last: last === undefined ? null : Number(last.price),
      lastTradeId: last === undefined ? null : Number(last.id),
      ...sum,
      from: to - 86_400_000,
      to,
    };
  }

  async dump(): Promise<HistoryDump> {
    const all = (sql: string, bigints = false): Row[] => this.statement(sql, bigints).all() as Row[];
    return {
      lastSeq: await this.persistedSeq(),
      orders: all(`SELECT ${ORDER_COLUMNS} FROM orders ORDER BY id`).map(toOrder),
      orderEvents: all(`SELECT ${ORDER_EVENT_COLUMNS} FROM order_events ORDER BY order_id, seq, idx`).map(toOrderEvent),
      fills: all(`SELECT ${FILL_COLUMNS} FROM fills ORDER BY id`).map(toFill),
      trades: all(`SELECT ${TRADE_COLUMNS} FROM trades ORDER BY id`).map(toTrade),
      candles: sortCandles(all(`SELECT ${CANDLE_COLUMNS} FROM candles`, true).map(toCandle)),
    };
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}

function fileOf(options: SqliteStoreOptions, create: boolean): string {
  if (options.file !== undefined) return options.file;
  if (options.dataDir === undefined) throw new Error('SqliteHistoryStore needs dataDir or file');
  if (create) mkdirSync(options.dataDir, { recursive: true });
  return join(options.dataDir, SQLITE_FILE_NAME);
}

function migrate(db: Database.Database): void {
  db.exec(
    'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL) STRICT',
  );
  const apply = db.transaction(() => {
    const applied = new Set(db.prepare('SELECT version FROM schema_migrations').pluck().all() as number[]);
    for (const m of SQLITE_MIGRATIONS) {
      if (applied.has(m.version)) continue;
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, Date.now());
    }
  });
  apply.immediate();
}
