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

/**
 * A store that answers every read from another store (`reads`); subclasses change only what they add:
 * how writes go, what closing does. Keeps wrappers such as the SQLite worker store or a failure counter
 * from restating the whole read interface.
 */
export abstract class ForwardingStore implements HistoryStore {
  abstract readonly kind: HistoryStore['kind'];
  abstract write(batch: HistoryBatch): Promise<void>;
  abstract close(): Promise<void>;

  constructor(protected readonly reads: HistoryStore) {}

  persistedSeq(): Promise<number> {
    return this.reads.persistedSeq();
  }
  order(userId: string, orderId: number): Promise<OrderRecord | null> {
    return this.reads.order(userId, orderId);
  }
  orders(query: OrdersQuery): Promise<Page<OrderRecord>> {
    return this.reads.orders(query);
  }
  orderEvents(orderId: number): Promise<OrderEventRecord[]> {
    return this.reads.orderEvents(orderId);
  }
  fills(query: FillsQuery): Promise<Page<FillRecord>> {
    return this.reads.fills(query);
  }
  trades(query: TradesQuery): Promise<TradeRecord[]> {
    return this.reads.trades(query);
  }
  candles(query: CandlesQuery): Promise<CandleRecord[]> {
    return this.reads.candles(query);
  }
  ticker(pair: string, now: number): Promise<TickerStats> {
    return this.reads.ticker(pair, now);
  }
  dump(): Promise<HistoryDump> {
    return this.reads.dump();
  }
}
