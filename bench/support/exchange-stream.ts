import type { Command, PlaceOrderCommand } from '../../src/engine/commands.js';
import { mulberry32 } from './prng.js';

/**
 * An exchange-like command stream for benchmarks, generated up front so that generating it is not
 * timed. Orders are numbered in placement order; since every user is funded well enough that no
 * order is rejected, the engine gives order k the id k + 1, and cancels refer to those ids.
 */
export interface StreamOptions {
  seed: number;
  users: number;
  /** resting orders placed before the measured part */
  prefill: number;
  /** measured commands */
  commands: number;
  /** levels each side spans around the mid */
  levels: number;
  limitShare: number;
  marketShare: number;
  /** of limit orders, the share that are IOC and cross the spread */
  iocShare: number;
}

export interface ExchangeStream {
  readonly pair: string;
  readonly deposits: Command[];
  readonly prefill: PlaceOrderCommand[];
  readonly commands: Command[];
}

export const BENCH_PAIR = 'BENCH-USD';
export const BENCH_MID = 100_000;
/** huge balances so nothing is ever refused for funds (the engine still checks and moves them) */
const FUNDING = 1_000_000_000_000;

export function generateStream(o: StreamOptions): ExchangeStream {
  const rand = mulberry32(o.seed);
  const int = (n: number): number => Math.floor(rand() * n);
  const deposits: Command[] = [];
  for (let u = 0; u < o.users; u++) {
    deposits.push({ type: 'deposit', time: 0, userId: `u${u}`, asset: 'BENCH', amount: FUNDING });
    deposits.push({ type: 'deposit', time: 0, userId: `u${u}`, asset: 'USD', amount: FUNDING });
  }
  const live: number[] = [];
  /** owner of each order id, so cancels come from the user who placed the order */
  const ownerOf: string[] = [''];
  let nextId = 1;
  const place = (userId: string): void => {
    ownerOf.push(userId);
    nextId++;
  };
  const restingLimit = (time: number): PlaceOrderCommand => {
    const buy = rand() < 0.5;
    const offset = 1 + int(o.levels);
    const userId = `u${int(o.users)}`;
    live.push(nextId);
    place(userId);
    return {
      type: 'placeOrder',
      time,
      userId,
      pair: BENCH_PAIR,
      side: buy ? 'buy' : 'sell',
      orderType: 'limit',
      price: buy ? BENCH_MID - offset : BENCH_MID + offset,
      amount: 1 + int(100),
    };
  };
  const prefill: PlaceOrderCommand[] = [];
  for (let i = 0; i < o.prefill; i++) prefill.push(restingLimit(0));

  const commands: Command[] = [];
  for (let i = 0; i < o.commands; i++) {
    const time = 1 + i;
    const r = rand();
    if (r < o.limitShare) {
      if (rand() < o.iocShare) {
        const buy = rand() < 0.5;
        const userId = `u${int(o.users)}`;
        place(userId);
        commands.push({
          type: 'placeOrder',
          time,
          userId,
          pair: BENCH_PAIR,
          side: buy ? 'buy' : 'sell',
          orderType: 'limit',
          timeInForce: 'IOC',
          price: buy ? BENCH_MID + 1 + int(5) : BENCH_MID - 1 - int(5),
          amount: 1 + int(200),
        });
      } else {
        commands.push(restingLimit(time));
      }
    } else if (r < o.limitShare + o.marketShare) {
      const userId = `u${int(o.users)}`;
      place(userId);
      commands.push({
        type: 'placeOrder',
        time,
        userId,
        pair: BENCH_PAIR,
        side: rand() < 0.5 ? 'buy' : 'sell',
        orderType: 'market',
        // large enough that markets and cancels together balance new resting orders
        amount: 1 + int(250),
      });
    } else {
      // cancel a random order placed earlier (it may have been filled meanwhile: a real miss)
      const k = int(live.length);
      const id = live[k];
      live[k] = live[live.length - 1];
      live.pop();
      commands.push({ type: 'cancelOrder', time, userId: ownerOf[id], orderId: id });
    }
  }
  return { pair: BENCH_PAIR, deposits, prefill, commands };
}

export const BENCH_MARKET = {
  pair: BENCH_PAIR,
  base: 'BENCH',
  quote: 'USD',
  tickSize: '0.01',
  lotSize: '0.001',
  minNotional: '0',
  makerFeeBps: 1,
  takerFeeBps: 5,
  amm: null,
} as const;
