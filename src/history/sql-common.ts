/**
 * SQL shared by the SQLite and PostgreSQL stores: the read queries (written with `?` placeholders; the
 * PostgreSQL store numbers them) and the row → record mappers. Drivers differ in what they hand back
 * (better-sqlite3: number or bigint; pg: string for int8 and numeric), so every mapper converts
 * explicitly; the values themselves are integers either way.
 */
import { INTERVAL_MS } from './candles.js';
import type {
  CandleInterval,
  CandleRecord,
  CandlesQuery,
  FillRecord,
  FillsQuery,
  OrderEventRecord,
  OrderRecord,
  OrderStatusFilter,
  OrdersQuery,
  TradeRecord,
  TradesQuery,
} from './types.js';

export type Row = Record<string, unknown>;
export interface Sql {
  readonly sql: string;
  readonly params: unknown[];
}
/** table name → its name in SQL (the PostgreSQL store qualifies it with its schema) */
export type TableName = (name: string) => string;

export const ORDER_COLUMNS =
  'id, client_order_id, user_id, pair, side, type, price, amount, filled, status, cancel_reason, time_in_force, ' +
  'post_only, quote_amount, created_at, updated_seq, updated_index, updated_at';
export const ORDER_EVENT_COLUMNS = 'order_id, seq, idx, kind, status, amount, filled, cancel_reason, time';
export const TRADE_COLUMNS =
  'id, pair, price, amount, quote, taker_side, venue, taker_order_id, taker_user_id, maker_order_id, maker_user_id, ' +
  'taker_fee, maker_fee, time, seq';
export const FILL_COLUMNS =
  'id, trade_id, order_id, user_id, pair, side, liquidity, venue, price, amount, quote, fee, fee_asset, time, seq';
export const CANDLE_COLUMNS =
  'pair, period, start, open, high, low, close, base_volume, quote_volume, trades, first_trade_id, last_trade_id';

/** `excluded` is the row that failed to insert; all SET expressions read the old row (SQL semantics). */
export const CANDLE_MERGE_SET = `
  open = CASE WHEN excluded.first_trade_id < candles.first_trade_id THEN excluded.open ELSE candles.open END,
  close = CASE WHEN excluded.last_trade_id > candles.last_trade_id THEN excluded.close ELSE candles.close END,
  high = GREATEST_FN(candles.high, excluded.high),
  low = LEAST_FN(candles.low, excluded.low),
  base_volume = candles.base_volume + excluded.base_volume,
  quote_volume = candles.quote_volume + excluded.quote_volume,
  trades = candles.trades + excluded.trades,
  first_trade_id = LEAST_FN(candles.first_trade_id, excluded.first_trade_id),
  last_trade_id = GREATEST_FN(candles.last_trade_id, excluded.last_trade_id)`;

export const ORDER_UPSERT_SET = `
  amount = excluded.amount, filled = excluded.filled, status = excluded.status,
  cancel_reason = excluded.cancel_reason, updated_seq = excluded.updated_seq,
  updated_index = excluded.updated_index, updated_at = excluded.updated_at`;
/** an order's row only moves forward: an older event replayed later must not roll it back */
export const ORDER_UPSERT_WHERE = '(orders.updated_seq, orders.updated_index) < (excluded.updated_seq, excluded.updated_index)';

const num = (v: unknown): number => Number(v);
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const big = (v: unknown): bigint => (v === null || v === undefined ? 0n : BigInt(v as string | number | bigint));

export function toOrder(r: Row): OrderRecord {
  return {
    id: num(r.id),
    clientOrderId: r.client_order_id as string | null,
    userId: r.user_id as string,
    pair: r.pair as string,
    side: r.side as OrderRecord['side'],
    type: r.type as OrderRecord['type'],
    price: num(r.price),
    amount: num(r.amount),
    filled: num(r.filled),
    status: r.status as OrderRecord['status'],
    cancelReason: r.cancel_reason as OrderRecord['cancelReason'],
    timeInForce: r.time_in_force as OrderRecord['timeInForce'],
    postOnly: r.post_only === true || Number(r.post_only) === 1,
    quoteAmount: numOrNull(r.quote_amount),
    createdAt: num(r.created_at),
    updatedSeq: num(r.updated_seq),
    updatedIndex: num(r.updated_index),
    updatedAt: numOrNull(r.updated_at),
  };
}

export function toOrderEvent(r: Row): OrderEventRecord {
  return {
    orderId: num(r.order_id),
    seq: num(r.seq),
    index: num(r.idx),
    kind: r.kind as OrderEventRecord['kind'],
    status: r.status as OrderEventRecord['status'],
    amount: num(r.amount),
    filled: num(r.filled),
    cancelReason: r.cancel_reason as OrderEventRecord['cancelReason'],
    time: numOrNull(r.time),
  };
}

export function toTrade(r: Row): TradeRecord {
  return {
    id: num(r.id),
    pair: r.pair as string,
    price: num(r.price),
    amount: num(r.amount),
    quote: num(r.quote),
    takerSide: r.taker_side as TradeRecord['takerSide'],
    venue: r.venue as TradeRecord['venue'],
    takerOrderId: num(r.taker_order_id),
    takerUserId: r.taker_user_id as string,
    makerOrderId: numOrNull(r.maker_order_id),
    makerUserId: r.maker_user_id as string | null,
    takerFee: num(r.taker_fee),
    makerFee: num(r.maker_fee),
    time: num(r.time),
    seq: num(r.seq),
  };
}

export function toFill(r: Row): FillRecord {
  return {
    id: num(r.id),
    tradeId: num(r.trade_id),
    orderId: num(r.order_id),
    userId: r.user_id as string,
    pair: r.pair as string,
    side: r.side as FillRecord['side'],
    liquidity: r.liquidity as FillRecord['liquidity'],
    venue: r.venue as FillRecord['venue'],
    price: num(r.price),
    amount: num(r.amount),
    quote: num(r.quote),
    fee: num(r.fee),
    feeAsset: r.fee_asset as string,
    time: num(r.time),
    seq: num(r.seq),
  };
}

export function toCandle(r: Row): CandleRecord {
  return {
    pair: r.pair as string,
    interval: r.period as CandleInterval,
    start: num(r.start),
    open: num(r.open),
    high: num(r.high),
    low: num(r.low),
    close: num(r.close),
    baseVolume: big(r.base_volume),
    quoteVolume: big(r.quote_volume),
    trades: num(r.trades),
    firstTradeId: num(r.first_trade_id),
    lastTradeId: num(r.last_trade_id),
  };
}

function statusClause(filter: OrderStatusFilter, params: unknown[]): string {
  switch (filter) {
    case 'open':
      return "status IN ('open', 'partially_filled')";
    case 'closed':
      return "status IN ('filled', 'cancelled')";
    default:
      params.push(filter);
      return 'status = ?';
  }
}

/** One more row than asked for, to tell whether a next page exists (see pageOf). */
export function ordersSql(t: TableName, q: OrdersQuery): Sql {
  const params: unknown[] = [q.userId];
  const where = ['user_id = ?'];
  if (q.pair !== undefined) {
    where.push('pair = ?');
    params.push(q.pair);
  }
  if (q.clientOrderId !== undefined) {
    where.push('client_order_id = ?');
    params.push(q.clientOrderId);
  }
  if (q.status !== undefined) where.push(statusClause(q.status, params));
  if (q.before !== undefined) {
    where.push('id < ?');
    params.push(q.before);
  }
  params.push(q.limit + 1);
  return { sql: `SELECT ${ORDER_COLUMNS} FROM ${t('orders')} WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT ?`, params };
}

export function fillsSql(t: TableName, q: FillsQuery): Sql {
  const params: unknown[] = [q.userId];
  const where = ['user_id = ?'];
  if (q.pair !== undefined) {
    where.push('pair = ?');
    params.push(q.pair);
  }
  if (q.before !== undefined) {
    where.push('id < ?');
    params.push(q.before);
  }
  params.push(q.limit + 1);
  return { sql: `SELECT ${FILL_COLUMNS} FROM ${t('fills')} WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT ?`, params };
}

export function tradesSql(t: TableName, q: TradesQuery): Sql {
  const params: unknown[] = [q.pair];
  let where = 'pair = ?';
  if (q.before !== undefined) {
    where += ' AND id < ?';
    params.push(q.before);
  }
  params.push(q.limit);
  return { sql: `SELECT ${TRADE_COLUMNS} FROM ${t('trades')} WHERE ${where} ORDER BY id DESC LIMIT ?`, params };
}

/** Rows come back newest first when `descending`: the caller reverses them (see CandlesQuery). */
export function candlesSql(t: TableName, q: CandlesQuery): Sql & { descending: boolean } {
  const params: unknown[] = [q.pair, q.interval];
  let where = 'pair = ? AND period = ?';
  if (q.start !== undefined) {
    where += ' AND start >= ?';
    params.push(q.start);
  }
  if (q.end !== undefined) {
    where += ' AND start < ?';
    params.push(q.end);
  }
  params.push(q.limit);
  const descending = q.start === undefined;
  return {
    sql: `SELECT ${CANDLE_COLUMNS} FROM ${t('candles')} WHERE ${where} ORDER BY start ${descending ? 'DESC' : 'ASC'} LIMIT ?`,
    params,
    descending,
  };
}

export const DAY_MS = 86_400_000;

/**
 * The 24 h window [from, to) split so that whole minutes come from the 1m candles and only the ragged
 * edges (the minute `from` falls in, the minute `to` falls in) from raw trades: exact, and cheap
 * whatever the volume.
 */
export function tickerWindow(now: number): { from: number; to: number; minutesFrom: number; minutesTo: number } {
  const to = now + 1;
  const from = to - DAY_MS;
  const minute = INTERVAL_MS['1m'];
  const minutesFrom = Math.ceil(from / minute) * minute;
  const minutesTo = Math.max(minutesFrom, Math.floor(to / minute) * minute);
  return { from, to, minutesFrom, minutesTo };
}

export function tickerSql(t: TableName, pair: string, now: number): { candles: Sql; edges: Sql; last: Sql } {
  const w = tickerWindow(now);
  const candleOf = (column: string): string =>
    `(SELECT ${column} FROM ${t('candles')} WHERE pair = ? AND period = '1m' AND start = ?)`;
  const edge =
    `SELECT price, amount, quote FROM ${t('trades')} WHERE pair = ? ` +
    `AND id BETWEEN ${candleOf('first_trade_id')} AND ${candleOf('last_trade_id')} AND time >= ? AND time < ?`;
  const edgeParams = (p: string, minute: number, from: number, to: number): unknown[] => [p, p, minute, p, minute, from, to];
  return {
    candles: {
      sql:
        `SELECT max(high) AS high, min(low) AS low, sum(base_volume) AS base_volume, ` +
        `sum(quote_volume) AS quote_volume, sum(trades) AS trades FROM ${t('candles')} ` +
        `WHERE pair = ? AND period = '1m' AND start >= ? AND start < ?`,
      params: [pair, w.minutesFrom, w.minutesTo],
    },
    // a 1m candle knows the id range of its minute's trades: the edges are two primary-key range scans
    edges: {
      sql:
        `SELECT max(price) AS high, min(price) AS low, sum(amount) AS base_volume, sum(quote) AS quote_volume, ` +
        `count(*) AS trades FROM (${edge} UNION ALL ${edge}) AS edges`,
      params: [
        ...edgeParams(pair, Math.floor(w.from / INTERVAL_MS['1m']) * INTERVAL_MS['1m'], w.from, Math.min(w.minutesFrom, w.to)),
        ...edgeParams(pair, w.minutesTo, w.minutesTo, w.to),
      ],
    },
    last: { sql: `SELECT id, price FROM ${t('trades')} WHERE pair = ? ORDER BY id DESC LIMIT 1`, params: [pair] },
  };
}

export interface Aggregate {
  high: number | null;
  low: number | null;
  baseVolume: bigint;
  quoteVolume: bigint;
  trades: number;
}

export function toAggregate(r: Row | undefined): Aggregate {
  return {
    high: r === undefined ? null : numOrNull(r.high),
    low: r === undefined ? null : numOrNull(r.low),
    baseVolume: r === undefined ? 0n : big(r.base_volume),
    quoteVolume: r === undefined ? 0n : big(r.quote_volume),
    trades: r === undefined || r.trades === null ? 0 : num(r.trades),
  };
}

export function combineAggregates(a: Aggregate, b: Aggregate): Aggregate {
  const pick = (x: number | null, y: number | null, f: (p: number, q: number) => number): number | null =>
    x === null ? y : y === null ? x : f(x, y);
  return {
    high: pick(a.high, b.high, Math.max),
    low: pick(a.low, b.low, Math.min),
    baseVolume: a.baseVolume + b.baseVolume,
    quoteVolume: a.quoteVolume + b.quoteVolume,
    trades: a.trades + b.trades,
  };
}

/** Candles in one order whatever the database's collation: pair, interval length, start. */
export function sortCandles(candles: CandleRecord[]): CandleRecord[] {
  return candles.sort(
    (a, b) =>
      (a.pair < b.pair ? -1 : a.pair > b.pair ? 1 : 0) ||
      INTERVAL_MS[a.interval] - INTERVAL_MS[b.interval] ||
      a.start - b.start,
  );
}

export function pageOf<T extends { id: number }>(rows: T[], limit: number): { items: T[]; nextCursor: number | null } {
  if (rows.length <= limit) return { items: rows, nextCursor: null };
  const items = rows.slice(0, limit);
  return { items, nextCursor: items[items.length - 1].id };
}

/** Checks the numbers a query takes, so a bad value from the edge is a clear error, not bad SQL. */
export function assertLimit(limit: number): void {
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > 100_000) throw new RangeError(`limit must be 1..100000, got ${limit}`);
}
