import type { Account } from './accounts.js';
import { Accounts, FEES_ACCOUNT } from './accounts.js';
import { BUY, type Order } from './book/order.js';
import { OrderBook } from './book/order-book.js';
import { OrderIndex } from './book/order-index.js';
import type { CancelReason, EngineEvent, OrderView } from './events.js';
import type { MarketCatalogue, MarketSpec } from './market.js';
import { ValidOrder } from './order-validation.js';
import type { TakerProgress } from './book-taker.js';
import { restingOrderView } from './views.js';

/** An AMM pool's reserves, in asset atoms (part of each asset's supply, so safe integers). */
export interface PoolState {
  baseReserve: number;
  quoteReserve: number;
  readonly feeBps: number;
}

export interface Market {
  readonly index: number;
  readonly spec: MarketSpec;
  readonly book: OrderBook;
  pool: PoolState | null;
  /** last command stamp that traded with the pool (one pool event per command) */
  poolTouchedStamp: number;
}

/**
 * The engine's whole mutable state plus the bookkeeping of the command being executed (its stamp, the
 * event list it appends to, and which balances and books it changed). Command handlers are free
 * functions over this object; engine.ts dispatches to them.
 */
/** Stands in for the event list while replaying; nothing is ever pushed to it. */
const NO_EVENTS: EngineEvent[] = Object.freeze([]) as unknown as EngineEvent[];

export class EngineState {
  readonly markets: Market[];
  readonly marketByPair = new Map<string, Market>();
  readonly accounts: Accounts;
  readonly fees: Account;
  /** open (resting) orders by id */
  readonly orders = new OrderIndex();
  /** per asset: deposits − withdrawals + initial AMM reserves; what all balances and pools add up to */
  readonly supply: number[];
  nextOrderId = 1;
  nextTradeId = 1;

  // --- the command in progress ---
  /** scratch for the order being placed (refilled per command) */
  readonly validOrder = new ValidOrder();
  readonly progress: TakerProgress = {
    bound: 0,
    boundIsSlippage: false,
    budget: 0,
    bookLots: 0,
    ammLots: 0,
    poolLeg: null,
    fills: [],
  };
  stamp = 0;
  time = 0;
  out: EngineEvent[] = [];
  /** false while replaying: the state changes exactly as usual, but no event is built */
  emitting = true;
  // lists reused across commands; a count instead of `length = 0`, which is slow in V8
  private touchedAccounts: Account[] = [];
  private touchedAssets: number[] = [];
  private touchedBalances = 0;
  private touchedMarkets: Market[] = [];
  private touchedMarketCount = 0;

  constructor(readonly catalogue: MarketCatalogue) {
    this.accounts = new Accounts(catalogue.assets.length);
    this.fees = this.accounts.getOrCreate(FEES_ACCOUNT);
    this.supply = new Array<number>(catalogue.assets.length).fill(0);
    this.markets = catalogue.markets.map((spec, index) => {
      const market: Market = {
        index,
        spec,
        book: new OrderBook(),
        pool: spec.amm === null ? null : { ...spec.amm },
        poolTouchedStamp: -1,
      };
      this.marketByPair.set(spec.pair, market);
      if (market.pool !== null) {
        this.supply[spec.baseAsset] += market.pool.baseReserve;
        this.supply[spec.quoteAsset] += market.pool.quoteReserve;
      }
      return market;
    });
  }

  begin(time: number, out: EngineEvent[] | null): void {
    this.stamp++;
    this.time = time;
    this.emitting = out !== null;
    this.out = out ?? NO_EVENTS;
  }

  /** Records that a balance changed, so one balance event with its final value is emitted. */
  touchBalance(account: Account, asset: number): void {
    if (account.touchedStamp[asset] !== this.stamp) {
      account.touchedStamp[asset] = this.stamp;
      this.touchedAccounts[this.touchedBalances] = account;
      this.touchedAssets[this.touchedBalances] = asset;
      this.touchedBalances++;
    }
  }

  touchMarket(market: Market): void {
    const list = this.touchedMarkets;
    const n = this.touchedMarketCount;
    for (let i = 0; i < n; i++) if (list[i] === market) return;
    list[n] = market;
    this.touchedMarketCount = n + 1;
  }

  touchPool(market: Market): void {
    market.poolTouchedStamp = this.stamp;
    this.touchMarket(market);
  }

  /** Appends the command's balance events and one book diff (and pool update) per changed market. */
  finish(): void {
    if (!this.emitting) {
      this.finishQuietly();
      return;
    }
    const out = this.out;
    const assets = this.catalogue.assets;
    for (let i = 0; i < this.touchedBalances; i++) {
      const account = this.touchedAccounts[i];
      const asset = this.touchedAssets[i];
      out.push({
        type: 'balance',
        userId: account.userId,
        asset: assets[asset].name,
        available: account.available[asset],
        locked: account.locked[asset],
      });
    }
    this.touchedBalances = 0;
    for (let i = 0; i < this.touchedMarketCount; i++) {
      const market = this.touchedMarkets[i];
      if (market.poolTouchedStamp === this.stamp) {
        const pool = market.pool!;
        out.push({ type: 'pool', pair: market.spec.pair, baseReserve: pool.baseReserve, quoteReserve: pool.quoteReserve });
      }
      const diff = market.book.takeChanges();
      if (diff === null) continue;
      market.book.seq++;
      out.push({ type: 'book', pair: market.spec.pair, seq: market.book.seq, bids: diff.bids, asks: diff.asks });
    }
    this.touchedMarketCount = 0;
  }

  /** The bookkeeping of finish() without building events: book sequences still rise. */
  private finishQuietly(): void {
    this.touchedBalances = 0;
    for (let i = 0; i < this.touchedMarketCount; i++) {
      const book = this.touchedMarkets[i].book;
      if (book.discardChanges()) book.seq++;
    }
    this.touchedMarketCount = 0;
  }

  /** Funds a resting order holds: quote for a buy, base for a sell. */
  lockedBy(order: Order, spec: MarketSpec): number {
    return order.side === BUY ? order.remaining * order.price * spec.quoteAtomsPerTickLot : order.remaining * spec.baseAtomsPerLot;
  }

  /** Takes a resting order off the book, releases its funds and reports it cancelled (null: replaying). */
  cancelResting(order: Order, reason: CancelReason): OrderView | null {
    const market = this.markets[order.marketIndex];
    const spec = market.spec;
    const account = order.account;
    const asset = order.side === BUY ? spec.quoteAsset : spec.baseAsset;
    const release = this.lockedBy(order, spec);
    account.locked[asset] -= release;
    account.available[asset] += release;
    this.touchBalance(account, asset);
    market.book.remove(order, this.stamp);
    this.touchMarket(market);
    this.forget(order);
    if (!this.emitting) return null;
    const view = restingOrderView(order, spec.pair, 'cancelled', reason);
    this.out.push({ type: 'orderUpdated', order: view });
    return view;
  }

  /** Drops a no-longer-open order from the indexes. */
  forget(order: Order): void {
    this.orders.delete(order.id);
    order.account.unlinkOrder(order);
  }
}
