/**
 * npm run bench:engine — single-threaded matching throughput of the HOOATS engine (balances, fees and
 * events on) against nodejs-order-book on the same command stream in the same process, per-command
 * latency, and memory per resting order. Prints medians of several alternating rounds; the last line
 * is one JSON object.
 */
import { OrderBook as NodejsOrderBook } from 'nodejs-order-book';
import type { Command } from '../src/engine/commands.js';
import { Engine } from '../src/engine/engine.js';
import type { EngineEvent } from '../src/engine/events.js';
import { BENCH_MARKET, generateStream, type ExchangeStream } from './support/exchange-stream.js';
import { median, percentile } from './support/stats.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const COMMANDS = Number(process.env.BENCH_COMMANDS ?? 1_000_000);
const PREFILL = Number(process.env.BENCH_PREFILL ?? 100_000);
const MEMORY_ORDERS = Number(process.env.BENCH_MEMORY_ORDERS ?? 1_000_000);

function freshEngine(stream: ExchangeStream): Engine {
  const engine = new Engine([BENCH_MARKET]);
  const out: EngineEvent[] = [];
  for (const c of stream.deposits) engine.execute(c, out);
  for (const c of stream.prefill) {
    const r = engine.execute(c, out);
    if (!r.ok) throw new Error(`prefill rejected: ${r.code}`);
    out.length = 0;
  }
  return engine;
}

/** Runs the measured commands; events are produced and then dropped, as a consumer would after use. */
function runHooats(stream: ExchangeStream): { seconds: number; engine: Engine; events: number } {
  const engine = freshEngine(stream);
  const out: EngineEvent[] = [];
  const commands = stream.commands;
  let events = 0;
  const start = process.hrtime.bigint();
  for (let i = 0; i < commands.length; i++) {
    engine.execute(commands[i], out);
    events += out.length;
    out.length = 0;
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return { seconds, engine, events };
}

interface NobCommand {
  kind: 0 | 1 | 2;
  side: 'buy' | 'sell';
  id: string;
  size: number;
  price: number;
  tif: 'GTC' | 'IOC';
}

/** The same stream in nodejs-order-book's terms (built before timing: ids as strings it needs). */
function toNob(commands: readonly Command[]): NobCommand[] {
  let placed = 0;
  const prefix = 'o';
  return commands.map((c): NobCommand => {
    if (c.type === 'placeOrder') {
      placed++;
      return {
        kind: c.orderType === 'limit' ? 0 : 1,
        side: c.side,
        id: prefix + placed,
        size: c.amount!,
        price: c.price ?? 0,
        tif: c.timeInForce === 'IOC' ? 'IOC' : 'GTC',
      };
    }
    if (c.type === 'cancelOrder') return { kind: 2, side: 'buy', id: prefix + c.orderId, size: 0, price: 0, tif: 'GTC' };
    throw new Error(`unexpected ${c.type}`);
  });
}

function runNob(prefill: NobCommand[], commands: NobCommand[]): number {
  const ob = new NodejsOrderBook();
  // Side enum values are the strings 'buy'/'sell'
  for (const c of prefill) ob.limit({ side: c.side as never, id: c.id, size: c.size, price: c.price });
  const start = process.hrtime.bigint();
  for (let i = 0; i < commands.length; i++) {
    const c = commands[i];
    if (c.kind === 0) ob.limit({ side: c.side as never, id: c.id, size: c.size, price: c.price, timeInForce: c.tif as never });
    else if (c.kind === 1) ob.market({ side: c.side as never, size: c.size });
    else ob.cancel(c.id);
  }
  return Number(process.hrtime.bigint() - start) / 1e9;
}

function latencies(stream: ExchangeStream): { p50: number; p99: number } {
  const engine = freshEngine(stream);
  const out: EngineEvent[] = [];
  const commands = stream.commands;
  const samples = new Float64Array(commands.length);
  for (let i = 0; i < commands.length; i++) {
    const t0 = process.hrtime.bigint();
    engine.execute(commands[i], out);
    samples[i] = Number(process.hrtime.bigint() - t0);
    out.length = 0;
  }
  return { p50: percentile(samples, 0.5), p99: percentile(samples, 0.99) };
}

function bytesPerRestingOrder(count: number): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run with node --expose-gc');
  const engine = new Engine([BENCH_MARKET]);
  const out: EngineEvent[] = [];
  const users = 10_000;
  for (let u = 0; u < users; u++) {
    engine.execute({ type: 'deposit', time: 0, userId: `m${u}`, asset: 'USD', amount: 100_000_000_000 }, out);
    engine.execute({ type: 'deposit', time: 0, userId: `m${u}`, asset: 'BENCH', amount: 100_000_000_000 }, out);
  }
  out.length = 0;
  gc();
  gc();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < count; i++) {
    const buy = (i & 1) === 0;
    const offset = 1 + (i % 2000);
    engine.execute(
      {
        type: 'placeOrder',
        time: 1_700_000_000_000 + i,
        userId: `m${i % users}`,
        pair: BENCH_MARKET.pair,
        side: buy ? 'buy' : 'sell',
        orderType: 'limit',
        price: buy ? 100_000 - offset : 100_000 + offset,
        amount: 1 + (i % 100),
      },
      out,
    );
    out.length = 0;
  }
  gc();
  gc();
  const after = process.memoryUsage().heapUsed;
  if (engine.openOrderCount() !== count) throw new Error('memory run: not every order rested');
  return (after - before) / count;
}

function main(): void {
  const stream = generateStream({
    seed: 20261126,
    users: 1000,
    prefill: PREFILL,
    commands: COMMANDS,
    levels: 500,
    limitShare: 0.6,
    marketShare: 0.1,
    iocShare: 0.1,
  });
  const nobPrefill = toNob(stream.prefill);
  const nobCommands = toNob(stream.commands);
  console.log(
    `stream: ${COMMANDS} commands (60% limit of which 10% IOC, 10% market, 30% cancel) over ${PREFILL} resting orders, ` +
      `500 levels a side, 1000 users, fees on; ${ROUNDS} alternating rounds`,
  );
  const ours: number[] = [];
  const theirs: number[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const hooats = runHooats(stream);
    const nobSeconds = runNob(nobPrefill, nobCommands);
    ours.push(COMMANDS / hooats.seconds);
    theirs.push(COMMANDS / nobSeconds);
    console.log(
      `round ${round}: hooats ${Math.round(COMMANDS / hooats.seconds)} cmd/s (${hooats.events} events, ` +
        `${hooats.engine.openOrderCount()} resting at end), nodejs-order-book ${Math.round(COMMANDS / nobSeconds)} cmd/s`,
    );
  }
  const lat = latencies(stream);
  const memory = bytesPerRestingOrder(MEMORY_ORDERS);
  const ordersPerSec = Math.round(median(ours));
  const nob = Math.round(median(theirs));
  console.log(`median: hooats ${ordersPerSec} cmd/s, nodejs-order-book ${nob} cmd/s, ratio ${(ordersPerSec / nob).toFixed(2)}`);
  console.log(`latency per command (includes ~2 hrtime calls): p50 ${lat.p50} ns, p99 ${lat.p99} ns`);
  console.log(`memory: ${memory.toFixed(0)} bytes per resting order with ${MEMORY_ORDERS} resting orders`);
  console.log(
    JSON.stringify({
      ordersPerSec,
      p50Ns: lat.p50,
      p99Ns: lat.p99,
      vsNodejsOrderBook: Number((ordersPerSec / nob).toFixed(2)),
      nodejsOrderBookPerSec: nob,
      bytesPerRestingOrder: Math.round(memory),
    }),
  );
}

main();
