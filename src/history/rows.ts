/**
 * Durable engine events → the rows of one history batch. Pure, so the live path and catch-up from the
 * journal build exactly the same rows from the same events.
 *
 * Event time: the command's time, which the sequencer hands over with the events, the journal holds
 * and the Redis stream entries of orders and cancels carry. Where a source does not give it, a trade's
 * time or an accepted order's createdAt is the command's time too; with neither, it is null.
 */
import type { EngineEvent, OrderView } from '../engine/events.js';
import type { MarketCatalogue } from '../engine/market.js';
import type { FillRecord, HistoryBatch, OrderEventRecord, OrderRecord, TradeRecord } from './types.js';

export interface DurableEntry {
  readonly seq: number;
  readonly events: readonly EngineEvent[];
  /** the command's time, when the source tells it */
  readonly time?: number | null;
}

export interface PairAssets {
  readonly base: string;
  readonly quote: string;
}

export function pairAssets(catalogue: MarketCatalogue): ReadonlyMap<string, PairAssets> {
  return new Map(catalogue.markets.map((m) => [m.pair, { base: m.base, quote: m.quote }]));
}

/** Fill id: tradeId × 2 for the taker's side, + 1 for the maker's. */
export function fillId(tradeId: number, maker: boolean): number {
  return tradeId * 2 + (maker ? 1 : 0);
}

function commandTime(events: readonly EngineEvent[]): number | null {
  for (const e of events) {
    if (e.type === 'trade') return e.time;
    if (e.type === 'orderAccepted') return e.order.createdAt;
  }
  return null;
}

function orderRecord(o: OrderView, seq: number, index: number, time: number | null): OrderRecord {
  return {
    id: o.id,
    clientOrderId: o.clientOrderId,
    userId: o.userId,
    pair: o.pair,
    side: o.side,
    type: o.type,
    price: o.price,
    amount: o.amount,
    filled: o.filled,
    status: o.status,
    cancelReason: o.cancelReason,
    timeInForce: o.timeInForce,
    postOnly: o.postOnly,
    quoteAmount: o.quoteAmount,
    createdAt: o.createdAt,
    updatedSeq: seq,
    updatedIndex: index,
    updatedAt: time,
  };
}

/** The rows for a run of consecutive durable commands (entries in sequence order). */
export function buildBatch(entries: readonly DurableEntry[], assets: ReadonlyMap<string, PairAssets>): HistoryBatch {
  const orderEvents: OrderEventRecord[] = [];
  const orders = new Map<number, OrderRecord>();
  const fills: FillRecord[] = [];
  const trades: TradeRecord[] = [];
  let lastSeq = 0;
  for (const entry of entries) {
    const { seq, events } = entry;
    lastSeq = seq;
    let time: number | null | undefined = entry.time ?? undefined;
    for (let index = 0; index < events.length; index++) {
      const e = events[index];
      switch (e.type) {
        case 'orderAccepted':
        case 'orderUpdated': {
          if (time === undefined) time = commandTime(events);
          const o = e.order;
          orderEvents.push({
            orderId: o.id,
            seq,
            index,
            kind: e.type === 'orderAccepted' ? 'accepted' : 'updated',
            status: o.status,
            amount: o.amount,
            filled: o.filled,
            cancelReason: o.cancelReason,
            time,
          });
          orders.set(o.id, orderRecord(o, seq, index, time));
          break;
        }
        case 'trade': {
          const pair = assets.get(e.pair);
          if (pair === undefined) throw new Error(`trade ${e.id} in unknown pair ${e.pair}`);
          trades.push({
            id: e.id,
            pair: e.pair,
            price: e.price,
            amount: e.amount,
            quote: e.quote,
            takerSide: e.takerSide,
            venue: e.venue,
            takerOrderId: e.takerOrderId,
            takerUserId: e.takerUserId,
            makerOrderId: e.makerOrderId,
            makerUserId: e.makerUserId,
            takerFee: e.takerFee,
            makerFee: e.makerFee,
            time: e.time,
            seq,
          });
          // fees are charged on what each side receives: a buyer gets base, a seller quote
          const takerBuys = e.takerSide === 'buy';
          fills.push({
            id: fillId(e.id, false),
            tradeId: e.id,
            orderId: e.takerOrderId,
            userId: e.takerUserId,
            pair: e.pair,
            side: e.takerSide,
            liquidity: 'taker',
            venue: e.venue,
            price: e.price,
            amount: e.amount,
            quote: e.quote,
            fee: e.takerFee,
            feeAsset: takerBuys ? pair.base : pair.quote,
            time: e.time,
            seq,
          });
          // the AMM pool is no user: its side of the trade has no fill
          if (e.makerOrderId !== null && e.makerUserId !== null) {
            fills.push({
              id: fillId(e.id, true),
              tradeId: e.id,
              orderId: e.makerOrderId,
              userId: e.makerUserId,
              pair: e.pair,
              side: takerBuys ? 'sell' : 'buy',
              liquidity: 'maker',
              venue: e.venue,
              price: e.price,
              amount: e.amount,
              quote: e.quote,
              fee: e.makerFee,
              feeAsset: takerBuys ? pair.quote : pair.base,
              time: e.time,
              seq,
            });
          }
          break;
        }
        default:
          // balance, book and pool events are state, not history: the engine and its snapshots hold them
          break;
      }
    }
  }
  return { lastSeq, orderEvents, orders: [...orders.values()], fills, trades };
}
