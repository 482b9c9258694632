/** A thin wrapper over Engine for readable unit tests: builds commands, keeps time, collects events. */
import type { Command, PlaceOrderCommand } from '../../src/engine/commands.js';
import { Engine } from '../../src/engine/engine.js';
import type {
  BalanceResult,
  CancelAllResult,
  CancelOrderResult,
  CommandResult,
  EngineEvent,
  PlaceOrderResult,
} from '../../src/engine/events.js';
import type { MarketConfig } from '../../src/engine/market.js';
import { TEST_MARKETS } from './markets.js';

type WithoutTime<T> = T extends unknown ? Omit<T, 'time'> & { time?: number } : never;

export type OrderOptions = Partial<Omit<PlaceOrderCommand, 'type' | 'time' | 'userId' | 'pair' | 'side' | 'orderType'>>;

export class Harness {
  readonly engine: Engine;
  time = 1_000;
  /** events of the last command */
  events: EngineEvent[] = [];
  /** every event so far */
  readonly allEvents: EngineEvent[] = [];

  constructor(markets: readonly MarketConfig[] = TEST_MARKETS) {
    this.engine = new Engine(markets);
  }

  run(cmd: WithoutTime<Command>): CommandResult {
    this.time++;
    this.events = [];
    const result = this.engine.execute({ time: this.time, ...cmd } as Command, this.events);
    this.allEvents.push(...this.events);
    return result;
  }

  deposit(userId: string, asset: string, amount: number): BalanceResult {
    return ok(this.run({ type: 'deposit', userId, asset, amount }));
  }

  withdraw(userId: string, asset: string, amount: number): CommandResult {
    return this.run({ type: 'withdraw', userId, asset, amount });
  }

  place(userId: string, pair: string, side: 'buy' | 'sell', o: OrderOptions & { orderType?: 'limit' | 'market' }): CommandResult {
    return this.run({ type: 'placeOrder', userId, pair, side, orderType: o.orderType ?? 'limit', ...o } as PlaceOrderCommand);
  }

  /** A limit order that must be accepted. */
  limit(userId: string, side: 'buy' | 'sell', price: number, amount: number, o: OrderOptions = {}, pair = 'IDX-USDC'): PlaceOrderResult {
    return ok(this.place(userId, pair, side, { price, amount, ...o }));
  }

  /** A market order that must be accepted. */
  market(userId: string, side: 'buy' | 'sell', o: OrderOptions, pair = 'IDX-USDC'): PlaceOrderResult {
    return ok(this.place(userId, pair, side, { orderType: 'market', ...o }));
  }

  cancel(userId: string, orderId: number): CommandResult {
    return this.run({ type: 'cancelOrder', userId, orderId });
  }

  cancelAll(userId: string, pair: string | null): CommandResult {
    return this.run({ type: 'cancelAll', userId, pair });
  }

  bal(userId: string, asset: string): { available: number; locked: number } {
    return this.engine.balances(userId)[asset];
  }

  depth(pair = 'IDX-USDC'): { seq: number; bids: Array<[number, number]>; asks: Array<[number, number]> } {
    const d = this.engine.depth(pair)!;
    return { seq: d.seq, bids: d.bids, asks: d.asks };
  }
}

/** The result of a command that must succeed, typed loosely so tests can read any success field. */
export function ok(result: CommandResult): PlaceOrderResult & CancelOrderResult & CancelAllResult & BalanceResult {
  if (!result.ok) throw new Error(`expected success, got ${result.code}: ${result.message}`);
  return result as never;
}

export function rejected(result: CommandResult): string {
  if (result.ok) throw new Error(`expected a rejection, got ${JSON.stringify(result)}`);
  return result.code;
}
