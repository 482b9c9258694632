import type { Account } from '../accounts.js';
import type { PriceLevel } from './price-level.js';

export const BUY = 0;
export const SELL = 1;
export type SideCode = typeof BUY | typeof SELL;

/**
 * A resting limit order. Intrusive: it is itself the node of two doubly linked lists, the FIFO queue
 * of its price level (prev/next) and its owner's list of open orders (accountPrev/accountNext), so
 * cancel is O(1) and no wrapper objects or closures exist per order.
 * Locked funds are not stored: a resting buy locks remaining × price × quoteAtomsPerTickLot quote
 * atoms, a resting sell remaining × baseAtomsPerLot base atoms (see accounts.ts).
 */
export class Order {
  prev: Order | null = null;
  next: Order | null = null;
  accountPrev: Order | null = null;
  accountNext: Order | null = null;
  level: PriceLevel | null = null;

  constructor(
    readonly id: number,
    readonly account: Account,
    readonly marketIndex: number,
    readonly side: SideCode,
    /** ticks */
    readonly price: number,
    /** lots */
    readonly amount: number,
    /** lots */
    public remaining: number,
    readonly postOnly: boolean,
    readonly clientOrderId: string | null,
    readonly createdAt: number,
  ) {}
}
