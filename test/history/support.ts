/**
 * Shared pieces of the history tests: markets with AMM pools, a seeded exchange run through a real
 * Sequencer in a temp dir, an independent brute-force model of what the store must hold, and a store
 * wrapper that fails on demand.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { Command } from '../../src/engine/commands.js';
import type { EngineEvent, PlaceOrderResult } from '../../src/engine/events.js';
import { buildCatalogue, type MarketConfig } from '../../src/engine/market.js';
import { writeSnapshot } from '../../src/durability/snapshot-store.js';
import { Sequencer, type CommandInput } from '../../src/sequencer/sequencer.js';
import { encodeSnapshot } from '../../src/sequencer/snapshot-codec.js';
import type {
  CandleInterval,
  CandleRecord,
  FillRecord,
  HistoryDump,
  HistoryStore,
  OrderEventRecord,
  OrderRecord,
  TradeRecord,
} from '../../src/history/types.js';
import { makeRng, type Rng } from '../support/prng.js';
import { CommandStream } from '../support/random-commands.js';

/** The pairs and scales of test/support/markets.ts (which CommandStream aims at), plus AMM pools at mid price. */
export const HISTORY_MARKETS: readonly MarketConfig[] = [
  {
    pair: 'IDX-USDC',
    base: 'IDX',
    quote: 'USDC',
    tickSize: '0.0001',
    lotSize: '0.05',
    minNotional: '0',
    makerFeeBps: 10,
    takerFeeBps: 25,
    amm: { baseReserve: '20000', quoteReserve: '20000', feeBps: 30 },
  },
  {
    pair: 'BTC-USDC',
    base: 'BTC',
    quote: 'USDC',
    tickSize: '0.5',
    lotSize: '0.00025',
    minNotional: '10',
    makerFeeBps: 5,
    takerFeeBps: 30,
    amm: { baseReserve: '20', quoteReserve: '40000', feeBps: 25 },
  },
];
export const HISTORY_CATALOGUE = buildCatalogue(HISTORY_MARKETS);
export const PAIRS = HISTORY_MARKETS.map((m) => m.pair);
export const INTERVALS: Record<CandleInterval, number> = { '1m': 60_000, '5m': 300_000, '15m': 900_000, '1h': 3_600_000, '1d': 86_400_000 };

export function tempDir(prefix: string): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** [id, clientOrderId, userId, status] of the orders in the upgrade tests' version 1 store */
export const V1_ORDERS: ReadonlyArray<[number, string | null, string, string]> = [
  [1, 'k', 'u', 'cancelled'],
  [2, null, 'u', 'filled'],
  [3, 'k', 'v', 'cancelled'],
  [4, 'k', 'u', 'filled'],
  [5, 'k', 'u', 'open'],
];

/** What a store opened on V1_ORDERS must answer once migration 2 (orders_by_client_id) has run. */
export async function assertV1OrdersUpgraded(store: HistoryStore): Promise<void> {
  assert.deepEqual((await store.orders({ userId: 'u', clientOrderId: 'k', limit: 5 })).items.map((o) => o.id), [5, 4, 1]);
  assert.deepEqual((await store.orders({ userId: 'u', clientOrderId: 'k', status: 'closed', limit: 1 })).items.map((o) => o.id), [4]);
  assert.equal((await store.orders({ userId: 'u', limit: 10 })).items.length, 4, 'every row kept');
}

export interface DurableRecord {
  readonly seq: number;
  readonly events: readonly EngineEvent[];
  /** the command's time, as the sequencer handed it over */
  readonly time?: number;
}

/**
 * A seeded exchange: a real Sequencer in `dataDir`, fed by CommandStream, with a clock that moves by up
 * to a minute per command (and now and then steps back) so that candles of every interval get filled.
 * Every durable (seq, events) is recorded: the truth the store is checked against.
 */
export class Exchange {
  readonly durable: DurableRecord[] = [];
  /** taker fills as the engine returned them to the caller, by trade id */
  readonly takerFills = new Map<number, PlaceOrderResult['fills'][number]>();
  clock = Date.UTC(2024, 0, 1, 23, 30);
  private readonly rng: Rng;
  private readonly stream: CommandStream;
  private unsubscribe: () => void = () => {};

  private constructor(
    public sequencer: Sequencer,
    readonly dataDir: string,
    readonly seed: number,
    private readonly snapshotEvery: number,
  ) {
    this.rng = makeRng(seed);
    this.stream = new CommandStream(makeRng(seed ^ 0x5eed), 24);
    this.subscribe();
  }

  static async open(dataDir: string, seed: number, snapshotEvery = 1_000): Promise<Exchange> {
    const holder: { ex?: Exchange } = {};
    const sequencer = await Sequencer.open({
      markets: HISTORY_CATALOGUE,
      dataDir,
      fsyncMode: 'none',
      snapshotEvery,
      now: () => holder.ex!.clock,
    });
    holder.ex = new Exchange(sequencer, dataDir, seed, snapshotEvery);
    return holder.ex;
  }

  private subscribe(): void {
    this.unsubscribe = this.sequencer.onDurable((seq, events, time) => this.durable.push({ seq, events, time }));
  }

  private execute(cmd: Command): void {
    const { time: _time, ...input } = cmd;
    const executed = this.sequencer.execute(input as CommandInput);
    this.stream.observe(cmd, executed.result);
    if (executed.result.ok && 'fills' in executed.result) {
      for (const f of executed.result.fills) this.takerFills.set(f.tradeId, f);
    }
  }

  async fund(): Promise<void> {
    for (const c of this.stream.funding()) this.execute(c);
    await this.settle();
  }

  /** Runs `n` random commands, yielding to the event loop every few so flushes and the writer run. */
  async run(n: number, onYield?: () => void): Promise<void> {
    for (let i = 0; i < n; i++) {
      this.clock += this.rng.chance(0.02) ? -this.rng.int(5_000) : this.rng.int(60_000);
      this.execute(this.stream.next());
      if (i % 25 === 24) {
        await yieldToLoop();
        onYield?.();
      }
    }
    await this.settle();
  }

  /** Waits until every executed command is durable and its events were delivered. */
  async settle(): Promise<void> {
    await this.sequencer.whenDurable(this.sequencer.lastSeq);
    await yieldToLoop();
  }

  /** Closes the sequencer and opens it again on the same data dir (recovery), resubscribing the recorder. */
  async restart(): Promise<void> {
    this.unsubscribe();
    await this.sequencer.close();
    const holder = this;
    this.sequencer = await Sequencer.open({
      markets: HISTORY_CATALOGUE,
      dataDir: this.dataDir,
      fsyncMode: 'none',
      snapshotEvery: this.snapshotEvery,
      now: () => holder.clock,
    });
    this.subscribe();
  }

  /**
   * Opens a new sequencer on the data dir without closing the old one, as after a crash: no final
   * snapshot and no pruning, but a new journal segment.
   */
  async reopenAfterCrash(): Promise<void> {
    await this.settle();
    this.unsubscribe();
    const holder = this;
    this.sequencer = await Sequencer.open({
      markets: HISTORY_CATALOGUE,
      dataDir: this.dataDir,
      fsyncMode: 'none',
      snapshotEvery: this.snapshotEvery,
      now: () => holder.clock,
    });
    this.subscribe();
  }

  /** Writes a snapshot of the current (durable) state itself, with no pruning; returns its seq. */
  async writeSnapshotNow(): Promise<number> {
    await this.settle();
    const seq = this.sequencer.lastSeq;
    await writeSnapshot(join(this.dataDir, 'snapshots'), seq, encodeSnapshot(this.sequencer.engine.snapshot()));
    return seq;
  }

  async close(): Promise<void> {
    this.unsubscribe();
    await this.sequencer.close();
  }
}

/**
 * What the store must hold after `records`, built straight from the events with none of the store's
 * code: the latest view per order, every order event, one fill per user side of each trade, the tape,
 * and candles recomputed by brute force from the trades.
 */
export function expectedDump(records: readonly DurableRecord[], markets: readonly MarketConfig[] = HISTORY_MARKETS): HistoryDump {
  const assets = new Map(markets.map((m) => [m.pair, m]));
  const orders = new Map<number, OrderRecord>();
  const orderEvents: OrderEventRecord[] = [];
  const fills: FillRecord[] = [];
  const trades: TradeRecord[] = [];
  let lastSeq = 0;
  for (const { seq, events, time: commandTime } of records) {
    lastSeq = seq;
    const trade = events.find((e) => e.type === 'trade');
    const accepted = events.find((e) => e.type === 'orderAccepted');
    // every event of a command happens at the command's time; without it, what the events tell
    const time =
      commandTime ?? (trade?.type === 'trade' ? trade.time : accepted?.type === 'orderAccepted' ? accepted.order.createdAt : null);
    events.forEach((e, index) => {
      if (e.type === 'orderAccepted' || e.type === 'orderUpdated') {
        const { order } = e;
        orderEvents.push({
          orderId: order.id,
          seq,
          index,
          kind: e.type === 'orderAccepted' ? 'accepted' : 'updated',
          status: order.status,
          amount: order.amount,
          filled: order.filled,
          cancelReason: order.cancelReason,
          time,
        });
        orders.set(order.id, { ...order, updatedSeq: seq, updatedIndex: index, updatedAt: time });
      } else if (e.type === 'trade') {
        const { type: _type, ...rest } = e;
        trades.push({ ...rest, seq });
        const m = assets.get(e.pair)!;
        const common = { tradeId: e.id, pair: e.pair, venue: e.venue, price: e.price, amount: e.amount, quote: e.quote, time: e.time, seq };
        fills.push({
          id: e.id * 2,
          orderId: e.takerOrderId,
          userId: e.takerUserId,
          side: e.takerSide,
          liquidity: 'taker',
          fee: e.takerFee,
          feeAsset: e.takerSide === 'buy' ? m.base : m.quote,
          ...common,
        });
        if (e.makerOrderId !== null) {
          fills.push({
            id: e.id * 2 + 1,
            orderId: e.makerOrderId,
            userId: e.makerUserId!,
            side: e.takerSide === 'buy' ? 'sell' : 'buy',
            liquidity: 'maker',
            fee: e.makerFee,
            feeAsset: e.takerSide === 'buy' ? m.quote : m.base,
            ...common,
          });
        }
      }
    });
  }
  const sortById = <T extends { id: number }>(rows: T[]): T[] => rows.sort((a, b) => a.id - b.id);
  return {
    lastSeq,
    orders: sortById([...orders.values()].map((o) => normaliseOrder(o))),
    orderEvents: orderEvents.sort((a, b) => a.orderId - b.orderId || a.seq - b.seq || a.index - b.index),
    fills: sortById(fills.map((f) => normaliseFill(f))),
    trades: sortById(trades.map((t) => normaliseTrade(t))),
    candles: bruteForceCandles(trades),
  };
}

// key order as the store returns them, so deepStrictEqual compares values, not construction order
function normaliseOrder(o: OrderRecord): OrderRecord {
  return {
    id: o.id, clientOrderId: o.clientOrderId, userId: o.userId, pair: o.pair, side: o.side, type: o.type, price: o.price,
    amount: o.amount, filled: o.filled, status: o.status, cancelReason: o.cancelReason, timeInForce: o.timeInForce,
    postOnly: o.postOnly, quoteAmount: o.quoteAmount, createdAt: o.createdAt, updatedSeq: o.updatedSeq,
    updatedIndex: o.updatedIndex, updatedAt: o.updatedAt,
  };
}
function normaliseFill(f: FillRecord): FillRecord {
  return {
    id: f.id, tradeId: f.tradeId, orderId: f.orderId, userId: f.userId, pair: f.pair, side: f.side, liquidity: f.liquidity,
    venue: f.venue, price: f.price, amount: f.amount, quote: f.quote, fee: f.fee, feeAsset: f.feeAsset, time: f.time, seq: f.seq,
  };
}
function normaliseTrade(t: TradeRecord): TradeRecord {
  return {
    id: t.id, pair: t.pair, price: t.price, amount: t.amount, quote: t.quote, takerSide: t.takerSide, venue: t.venue,
    takerOrderId: t.takerOrderId, takerUserId: t.takerUserId, makerOrderId: t.makerOrderId, makerUserId: t.makerUserId,
    takerFee: t.takerFee, makerFee: t.makerFee, time: t.time, seq: t.seq,
  };
}

/** Every candle of every pair and interval, recomputed from scratch: sorted by pair, interval length, start. */
export function bruteForceCandles(trades: readonly TradeRecord[]): CandleRecord[] {
  const out: CandleRecord[] = [];
  for (const pair of [...new Set(trades.map((t) => t.pair))].sort()) {
    const ofPair = trades.filter((t) => t.pair === pair);
    for (const [interval, ms] of Object.entries(INTERVALS).sort((a, b) => a[1] - b[1]) as [CandleInterval, number][]) {
      const buckets = new Map<number, TradeRecord[]>();
      for (const t of ofPair) {
        const start = Math.floor(t.time / ms) * ms;
        buckets.set(start, [...(buckets.get(start) ?? []), t]);
      }
      for (const start of [...buckets.keys()].sort((a, b) => a - b)) {
        const ts = buckets.get(start)!.sort((a, b) => a.id - b.id);
        out.push({
          pair,
          interval,
          start,
          open: ts[0].price,
          high: Math.max(...ts.map((t) => t.price)),
          low: Math.min(...ts.map((t) => t.price)),
          close: ts[ts.length - 1].price,
          baseVolume: ts.reduce((s, t) => s + BigInt(t.amount), 0n),
          quoteVolume: ts.reduce((s, t) => s + BigInt(t.quote), 0n),
          trades: ts.length,
          firstTradeId: ts[0].id,
          lastTradeId: ts[ts.length - 1].id,
        });
      }
    }
  }
  return out;
}

/** A store whose writes (and progress reads) fail while `down` is set: an outage through the interface. */
export class FlakyStore implements HistoryStore {
  down = false;
  failedCalls = 0;
  readonly kind: HistoryStore['kind'];

  constructor(readonly inner: HistoryStore) {
    this.kind = inner.kind;
  }

  private check(): void {
    if (this.down) {
      this.failedCalls++;
      throw new Error('injected outage: history store unavailable');
    }
  }

  async persistedSeq(): Promise<number> {
    this.check();
    return this.inner.persistedSeq();
  }
  async write(batch: Parameters<HistoryStore['write']>[0]): Promise<void> {
    this.check();
    return this.inner.write(batch);
  }
  order: HistoryStore['order'] = (u, id) => this.inner.order(u, id);
  orders: HistoryStore['orders'] = (q) => this.inner.orders(q);
  orderEvents: HistoryStore['orderEvents'] = (id) => this.inner.orderEvents(id);
  fills: HistoryStore['fills'] = (q) => this.inner.fills(q);
  trades: HistoryStore['trades'] = (q) => this.inner.trades(q);
  candles: HistoryStore['candles'] = (q) => this.inner.candles(q);
  ticker: HistoryStore['ticker'] = (p, now) => this.inner.ticker(p, now);
  dump: HistoryStore['dump'] = () => this.inner.dump();
  close: HistoryStore['close'] = () => this.inner.close();
}

/** Log that keeps what it is told, to check which path the writer took. */
export class MemoryLog {
  readonly lines: { level: string; obj: object; msg: string }[] = [];
  info(obj: object, msg: string): void {
    this.lines.push({ level: 'info', obj, msg });
  }
  warn(obj: object, msg: string): void {
    this.lines.push({ level: 'warn', obj, msg });
  }
  error(obj: object, msg: string): void {
    this.lines.push({ level: 'error', obj, msg });
  }
}
