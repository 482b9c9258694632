/**
 * Candle arithmetic shared by the stores. A trade at time t belongs, for each interval, to the bucket
 * starting at t − t mod interval (UTC, epoch-aligned; a day starts at 00:00 UTC). Open and close are the
 * prices of the bucket's lowest and highest trade id, not of its earliest time: ids give the engine's
 * order even if the wall clock stepped back between two commands.
 */
import { CANDLE_INTERVALS, type CandleInterval, type CandleRecord } from './types.js';

export const INTERVAL_MS: Readonly<Record<CandleInterval, number>> = Object.freeze({
  '1m': 60_000,
  '5m': 300_000,
  '15m': 900_000,
  '1h': 3_600_000,
  '1d': 86_400_000,
});

export function isCandleInterval(value: unknown): value is CandleInterval {
  return typeof value === 'string' && (CANDLE_INTERVALS as readonly string[]).includes(value);
}

export function bucketStart(time: number, interval: CandleInterval): number {
  const ms = INTERVAL_MS[interval];
  return time - (((time % ms) + ms) % ms);
}

interface TradeForCandle {
  readonly id: number;
  readonly pair: string;
  readonly price: number;
  readonly amount: number;
  readonly quote: number;
  readonly time: number;
}

/**
 * Candles of the given trades alone, one per (pair, interval, bucket). Merged into stored candles with
 * mergeCandle (or its SQL twin in the stores' ON CONFLICT clauses).
 */
export function candlesOf(trades: readonly TradeForCandle[]): CandleRecord[] {
  const byKey = new Map<string, CandleRecord>();
  for (const t of trades) {
    for (const interval of CANDLE_INTERVALS) {
      const start = bucketStart(t.time, interval);
      const key = `${t.pair}\u0000${interval}\u0000${start}`;
      const one: CandleRecord = {
        pair: t.pair,
        interval,
        start,
        open: t.price,
        high: t.price,
        low: t.price,
        close: t.price,
        baseVolume: BigInt(t.amount),
        quoteVolume: BigInt(t.quote),
        trades: 1,
        firstTradeId: t.id,
        lastTradeId: t.id,
      };
      const seen = byKey.get(key);
      byKey.set(key, seen === undefined ? one : mergeCandle(seen, one));
    }
  }
  return [...byKey.values()];
}

/** Two candles of the same bucket over disjoint sets of trades → the candle of their union. */
export function mergeCandle(a: CandleRecord, b: CandleRecord): CandleRecord {
  return {
    pair: a.pair,
    interval: a.interval,
    start: a.start,
    open: b.firstTradeId < a.firstTradeId ? b.open : a.open,
    high: Math.max(a.high, b.high),
    low: Math.min(a.low, b.low),
    close: b.lastTradeId > a.lastTradeId ? b.close : a.close,
    baseVolume: a.baseVolume + b.baseVolume,
    quoteVolume: a.quoteVolume + b.quoteVolume,
    trades: a.trades + b.trades,
    firstTradeId: Math.min(a.firstTradeId, b.firstTradeId),
    lastTradeId: Math.max(a.lastTradeId, b.lastTradeId),
  };
}
