import type { Order } from './book/order.js';

/** The account that collects every trading fee (see shared/API.md). */
export const FEES_ACCOUNT = 'fees';

/**
 * One user's balances, indexed by asset number: `available` can be spent, `locked` is held by open
 * orders. Both are safe integers of asset atoms and never negative. The account also heads the
 * intrusive list of its open orders and indexes them by clientOrderId.
 */
export class Account {
  readonly available: number[];
  readonly locked: number[];
  /** last command stamp that changed each asset (collects each change once into balance events) */
  readonly touchedStamp: number[];
  firstOrder: Order | null = null;
  openOrders = 0;
  clientOrderIds: Map<string, Order> | null = null;

  constructor(
    readonly userId: string,
    assetCount: number,
  ) {
    this.available = new Array<number>(assetCount).fill(0);
    this.locked = new Array<number>(assetCount).fill(0);
    this.touchedStamp = new Array<number>(assetCount).fill(-1);
  }

  linkOrder(order: Order): void {
    order.accountPrev = null;
    order.accountNext = this.firstOrder;
    if (this.firstOrder !== null) this.firstOrder.accountPrev = order;
    this.firstOrder = order;
    this.openOrders++;
    if (order.clientOrderId !== null) {
      (this.clientOrderIds ??= new Map()).set(order.clientOrderId, order);
    }
  }

  unlinkOrder(order: Order): void {
    if (order.accountPrev === null) this.firstOrder = order.accountNext;
    else order.accountPrev.accountNext = order.accountNext;
    if (order.accountNext !== null) order.accountNext.accountPrev = order.accountPrev;
    order.accountPrev = null;
    order.accountNext = null;
    this.openOrders--;
    if (order.clientOrderId !== null) this.clientOrderIds!.delete(order.clientOrderId);
  }
}

/** Accounts by user id, in creation order (which is part of the deterministic state). */
export class Accounts {
  readonly byUser = new Map<string, Account>();

  constructor(readonly assetCount: number) {}

  get(userId: string): Account | undefined {
    return this.byUser.get(userId);
  }

  getOrCreate(userId: string): Account {
    let account = this.byUser.get(userId);
    if (account === undefined) {
      account = new Account(userId, this.assetCount);
      this.byUser.set(userId, account);
    }
    return account;
  }
}
