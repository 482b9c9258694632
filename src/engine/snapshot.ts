import { Order } from './book/order.js';
import type { EngineState } from './engine-state.js';

export const SNAPSHOT_VERSION = 1;

/** [id, userId, price, amount, remaining, postOnly, clientOrderId, createdAt] */
export type RestingOrderRecord = [number, string, number, number, number, boolean, string | null, number];

/**
 * The engine's whole state as plain data: enough to rebuild it exactly, and the canonical form that
 * stateHash() hashes. Orders are listed level by level from the best price, FIFO within a level.
 */
export interface EngineSnapshot {
  readonly version: number;
  readonly nextOrderId: number;
  readonly nextTradeId: number;
  readonly assets: string[];
  readonly supply: number[];
  /** [userId, available per asset, locked per asset], in account creation order */
  readonly accounts: Array<[string, number[], number[]]>;
  readonly markets: Array<{
    pair: string;
    seq: number;
    pool: { baseReserve: number; quoteReserve: number } | null;
    bids: RestingOrderRecord[];
    asks: RestingOrderRecord[];
  }>;
}

export function takeSnapshot(s: EngineState): EngineSnapshot {
  const accounts: EngineSnapshot['accounts'] = [];
  for (const account of s.accounts.byUser.values()) {
    accounts.push([account.userId, account.available.slice(), account.locked.slice()]);
  }
  return {
    version: SNAPSHOT_VERSION,
    nextOrderId: s.nextOrderId,
    nextTradeId: s.nextTradeId,
    assets: s.catalogue.assets.map((a) => a.name),
    supply: s.supply.slice(),
    accounts,
    markets: s.markets.map((m) => ({
      pair: m.spec.pair,
      seq: m.book.seq,
      pool: m.pool === null ? null : { baseReserve: m.pool.baseReserve, quoteReserve: m.pool.quoteReserve },
      bids: sideRecords(m.book.bids.levels),
      asks: sideRecords(m.book.asks.levels),
    })),
  };
}

function sideRecords(levels: ReadonlyArray<{ head: Order | null }>): RestingOrderRecord[] {
  const out: RestingOrderRecord[] = [];
  for (let i = levels.length - 1; i >= 0; i--) {
    for (let o = levels[i].head; o !== null; o = o.next) {
      out.push([o.id, o.account.userId, o.price, o.amount, o.remaining, o.postOnly, o.clientOrderId, o.createdAt]);
    }
  }
  return out;
}

export class SnapshotMismatchError extends Error {}

/** Loads a snapshot into a freshly built state of the same market catalogue. */
export function restoreSnapshot(s: EngineState, snap: EngineSnapshot): void {
  if (snap.version !== SNAPSHOT_VERSION) throw new SnapshotMismatchError(`snapshot version ${snap.version} is not ${SNAPSHOT_VERSION}`);
  const assets = s.catalogue.assets.map((a) => a.name);
  if (snap.assets.join(',') !== assets.join(',')) {
    throw new SnapshotMismatchError(`snapshot assets ${snap.assets.join(',')} differ from configured ${assets.join(',')}`);
  }
  s.nextOrderId = snap.nextOrderId;
  s.nextTradeId = snap.nextTradeId;
  snap.supply.forEach((v, i) => (s.supply[i] = v));
  for (const [userId, available, locked] of snap.accounts) {
    const account = s.accounts.getOrCreate(userId);
    available.forEach((v, i) => (account.available[i] = v));
    locked.forEach((v, i) => (account.locked[i] = v));
  }
  for (const saved of snap.markets) {
    const market = s.marketByPair.get(saved.pair);
    if (market === undefined) throw new SnapshotMismatchError(`snapshot market ${saved.pair} is not configured`);
    market.book.seq = saved.seq;
    if (saved.pool !== null && market.pool !== null) {
      market.pool.baseReserve = saved.pool.baseReserve;
      market.pool.quoteReserve = saved.pool.quoteReserve;
    }
    for (const [side, records] of [[0, saved.bids], [1, saved.asks]] as const) {
      for (const [id, userId, price, amount, remaining, postOnly, cid, createdAt] of records) {
        const account = s.accounts.getOrCreate(userId);
        const order = new Order(id, account, market.index, side, price, amount, remaining, postOnly, cid, createdAt);
        account.linkOrder(order);
        s.orders.set(id, order);
        market.book.add(order, -2);
      }
    }
    market.book.takeChanges();
  }
}
