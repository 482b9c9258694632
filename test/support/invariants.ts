/**
 * assertInvariants(engine): checks the engine's internal state (engine.internals) against every rule
 * that must hold between two commands. Throws an Error naming the broken rule; returns nothing when all
 * hold. Slow on purpose (walks everything): for tests only.
 */
import type { Account } from '../../src/engine/accounts.js';
import { BUY, SELL, type Order } from '../../src/engine/book/order.js';
import type { BookSide } from '../../src/engine/book/book-side.js';
import type { Engine } from '../../src/engine/engine.js';
import type { EngineState, Market } from '../../src/engine/engine-state.js';

export class InvariantError extends Error {
  constructor(rule: string, detail: string) {
    super(`invariant broken: ${rule}: ${detail}`);
  }
}

function check(ok: boolean, rule: string, detail: () => string): void {
  if (!ok) throw new InvariantError(rule, detail());
}

export function assertInvariants(engine: Engine): void {
  const s = engine.internals;
  const bookOrders = new Map<number, Order>();
  for (const market of s.markets) {
    checkSide(market, market.book.bids, BUY, bookOrders);
    checkSide(market, market.book.asks, SELL, bookOrders);
    const bid = market.book.bids.best();
    const ask = market.book.asks.best();
    check(bid === null || ask === null || bid.price < ask.price, 'no crossed book', () =>
      `${market.spec.pair}: best bid ${bid!.price} >= best ask ${ask!.price}`,
    );
  }
  checkOrderIndex(s, bookOrders);
  checkAccounts(s);
  checkConservation(engine, s);
}

function checkSide(market: Market, side: BookSide, sideCode: number, seen: Map<number, Order>): void {
  const pair = market.spec.pair;
  const name = `${pair} ${sideCode === BUY ? 'bids' : 'asks'}`;
  const levels = side.levels;
  check(side.byPrice.size === levels.length, 'byPrice map matches level array', () =>
    `${name}: map has ${side.byPrice.size} levels, array ${levels.length}`,
  );
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i];
    check(level.side === sideCode, 'level on its own side', () => `${name}: level ${level.price} has side ${level.side}`);
    check(side.byPrice.get(level.price) === level, 'byPrice map matches level array', () =>
      `${name}: byPrice.get(${level.price}) is not the level in the array`,
    );
    if (i > 0) {
      const prev = levels[i - 1].price;
      // worst first, best last: bids ascend, asks descend, strictly
      const sorted = sideCode === BUY ? prev < level.price : prev > level.price;
      check(sorted, 'levels sorted strictly, best last', () => `${name}: level ${i - 1} at ${prev}, level ${i} at ${level.price}`);
    }
    check(level.count > 0 && level.head !== null && level.tail !== null, 'no empty level', () =>
      `${name}: level ${level.price} has count ${level.count}`,
    );
    let count = 0;
    let total = 0;
    let prevOrder: Order | null = null;
    for (let o = level.head; o !== null; o = o.next) {
      check(o.prev === prevOrder, 'level queue links consistent', () => `${name}: order ${o.id} prev link broken`);
      check(o.level === level, 'order points to its level', () => `${name}: order ${o.id} level pointer is wrong`);
      check(o.price === level.price && o.side === sideCode && o.marketIndex === market.index, 'order sits at its price', () =>
        `${name}: order ${o.id} (price ${o.price}, side ${o.side}, market ${o.marketIndex}) in level ${level.price}`,
      );
      check(Number.isSafeInteger(o.remaining) && o.remaining > 0 && o.remaining <= o.amount, 'resting remaining in (0, amount]', () =>
        `${name}: order ${o.id} remaining ${o.remaining} of ${o.amount}`,
      );
      if (prevOrder !== null) {
        check(prevOrder.id < o.id, 'FIFO within a level (ids rise)', () => `${name}: order ${prevOrder!.id} before ${o.id}`);
      }
      check(!seen.has(o.id), 'every resting order in the book once', () => `${pair}: order ${o.id} appears twice`);
      seen.set(o.id, o);
      count++;
      total += o.remaining;
      prevOrder = o;
      check(count <= 10_000_000, 'level queue is finite', () => `${name}: level ${level.price} loops`);
    }
    check(level.tail === prevOrder, 'level queue links consistent', () => `${name}: level ${level.price} tail is not its last order`);
    check(count === level.count, 'level count = number of its orders', () =>
      `${name}: level ${level.price} count ${level.count}, walked ${count}`,
    );
    check(total === level.total, 'level total = sum of its orders remaining', () =>
      `${name}: level ${level.price} total ${level.total}, sum ${total}`,
    );
  }
}

function checkOrderIndex(s: EngineState, bookOrders: Map<number, Order>): void {
  check(s.orders.size === bookOrders.size, 'orders map = resting orders', () =>
    `orders map has ${s.orders.size}, books hold ${bookOrders.size}`,
  );
  for (const [id, order] of s.orders) {
    check(order.id === id && bookOrders.get(id) === order, 'orders map = resting orders', () => `order ${id} in map is not in a book`);
    check(id < s.nextOrderId, 'order ids below nextOrderId', () => `order ${id} >= nextOrderId ${s.nextOrderId}`);
  }
}

function checkAccounts(s: EngineState): void {
  const assetCount = s.catalogue.assets.length;
  let listed = 0;
  for (const account of s.accounts.byUser.values()) {
    const who = `account ${account.userId}`;
    const need = new Array<number>(assetCount).fill(0);
    let count = 0;
    let cids = 0;
    let prev: Order | null = null;
    for (let o = account.firstOrder; o !== null; o = o.accountNext) {
      check(o.accountPrev === prev, "account's order list links consistent", () => `${who}: order ${o.id} accountPrev broken`);
      check(o.account === account, "every order in its account's list", () => `${who}: lists order ${o.id} of ${o.account.userId}`);
      check(s.orders.get(o.id) === o, "account's orders are resting", () => `${who}: lists order ${o.id} which is not open`);
      const spec = s.markets[o.marketIndex].spec;
      if (o.side === BUY) need[spec.quoteAsset] += o.remaining * o.price * spec.quoteAtomsPerTickLot;
      else need[spec.baseAsset] += o.remaining * spec.baseAtomsPerLot;
      if (o.clientOrderId !== null) {
        cids++;
        check(account.clientOrderIds?.get(o.clientOrderId) === o, 'clientOrderIds index consistent', () =>
          `${who}: order ${o.id} clientOrderId ${o.clientOrderId} not indexed to it`,
        );
      }
      count++;
      prev = o;
      check(count <= s.orders.size, "account's order list is finite", () => `${who}: order list loops`);
    }
    listed += count;
    check(count === account.openOrders, 'openOrders count right', () => `${who}: openOrders ${account.openOrders}, listed ${count}`);
    const indexed = account.clientOrderIds?.size ?? 0;
    check(indexed === cids, 'clientOrderIds index consistent', () => `${who}: index has ${indexed}, open orders with ids ${cids}`);
    for (const [cid, o] of account.clientOrderIds ?? []) {
      check(o.clientOrderId === cid && o.account === account && s.orders.get(o.id) === o, 'clientOrderIds index consistent', () =>
        `${who}: index entry ${cid} -> order ${o.id} is stale`,
      );
    }
    for (let a = 0; a < assetCount; a++) {
      const assetName = s.catalogue.assets[a].name;
      checkAmount(account, a, assetName);
      check(account.locked[a] === need[a], 'locked = what open orders need', () =>
        `${who} ${assetName}: locked ${account.locked[a]}, open orders need ${need[a]}`,
      );
    }
  }
  check(listed === s.orders.size, "every resting order in its account's list", () =>
    `accounts list ${listed} orders, ${s.orders.size} are open`,
  );
}

function checkAmount(account: Account, a: number, assetName: string): void {
  for (const [what, v] of [['available', account.available[a]], ['locked', account.locked[a]]] as const) {
    check(Number.isSafeInteger(v) && v >= 0, 'balances are non-negative safe integers', () =>
      `account ${account.userId} ${assetName} ${what} = ${v}`,
    );
  }
}

function checkConservation(engine: Engine, s: EngineState): void {
  const reported = engine.supply();
  s.catalogue.assets.forEach((asset, a) => {
    let sum = 0;
    for (const account of s.accounts.byUser.values()) sum += account.available[a] + account.locked[a];
    for (const m of s.markets) {
      if (m.pool === null) continue;
      if (m.spec.baseAsset === a) sum += m.pool.baseReserve;
      if (m.spec.quoteAsset === a) sum += m.pool.quoteReserve;
    }
    check(Number.isSafeInteger(s.supply[a]) && s.supply[a] >= 0, 'supply is a non-negative safe integer', () =>
      `${asset.name}: supply ${s.supply[a]}`,
    );
    check(sum === s.supply[a] && reported[asset.name] === s.supply[a], 'asset conservation', () =>
      `${asset.name}: accounts + pools = ${sum}, supply = ${s.supply[a]} (supply() says ${reported[asset.name]})`,
    );
  });
}
