import { cancelAll, cancelByClientOrderId, cancelOrder } from './cancel-order.js';
import type { Command } from './commands.js';
import { EngineState } from './engine-state.js';
import type { CommandResult, EngineEvent, OrderView } from './events.js';
import { changeLiquidity, deposit, withdraw } from './funding.js';
import { hashString } from './hash.js';
import { buildCatalogue, type MarketCatalogue, type MarketConfig } from './market.js';
import { invalidTime, shown } from './command-fields.js';
import { placeOrder } from './place-order.js';
import { restoreSnapshot, takeSnapshot, type EngineSnapshot } from './snapshot.js';
import { restingOrderView, restingStatus } from './views.js';

export interface BookDepth {
  readonly pair: string;
  readonly seq: number;
  /** [ticks, lots], best first */
  readonly bids: Array<[number, number]>;
  readonly asks: Array<[number, number]>;
  readonly pool: { readonly baseReserve: number; readonly quoteReserve: number; readonly feeBps: number } | null;
}

/**
 * The matching engine: pure and deterministic. Commands go in one at a time; each returns a result and
 * appends its events, in order, to the caller's array. No I/O, no clock, no randomness: the same
 * commands give the same state, events and stateHash().
 */
export class Engine {
  private readonly s: EngineState;

  constructor(markets: readonly MarketConfig[] | MarketCatalogue) {
    const catalogue = Array.isArray(markets) ? buildCatalogue(markets) : (markets as MarketCatalogue);
    this.s = new EngineState(catalogue);
  }

  get catalogue(): MarketCatalogue {
    return this.s.catalogue;
  }

  /**
   * Executes one command, appending its events to `out`. With `out` null (replay) the state changes
   * exactly the same, but no event is built and a place result carries no fills.
   */
  execute(cmd: Command, out: EngineEvent[] | null): CommandResult {
    const badTime = invalidTime(cmd.time);
    if (badTime !== null) return badTime;
    const s = this.s;
    s.begin(cmd.time, out);
    let result: CommandResult;
    switch (cmd.type) {
      case 'placeOrder':
        result = placeOrder(s, cmd);
        break;
      case 'cancelOrder':
        result = cancelOrder(s, cmd);
        break;
      case 'cancelByClientOrderId':
        result = cancelByClientOrderId(s, cmd);
        break;
      case 'cancelAll':
        result = cancelAll(s, cmd);
        break;
      case 'deposit':
        result = deposit(s, cmd);
        break;
      case 'withdraw':
        result = withdraw(s, cmd);
        break;
      case 'addLiquidity':
      case 'removeLiquidity':
        result = changeLiquidity(s, cmd);
        break;
      default: {
        const unknown: never = cmd;
        result = { ok: false, code: 'VALIDATION_ERROR', message: `unknown command ${shown((unknown as { type: unknown }).type)}` };
      }
    }
    s.finish();
    return result;
  }

  // --- reads (no state change) ---

  depth(pair: string, levels = Number.MAX_SAFE_INTEGER): BookDepth | null {
    const market = this.s.marketByPair.get(pair);
    if (market === undefined) return null;
    return {
      pair,
      seq: market.book.seq,
      bids: market.book.bids.depth(levels),
      asks: market.book.asks.depth(levels),
      pool: market.pool === null ? null : { ...market.pool },
    };
  }

  openOrder(orderId: number): OrderView | null {
    const order = this.s.orders.get(orderId);
    if (order === undefined) return null;
    return restingOrderView(order, this.s.markets[order.marketIndex].spec.pair, restingStatus(order), null);
  }

  /** A user's open orders, oldest first; in one market or all. */
  openOrders(userId: string, pair: string | null = null): OrderView[] {
    const account = this.s.accounts.get(userId);
    const out: OrderView[] = [];
    for (let o = account?.firstOrder ?? null; o !== null; o = o.accountNext) {
      const p = this.s.markets[o.marketIndex].spec.pair;
      if (pair === null || p === pair) out.push(restingOrderView(o, p, restingStatus(o), null));
    }
    return out.sort((a, b) => a.id - b.id);
  }

  /** A user's balances by asset name, in atoms. */
  balances(userId: string): Record<string, { available: number; locked: number }> {
    const account = this.s.accounts.get(userId);
    const out: Record<string, { available: number; locked: number }> = {};
    for (const asset of this.s.catalogue.assets) {
      out[asset.name] = {
        available: account?.available[asset.index] ?? 0,
        locked: account?.locked[asset.index] ?? 0,
      };
    }
    return out;
  }

  /** User ids in creation order. */
  userIds(): string[] {
    return [...this.s.accounts.byUser.keys()];
  }

  /** Per asset: deposits − withdrawals + initial pool reserves, in atoms. */
  supply(): Record<string, number> {
    return Object.fromEntries(this.s.catalogue.assets.map((a) => [a.name, this.s.supply[a.index]]));
  }

  openOrderCount(): number {
    return this.s.orders.size;
  }

  snapshot(): EngineSnapshot {
    return takeSnapshot(this.s);
  }

  stateHash(): string {
    return hashString(JSON.stringify(this.snapshot()));
  }

  /** Rebuilds an engine from a snapshot taken with the same market configuration. */
  static fromSnapshot(markets: readonly MarketConfig[] | MarketCatalogue, snap: EngineSnapshot): Engine {
    const engine = new Engine(markets);
    restoreSnapshot(engine.s, snap);
    return engine;
  }

  /** For tests and invariant checks: the internal state (read it, never change it). */
  get internals(): EngineState {
    return this.s;
  }
}
