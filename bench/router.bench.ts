/**
 * node --import tsx bench/router.bench.ts — throughput of market orders routed over the book AND the
 * AMM pool, against the same orders on a book-only market (the same book, no pool), in one process:
 * several alternating rounds, medians, ratio. Last line: one JSON object.
 *
 * Every measured order crosses several book levels: between two measured orders the consumed makers
 * are re-placed and the pool's reserves are put back (add/removeLiquidity), untimed, so each order
 * meets the same book and the same pool. Only engine.execute of the market order itself is timed.
 *
 * BENCH_ROUNDS (default 5), BENCH_ORDERS per round and variant (default 100000).
 */
import type { Command, PlaceOrderCommand } from '../src/engine/commands.js';
import { Engine } from '../src/engine/engine.js';
import type { EngineEvent, PlaceOrderResult } from '../src/engine/events.js';
import type { MarketConfig } from '../src/engine/market.js';
import { poolAskTicks, poolBidTicks } from '../src/engine/pool-plan.js';
import { BENCH_MARKET } from './support/exchange-stream.js';
import { mulberry32 } from './support/prng.js';
import { median } from './support/stats.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const ORDERS = Number(process.env.BENCH_ORDERS ?? 100_000);
/** book levels per side, one tick apart, starting just outside the pool's own quotes */
const LEVELS = 40;
const LEVEL_LOTS = 20;
const MAKERS = 8;
const PAIR = BENCH_MARKET.pair;

/** BENCH 3 decimals, USD 5: 1 lot = 1 BENCH atom, 1 tick × 1 lot = 1 USD atom; pool 10000 BENCH at 1000.00 */
const POOLED: MarketConfig = { ...BENCH_MARKET, amm: { baseReserve: '10000', quoteReserve: '10000000', feeBps: 30 } };
const BOOK_ONLY: MarketConfig = { ...BENCH_MARKET, amm: null };

interface Variant {
  readonly name: 'routed' | 'bookOnly';
  readonly engine: Engine;
  /** [ticks, lots] the book is refilled to */
  readonly asks: Array<[number, number]>;
  readonly bids: Array<[number, number]>;
  readonly pool: { baseReserve: number; quoteReserve: number } | null;
}

let clock = 1;
const out: EngineEvent[] = [];

function exec(engine: Engine, cmd: Command): void {
  const r = engine.execute(cmd, out);
  out.length = 0;
  if (!r.ok) throw new Error(`setup command rejected: ${r.code} ${r.message}`);
}

/** The book ladder, placed where neither side would trade with the pool on arrival. */
function ladder(): { asks: Array<[number, number]>; bids: Array<[number, number]> } {
  const probe = new Engine([POOLED]);
  const spec = probe.catalogue.markets[0];
  const p = probe.depth(PAIR)!.pool!;
  const pool = { baseReserve: BigInt(p.baseReserve), quoteReserve: BigInt(p.quoteReserve), feeBps: p.feeBps };
  const ask = poolAskTicks(spec, pool)!;
  const bid = poolBidTicks(spec, pool)!;
  const asks: Array<[number, number]> = [];
  const bids: Array<[number, number]> = [];
  for (let i = 0; i < LEVELS; i++) {
    asks.push([ask + 1 + i, LEVEL_LOTS]);
    bids.push([bid - 1 - i, LEVEL_LOTS]);
  }
  return { asks, bids };
}

function makeVariant(name: Variant['name'], book: ReturnType<typeof ladder>): Variant {
  const engine = new Engine([name === 'routed' ? POOLED : BOOK_ONLY]);
  for (const userId of ['tk', ...Array.from({ length: MAKERS }, (_, i) => `mk${i}`)]) {
    exec(engine, { type: 'deposit', time: clock++, userId, asset: 'BENCH', amount: 1_000_000_000_000_000 });
    exec(engine, { type: 'deposit', time: clock++, userId, asset: 'USD', amount: 1_000_000_000_000_000 });
  }
  const pool = engine.depth(PAIR)!.pool;
  const v: Variant = {
    name,
    engine,
    asks: book.asks,
    bids: book.bids,
    pool: pool === null ? null : { baseReserve: pool.baseReserve, quoteReserve: pool.quoteReserve },
  };
  refill(v);
  return v;
}

let makerTurn = 0;

/** Tops every ladder level back up and puts the pool's reserves back (untimed). */
function refill(v: Variant): void {
  const depth = v.engine.depth(PAIR, LEVELS + 10)!;
  for (const [side, want, have] of [
    ['sell', v.asks, depth.asks],
    ['buy', v.bids, depth.bids],
  ] as const) {
    const now = new Map(have);
    for (const [price, lots] of want) {
      const missing = lots - (now.get(price) ?? 0);
      if (missing <= 0) continue;
      const cmd: PlaceOrderCommand = {
        type: 'placeOrder',
        time: clock++,
        userId: `mk${makerTurn++ % MAKERS}`,
        pair: PAIR,
        side,
        orderType: 'limit',
        price,
        amount: missing,
      };
      const r = v.engine.execute(cmd, out);
      out.length = 0;
      if (!r.ok || (r as PlaceOrderResult).fills.length > 0) throw new Error('refill order traded or was rejected');
    }
  }
  if (v.pool !== null) {
    const p = depth.pool!;
    for (const [type, base, quote] of [
      ['addLiquidity', v.pool.baseReserve - p.baseReserve, v.pool.quoteReserve - p.quoteReserve],
      ['removeLiquidity', p.baseReserve - v.pool.baseReserve, p.quoteReserve - v.pool.quoteReserve],
    ] as const) {
      const b = Math.max(0, base);
      const q = Math.max(0, quote);
      if (b + q > 0) exec(v.engine, { type, time: clock++, pair: PAIR, baseAmount: b, quoteAmount: q });
    }
  }
}

/** The measured orders: market buys and sells, alternating, sized to cross several levels. */
function orders(count: number): PlaceOrderCommand[] {
  const rand = mulberry32(20_260_601);
  const list: PlaceOrderCommand[] = [];
  for (let i = 0; i < count; i++) {
    list.push({
      type: 'placeOrder',
      time: 0,
      userId: 'tk',
      pair: PAIR,
      side: i % 2 === 0 ? 'buy' : 'sell',
      orderType: 'market',
      amount: 150 + Math.floor(rand() * 250),
    });
  }
  return list;
}

interface RoundResult {
  ordersPerSec: number;
  bookLevels: number;
  poolStretches: number;
}

function runRound(v: Variant, list: readonly PlaceOrderCommand[]): RoundResult {
  let ns = 0n;
  let bookLevels = 0;
  let poolStretches = 0;
  for (let i = 0; i < list.length; i++) {
    const cmd = { ...list[i], time: clock++ };
    const t0 = process.hrtime.bigint();
    const r = v.engine.execute(cmd, out);
    ns += process.hrtime.bigint() - t0;
    out.length = 0;
    const fills = (r as PlaceOrderResult).fills;
    if (!r.ok || (r as PlaceOrderResult).order.filled !== cmd.amount) throw new Error(`${v.name}: order ${i} did not fill`);
    let lastBookPrice = -1;
    for (const f of fills) {
      if (f.venue === 'amm') poolStretches++;
      else if (f.price !== lastBookPrice) {
        bookLevels++;
        lastBookPrice = f.price;
      }
    }
    refill(v);
  }
  return { ordersPerSec: list.length / (Number(ns) / 1e9), bookLevels: bookLevels / list.length, poolStretches: poolStretches / list.length };
}

function main(): void {
  const book = ladder();
  const list = orders(ORDERS);
  const routed = makeVariant('routed', book);
  const bookOnly = makeVariant('bookOnly', book);
  console.log(
    `router bench: ${ORDERS} market orders per round and variant (150–399 lots, buys and sells alternating), ` +
      `${LEVELS} levels × ${LEVEL_LOTS} lots a side one tick apart, pool 10000 BENCH / 10000000 USD fee 30 bps; ` +
      `book and pool restored between orders, untimed; ${ROUNDS} alternating rounds`,
  );
  // one untimed warm-up round each
  runRound(routed, list.slice(0, Math.min(2000, ORDERS)));
  runRound(bookOnly, list.slice(0, Math.min(2000, ORDERS)));
  const r: number[] = [];
  const b: number[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const first = round % 2 === 1 ? routed : bookOnly;
    const second = first === routed ? bookOnly : routed;
    const x = runRound(first, list);
    const y = runRound(second, list);
    const [rr, bb] = first === routed ? [x, y] : [y, x];
    r.push(rr.ordersPerSec);
    b.push(bb.ordersPerSec);
    console.log(
      `round ${round}: routed ${Math.round(rr.ordersPerSec)} orders/s (${rr.bookLevels.toFixed(1)} book levels + ` +
        `${rr.poolStretches.toFixed(1)} pool stretches per order), book only ${Math.round(bb.ordersPerSec)} orders/s ` +
        `(${bb.bookLevels.toFixed(1)} levels per order)`,
    );
  }
  const routedOrdersPerSec = Math.round(median(r));
  const bookOnlyOrdersPerSec = Math.round(median(b));
  const ratio = Number((routedOrdersPerSec / bookOnlyOrdersPerSec).toFixed(3));
  console.log(`median: routed ${routedOrdersPerSec} orders/s, book only ${bookOnlyOrdersPerSec} orders/s, ratio ${ratio}`);
  console.log(JSON.stringify({ routedOrdersPerSec, bookOnlyOrdersPerSec, ratio }));
}

main();
