/**
 * The PostgreSQL history store (pg). A batch is one transaction of a few statements whatever its size:
 * each table gets one multi-row INSERT ... SELECT FROM unnest(column arrays) ON CONFLICT, so the query
 * text is fixed and no parameter limit applies. Trades and candles go in one statement: the trades
 * actually inserted (RETURNING skips rows already there) are aggregated per bucket and merged into the
 * candles, so writing a batch twice counts nothing twice.
 *
 * Tables live in `schema` (default public), named explicitly in every statement. Migrations run before
 * the first operation, and again on the next one if they failed (a database that is down at start is
 * retried, not fatal).
 */
import pg from 'pg';
import { INTERVAL_MS } from './candles.js';
import { PG_MIGRATIONS } from './pg-schema.js';
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
import { CANDLE_INTERVALS } from './types.js';
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

export interface PgStoreLog {
  warn(obj: object, msg: string): void;
}

export interface PgStoreOptions {
  /** used to build a pool when `pool` is not given */
  readonly connectionString?: string;
  /** a pool to use instead (the store then does not end it on close) */
  readonly pool?: pg.Pool;
  /** default "public" */
  readonly schema?: string;
  readonly log?: PgStoreLog;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/** `?` placeholders → `$1, $2, ...` (none of our SQL has a `?` inside a literal). */
function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

/**
 * One column as a PostgreSQL array literal ('{1,2,NULL}', '{"a","b"}'), sent as text and cast by the
 * statement. Building the literal here is several times cheaper than pg's generic per-element
 * conversion, and this runs on the exchange's thread.
 */
function column<T>(rows: readonly T[], get: (row: T) => number | string | boolean | null): string {
  const parts = new Array<string>(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const v = get(rows[i]);
    if (v === null) parts[i] = 'NULL';
    else if (typeof v === 'string') parts[i] = /["\\]/.test(v) ? `"${v.replace(/["\\]/g, '\\$&')}"` : `"${v}"`;
    else parts[i] = String(v);
  }
  return `{${parts.join(',')}}`;
}

export class PgHistoryStore implements HistoryStore {
  readonly kind = 'postgres' as const;
  readonly schema: string;
  private readonly pool: pg.Pool;
  private readonly ownsPool: boolean;
  private migrated: Promise<void> | null = null;
  private readonly sql: ReturnType<typeof writeStatements>;
  private readonly t: (name: string) => string;

  constructor(options: PgStoreOptions) {
    this.schema = options.schema ?? 'public';
    if (!IDENTIFIER.test(this.schema)) throw new RangeError(`bad schema name ${JSON.stringify(this.schema)}`);
    this.t = (name) => `"${this.schema}".${name}`;
    if (options.pool !== undefined) {
      this.pool = options.pool;
      this.ownsPool = false;
    } else {
      this.pool = new pg.Pool({
        connectionString: options.connectionString,
        max: 4,
        connectionTimeoutMillis: 5_000,
        query_timeout: 60_000,
        application_name: 'hooats-history',
      });
      this.ownsPool = true;
    }
    // an idle connection that the server drops must not crash the process; the next query reconnects
    this.pool.on('error', (err) => options.log?.warn({ err }, 'history database connection lost'));
    // nor one dropped while checked out (inside a write transaction): the statement in flight fails,
    // the writer retries, and the broken connection is discarded when released
    this.pool.on('connect', (client) => client.on('error', () => undefined));
    this.sql = writeStatements(this.t);
  }

  /** Creates the store and runs its migrations now (throws if the database cannot be reached). */
  static async open(options: PgStoreOptions): Promise<PgHistoryStore> {
    const store = new PgHistoryStore(options);
    try {
      await store.ready();
    } catch (err) {
      await store.close();
      throw err;
    }
    return store;
  }

  private ready(): Promise<void> {
    if (this.migrated === null) {
      this.migrated = this.migrate().catch((err: unknown) => {
        this.migrated = null;
        throw err;
      });
    }
    return this.migrated;
  }

  private async migrate(): Promise<void> {
    await this.transaction(async (c) => {
      await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`hooats-history:${this.schema}`]);
      await c.query(`CREATE SCHEMA IF NOT EXISTS "${this.schema}"`);
      await c.query(`SET LOCAL search_path TO "${this.schema}"`);
      await c.query(
        'CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, ' +
          'applied_at timestamptz NOT NULL DEFAULT now())',
      );
      const applied = new Set((await c.query('SELECT version FROM schema_migrations')).rows.map((r: Row) => Number(r.version)));
      for (const m of PG_MIGRATIONS) {
        if (applied.has(m.version)) continue;
        await c.query(m.sql);
        await c.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
      }
    });
  }

  private async transaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let failure: Error | undefined;
    try {
      await client.query('BEGIN');
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      failure = err instanceof Error ? err : new Error(String(err));
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      // after a failure the connection may be half-dead: drop it rather than give it to the next caller
      client.release(failure);
    }
  }

  private async rows(q: Sql): Promise<Row[]> {
    await this.ready();
    return (await this.pool.query(numbered(q.sql), q.params)).rows as Row[];
  }

  async persistedSeq(): Promise<number> {
    const rows = await this.rows({ sql: `SELECT last_seq FROM ${this.t('history_progress')} WHERE id = 1`, params: [] });
    return rows.length === 0 ? 0 : Number(rows[0].last_seq);
  }

  async write(batch: HistoryBatch): Promise<void> {
    await this.ready();
    const s = this.sql;
    await this.transaction(async (c) => {
      const { orderEvents: ev, orders: o, fills: f, trades: t } = batch;
      if (ev.length > 0) {
        await c.query(s.orderEvents, [
          column(ev, (r) => r.orderId), column(ev, (r) => r.seq), column(ev, (r) => r.index), column(ev, (r) => r.kind),
          column(ev, (r) => r.status), column(ev, (r) => r.amount), column(ev, (r) => r.filled),
          column(ev, (r) => r.cancelReason), column(ev, (r) => r.time),
        ]);
      }
      if (o.length > 0) {
        await c.query(s.orders, [
          column(o, (r) => r.id), column(o, (r) => r.clientOrderId), column(o, (r) => r.userId), column(o, (r) => r.pair),
          column(o, (r) => r.side), column(o, (r) => r.type), column(o, (r) => r.price), column(o, (r) => r.amount),
          column(o, (r) => r.filled), column(o, (r) => r.status), column(o, (r) => r.cancelReason),
          column(o, (r) => r.timeInForce), column(o, (r) => r.postOnly), column(o, (r) => r.quoteAmount),
          column(o, (r) => r.createdAt), column(o, (r) => r.updatedSeq), column(o, (r) => r.updatedIndex),
          column(o, (r) => r.updatedAt),
        ]);
      }
      if (f.length > 0) {
        await c.query(s.fills, [
          column(f, (r) => r.id), column(f, (r) => r.tradeId), column(f, (r) => r.orderId), column(f, (r) => r.userId),
          column(f, (r) => r.pair), column(f, (r) => r.side), column(f, (r) => r.liquidity), column(f, (r) => r.venue),
          column(f, (r) => r.price), column(f, (r) => r.amount), column(f, (r) => r.quote), column(f, (r) => r.fee),
          column(f, (r) => r.feeAsset), column(f, (r) => r.time), column(f, (r) => r.seq),
        ]);
      }
      if (t.length > 0) {
        await c.query(s.tradesAndCandles, [
          column(t, (r) => r.id), column(t, (r) => r.pair), column(t, (r) => r.price), column(t, (r) => r.amount),
          column(t, (r) => r.quote), column(t, (r) => r.takerSide), column(t, (r) => r.venue),
          column(t, (r) => r.takerOrderId), column(t, (r) => r.takerUserId), column(t, (r) => r.makerOrderId),
          column(t, (r) => r.makerUserId), column(t, (r) => r.takerFee), column(t, (r) => r.makerFee),
          column(t, (r) => r.time), column(t, (r) => r.seq),
        ]);
      }
      await c.query(s.progress, [batch.lastSeq]);
    });
  }

  async order(userId: string, orderId: number): Promise<OrderRecord | null> {
    const rows = await this.rows({
      sql: `SELECT ${ORDER_COLUMNS} FROM ${this.t('orders')} WHERE id = ? AND user_id = ?`,
      params: [orderId, userId],
    });
    return rows.length === 0 ? null : toOrder(rows[0]);
  }

  async orders(query: OrdersQuery): Promise<Page<OrderRecord>> {
    assertLimit(query.limit);
    return pageOf((await this.rows(ordersSql(this.t, query))).map(toOrder), query.limit);
  }

  async orderEvents(orderId: number): Promise<OrderEventRecord[]> {
    const rows = await this.rows({
      sql: `SELECT ${ORDER_EVENT_COLUMNS} FROM ${this.t('order_events')} WHERE order_id = ? ORDER BY seq, idx`,
      params: [orderId],
    });
    return rows.map(toOrderEvent);
  }

  async fills(query: FillsQuery): Promise<Page<FillRecord>> {
    assertLimit(query.limit);
    return pageOf((await this.rows(fillsSql(this.t, query))).map(toFill), query.limit);
  }

  async trades(query: TradesQuery): Promise<TradeRecord[]> {
    assertLimit(query.limit);
    return (await this.rows(tradesSql(this.t, query))).map(toTrade);
  }

  async candles(query: CandlesQuery): Promise<CandleRecord[]> {
    assertLimit(query.limit);
    const q = candlesSql(this.t, query);
    const rows = (await this.rows(q)).map(toCandle);
    return q.descending ? rows.reverse() : rows;
  }

  async ticker(pair: string, now: number): Promise<TickerStats> {
    const q = tickerSql(this.t, pair, now);
    const [candles, edges, last] = await Promise.all([this.rows(q.candles), this.rows(q.edges), this.rows(q.last)]);
    const sum = combineAggregates(toAggregate(candles[0]), toAggregate(edges[0]));
    const to = now + 1;
    return {
      pair,
      last: last.length === 0 ? null : Number(last[0].price),
      lastTradeId: last.length === 0 ? null : Number(last[0].id),
      ...sum,
      from: to - 86_400_000,
      to,
    };
  }

  async dump(): Promise<HistoryDump> {
    const all = (sql: string): Promise<Row[]> => this.rows({ sql, params: [] });
    return {
      lastSeq: await this.persistedSeq(),
      orders: (await all(`SELECT ${ORDER_COLUMNS} FROM ${this.t('orders')} ORDER BY id`)).map(toOrder),
      orderEvents: (await all(`SELECT ${ORDER_EVENT_COLUMNS} FROM ${this.t('order_events')} ORDER BY order_id, seq, idx`)).map(
        toOrderEvent,
      ),
      fills: (await all(`SELECT ${FILL_COLUMNS} FROM ${this.t('fills')} ORDER BY id`)).map(toFill),
      trades: (await all(`SELECT ${TRADE_COLUMNS} FROM ${this.t('trades')} ORDER BY id`)).map(toTrade),
      candles: sortCandles((await all(`SELECT ${CANDLE_COLUMNS} FROM ${this.t('candles')}`)).map(toCandle)),
    };
  }

  async close(): Promise<void> {
    if (this.ownsPool && !this.pool.ended) await this.pool.end();
  }
}

function writeStatements(t: (name: string) => string) {
  const unnest = (types: string[]): string => `SELECT * FROM unnest(${types.map((ty, i) => `$${i + 1}::${ty}[]`).join(', ')})`;
  const periods = CANDLE_INTERVALS.map((p) => `('${p}', ${INTERVAL_MS[p]}::bigint)`).join(', ');
  return {
    orderEvents:
      `INSERT INTO ${t('order_events')} (${ORDER_EVENT_COLUMNS}) ` +
      unnest(['bigint', 'bigint', 'integer', 'text', 'text', 'bigint', 'bigint', 'text', 'bigint']) +
      ' ON CONFLICT DO NOTHING',
    orders:
      `INSERT INTO ${t('orders')} AS orders (${ORDER_COLUMNS}) ` +
      unnest([
        'bigint', 'text', 'text', 'text', 'text', 'text', 'bigint', 'bigint', 'bigint', 'text', 'text', 'text', 'boolean',
        'bigint', 'bigint', 'bigint', 'integer', 'bigint',
      ]) +
      ` ON CONFLICT (id) DO UPDATE SET ${ORDER_UPSERT_SET} WHERE ${ORDER_UPSERT_WHERE}`,
    fills:
      `INSERT INTO ${t('fills')} (${FILL_COLUMNS}) ` +
      unnest([
        'bigint', 'bigint', 'bigint', 'text', 'text', 'text', 'text', 'text', 'bigint', 'bigint', 'bigint', 'bigint',
        'text', 'bigint', 'bigint',
      ]) +
      ' ON CONFLICT DO NOTHING',
    tradesAndCandles: `
      WITH ins AS (
        INSERT INTO ${t('trades')} (${TRADE_COLUMNS})
        ${unnest([
          'bigint', 'text', 'bigint', 'bigint', 'bigint', 'text', 'text', 'bigint', 'text', 'bigint', 'text', 'bigint',
          'bigint', 'bigint', 'bigint',
        ])}
        ON CONFLICT DO NOTHING
        RETURNING id, pair, price, amount, quote, time
      ), periods (period, ms) AS (VALUES ${periods}),
      agg AS (
        SELECT ins.pair, periods.period, ins.time - ((ins.time % periods.ms) + periods.ms) % periods.ms AS start,
          (array_agg(ins.price ORDER BY ins.id))[1] AS open, max(ins.price) AS high, min(ins.price) AS low,
          (array_agg(ins.price ORDER BY ins.id DESC))[1] AS close,
          sum(ins.amount)::bigint AS base_volume, sum(ins.quote)::bigint AS quote_volume, count(*)::bigint AS trades,
          min(ins.id) AS first_trade_id, max(ins.id) AS last_trade_id
        FROM ins CROSS JOIN periods
        GROUP BY 1, 2, 3
      )
      INSERT INTO ${t('candles')} AS candles (${CANDLE_COLUMNS})
      SELECT ${CANDLE_COLUMNS} FROM agg
      ON CONFLICT (pair, period, start) DO UPDATE SET
      ${CANDLE_MERGE_SET.replaceAll('GREATEST_FN', 'GREATEST').replaceAll('LEAST_FN', 'LEAST')}`,
    progress:
      `UPDATE ${t('history_progress')} SET last_seq = GREATEST(last_seq, $1::bigint), updated_at = now() WHERE id = 1`,
  };
}
