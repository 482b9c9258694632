/**
 * The contract every history store passes (SQLite always, PostgreSQL when reachable): a seeded random
 * exchange run through a real Sequencer, with the HistoryWriter subscribed, must leave exactly the rows
 * the events imply; writing again changes nothing; an outage (with and without queue overflow) and a
 * restart end with the same rows; the queries agree with brute force over those rows.
 * Seeds are printed; set HOOATS_SEED to rerun one.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { HistoryFormatter } from '../../src/history/format.js';
import { HistoryWriter, type HistoryWriterState } from '../../src/history/history-writer.js';
import { buildBatch, pairAssets } from '../../src/history/rows.js';
import { CANDLE_INTERVALS, type HistoryDump, type HistoryStore, type OrderRecord } from '../../src/history/types.js';
import { seedFromEnv, makeRng } from '../support/prng.js';
import {
  Exchange,
  HISTORY_CATALOGUE,
  MemoryLog,
  PAIRS,
  expectedDump,
  tempDir,
  type DurableRecord,
} from './support.js';

export interface StoreSubject {
  /** the store the writer and the queries use; `outage` makes it fail */
  readonly store: HistoryStore;
  readonly outage: { begin(): Promise<void>; end(): Promise<void> };
  dispose(): Promise<void>;
}

export interface StoreContractOptions {
  readonly name: string;
  /** a fresh, empty store each time */
  readonly create: () => Promise<StoreSubject>;
}

const DAY = 86_400_000;

export function runStoreContract({ name, create }: StoreContractOptions): void {
  const label = `[history ${name}]`;

  /** A writer on `ex`'s sequencer, subscribed before any command; test-sized backoff. */
  function attachWriter(ex: Exchange, store: HistoryStore, extra: Partial<ConstructorParameters<typeof HistoryWriter>[0]> = {}) {
    const writer = new HistoryWriter({
      store,
      markets: HISTORY_CATALOGUE,
      dataDir: ex.dataDir,
      durableSeq: () => ex.sequencer.durableSeq,
      initialBackoffMs: 5,
      maxBackoffMs: 40,
      ...extra,
    });
    const unsubscribe = ex.sequencer.onDurable(writer.listener);
    writer.start();
    return { writer, unsubscribe };
  }

  async function caughtUp(ex: Exchange, writer: HistoryWriter): Promise<void> {
    await ex.settle();
    await writer.whenPersisted(ex.sequencer.durableSeq);
  }

  describe(`history store contract: ${name}`, () => {
    test('a seeded random run (book and AMM): rows match the events exactly, queries match brute force', async () => {
      const seed = seedFromEnv(20_240_601);
      console.log(`${label} random run seed ${seed}`);
      const tmp = tempDir('hooats-history-');
      const subject = await create();
      const ex = await Exchange.open(tmp.dir, seed, 700);
      const { writer } = attachWriter(ex, subject.store);
      try {
        await ex.fund();
        await ex.run(3_000);
        await caughtUp(ex, writer);
        const dump = await subject.store.dump();
        const expected = expectedDump(ex.durable);
        assertSameRows(dump, expected);
        assert.equal(dump.lastSeq, ex.sequencer.durableSeq);
        assert.ok(dump.trades.some((t) => t.venue === 'amm'), 'the run has AMM trades');
        assert.ok(dump.trades.some((t) => t.venue === 'book'), 'the run has book trades');
        assert.ok(dump.trades.length > 300, `enough trades (${dump.trades.length})`);
        assert.ok(new Set(dump.candles.filter((c) => c.interval === '1d').map((c) => c.start)).size >= 2, 'spans days');
        // the taker's rows agree with the fills the engine returned to the caller
        for (const f of dump.fills.filter((x) => x.liquidity === 'taker')) {
          const r = ex.takerFills.get(f.tradeId)!;
          assert.deepEqual([f.price, f.amount, f.quote, f.fee, f.feeAsset, f.venue], [r.price, r.amount, r.quote, r.fee, r.feeAsset, r.venue]);
        }
        await checkQueries(subject.store, expected, ex.clock, seed);
        assert.equal(writer.status().state, 'ok');
        assert.equal(writer.lag, 0);
      } finally {
        await writer.close();
        await ex.close();
        await subject.dispose();
        tmp.remove();
      }
    });

    test('idempotent: the same events written twice (other batching, other order) leave the same rows', async () => {
      const seed = seedFromEnv(77_001);
      console.log(`${label} idempotency seed ${seed}`);
      const tmp = tempDir('hooats-history-');
      const ex = await Exchange.open(tmp.dir, seed);
      await ex.fund();
      await ex.run(1_500);
      await ex.close();
      const subject = await create();
      try {
        const rng = makeRng(seed);
        const write = async (chunks: DurableRecord[][]): Promise<void> => {
          for (const chunk of chunks) await subject.store.write(buildBatch(chunk, pairAssets(HISTORY_CATALOGUE)));
        };
        const chunked = (): DurableRecord[][] => {
          const out: DurableRecord[][] = [];
          for (let i = 0; i < ex.durable.length; ) {
            const n = 1 + rng.int(300);
            out.push(ex.durable.slice(i, i + n));
            i += n;
          }
          return out;
        };
        const expected = expectedDump(ex.durable);
        await write(chunked());
        const first = await subject.store.dump();
        assertSameRows(first, expected);
        await write(chunked());
        assertSameRows(await subject.store.dump(), first);
        // older batches arriving after newer ones (a replay from an old snapshot) roll nothing back
        await write(chunked().reverse());
        assertSameRows(await subject.store.dump(), first);
        assert.equal(await subject.store.persistedSeq(), ex.durable[ex.durable.length - 1].seq);
      } finally {
        await subject.dispose();
        tmp.remove();
      }
    });

    test('strings survive exactly: quotes, backslashes, braces, commas, "NULL", unicode', async () => {
      const subject = await create();
      try {
        const odd = ['a"b', 'back\\slash', '{x,y}', 'NULL', '', ' sp ace ', 'ünï€😀', "it's"];
        const orders = odd.map((text, i): OrderRecord => ({
          id: i + 1, clientOrderId: text, userId: `user ${text}`, pair: 'IDX-USDC', side: 'buy', type: 'limit', price: 10_000,
          amount: 3, filled: 0, status: 'open', cancelReason: null, timeInForce: 'GTC', postOnly: i % 2 === 0, quoteAmount: null,
          createdAt: 1_700_000_000_000 + i, updatedSeq: i + 1, updatedIndex: 0, updatedAt: null,
        }));
        await subject.store.write({ lastSeq: odd.length, orders, orderEvents: [], fills: [], trades: [] });
        assert.deepStrictEqual((await subject.store.dump()).orders, orders);
        assert.deepStrictEqual(await subject.store.order('user a"b', 1), orders[0]);
        for (const o of orders) {
          const found = await subject.store.orders({ userId: o.userId, clientOrderId: o.clientOrderId!, limit: 5 });
          assert.deepStrictEqual(found.items, [o], `by clientOrderId ${JSON.stringify(o.clientOrderId)}`);
        }
      } finally {
        await subject.dispose();
      }
    });

    test('a database outage in the middle of trading: the writer backs off, then catches up completely', async () => {
      const seed = seedFromEnv(31_337);
      console.log(`${label} outage seed ${seed}`);
      const tmp = tempDir('hooats-history-');
      const subject = await create();
      const ex = await Exchange.open(tmp.dir, seed, 600);
      const { writer } = attachWriter(ex, subject.store);
      const states = new Set<HistoryWriterState>();
      const sample = (): void => void states.add(writer.state);
      try {
        await ex.fund();
        await ex.run(800, sample);
        await caughtUp(ex, writer);
        const before = writer.persistedSeq;
        await subject.outage.begin();
        await ex.run(1_200, sample);
        await waitFor(() => writer.state === 'backing_off');
        assert.ok(writer.status().consecutiveFailures > 0);
        assert.match(writer.status().lastError ?? '', /outage/);
        assert.equal(writer.persistedSeq, before, 'nothing was written during the outage');
        assert.equal(writer.lag, ex.sequencer.durableSeq - before);
        assert.ok(writer.lag > 300, `lag grew during the outage (${writer.lag})`);
        await subject.outage.end();
        await ex.run(300, sample);
        await caughtUp(ex, writer);
        assert.ok(states.has('backing_off'), `states seen: ${[...states].join(', ')}`);
        assert.equal(writer.status().overflows, 0);
        assertSameRows(await subject.store.dump(), expectedDump(ex.durable));
        assert.equal(writer.lag, 0);
        assert.equal(writer.state, 'ok');
      } finally {
        await subject.outage.end();
        await writer.close();
        await ex.close();
        await subject.dispose();
        tmp.remove();
      }
    });

    test('queue overflow during an outage: the queue is dropped and regenerated from snapshot + journal', async () => {
      const seed = seedFromEnv(4_242);
      console.log(`${label} overflow seed ${seed}`);
      const tmp = tempDir('hooats-history-');
      const subject = await create();
      const ex = await Exchange.open(tmp.dir, seed, 1_000);
      const log = new MemoryLog();
      const { writer } = attachWriter(ex, subject.store, { maxQueuedCommands: 400, log });
      const states = new Set<HistoryWriterState>();
      try {
        await ex.fund();
        await ex.run(600);
        // a snapshot somewhat before the outage: catch-up loads it, replays silently up to the stored
        // progress, then regenerates the rest
        await ex.sequencer.snapshot();
        const snapshotSeq = ex.sequencer.lastSeq;
        await ex.run(200);
        await caughtUp(ex, writer);
        assert.ok(writer.persistedSeq > snapshotSeq);
        await subject.outage.begin();
        await ex.run(700, () => void states.add(writer.state));
        await waitFor(() => writer.status().overflows > 0);
        assert.ok(writer.status().queuedCommands <= 400, 'memory stays bounded');
        // while behind, the writer holds back pruning to what it still needs
        assert.ok(writer.retainFrom() <= writer.persistedSeq + 1);
        await subject.outage.end();
        await caughtUp(ex, writer);
        await ex.run(300, () => void states.add(writer.state));
        await caughtUp(ex, writer);
        const replays = log.lines.filter((l) => l.msg.startsWith('history catch-up replays'));
        assert.ok(replays.length > 0, 'caught up from disk');
        assert.ok(
          replays.some((l) => (l.obj as { snapshotSeq: number }).snapshotSeq === snapshotSeq),
          `started from the snapshot: ${JSON.stringify(replays.map((l) => l.obj))} ${JSON.stringify(log.lines.filter((l) => l.level !== "info").map((l) => [l.msg, String((l.obj as { err?: unknown }).err)]))}`,
        );
        assert.ok(log.lines.some((l) => l.msg === 'history writer caught up'));
        assertSameRows(await subject.store.dump(), expectedDump(ex.durable));
        assert.equal(writer.state, 'ok');
        assert.equal(writer.lag, 0);
      } finally {
        await subject.outage.end();
        await writer.close();
        await ex.close();
        await subject.dispose();
        tmp.remove();
      }
    });

    test('a store ahead of the journal (another data dir) is flagged in the status, never silently reused', async () => {
      const tmpA = tempDir('hooats-history-');
      const tmpB = tempDir('hooats-history-');
      const subject = await create();
      const a = await Exchange.open(tmpA.dir, 7, 50);
      const first = attachWriter(a, subject.store);
      let fresh: Exchange | null = null;
      let second: ReturnType<typeof attachWriter> | null = null;
      try {
        await a.fund();
        await a.run(50);
        await caughtUp(a, first.writer);
        assert.equal(first.writer.status().storeAhead, false);
        await first.writer.close();
        first.unsubscribe();
        fresh = await Exchange.open(tmpB.dir, 7, 50);
        second = attachWriter(fresh, subject.store, { log: new MemoryLog() });
        await waitFor(() => second!.writer.status().persistedSeq >= 0);
        assert.equal(second.writer.status().storeAhead, true, 'a new data dir meets a store that already holds commands');
      } finally {
        await second?.writer.close();
        await fresh?.close();
        await a.close();
        await subject.dispose();
        tmpA.remove();
        tmpB.remove();
      }
    });

    test('restart: a new writer resumes from history_progress (catch-up from disk, then live)', async () => {
      const seed = seedFromEnv(9_001);
      console.log(`${label} restart seed ${seed}`);
      const tmp = tempDir('hooats-history-');
      const subject = await create();
      const ex = await Exchange.open(tmp.dir, seed, 400);
      const first = attachWriter(ex, subject.store);
      let second: ReturnType<typeof attachWriter> | null = null;
      try {
        await ex.fund();
        await caughtUp(ex, first.writer);
        await ex.run(600);
        // stop the writer while it may be behind; the exchange goes on without it, then restarts
        await first.writer.close();
        first.unsubscribe();
        const stoppedAt = await subject.store.persistedSeq();
        await ex.run(500);
        await ex.restart();
        assert.ok(stoppedAt > 0 && ex.sequencer.durableSeq > stoppedAt + 100, `the writer missed commands (${stoppedAt}, ${ex.sequencer.durableSeq})`);
        const durableAtRestart = ex.sequencer.durableSeq;
        const log = new MemoryLog();
        second = attachWriter(ex, subject.store, { log });
        await ex.run(300);
        await caughtUp(ex, second.writer);
        const resumed = log.lines.find((l) => l.msg === 'history writer resuming');
        const { persistedSeq, durableSeq } = resumed!.obj as { persistedSeq: number; durableSeq: number };
        assert.equal(persistedSeq, stoppedAt);
        assert.ok(durableSeq >= durableAtRestart, 'it resumed behind the journal and caught up from disk');
        assertSameRows(await subject.store.dump(), expectedDump(ex.durable));
      } finally {
        await second?.writer.close();
        await ex.close();
        await subject.dispose();
        tmp.remove();
      }
    });
  });
}

async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error('timed out waiting for a condition');
    await new Promise((r) => setTimeout(r, 2));
  }
  await yieldToLoop();
}

/** deepStrictEqual per table first, so a failure names the table and not a 10 MB diff. */
function assertSameRows(actual: HistoryDump, expected: HistoryDump): void {
  assert.equal(actual.lastSeq, expected.lastSeq, 'progress');
  for (const table of ['trades', 'fills', 'orders', 'orderEvents', 'candles'] as const) {
    const a = actual[table] as unknown[];
    const e = expected[table] as unknown[];
    assert.equal(a.length, e.length, `${table}: row count`);
    for (let i = 0; i < e.length; i++) assert.deepStrictEqual(a[i], e[i], `${table}: row ${i}`);
  }
}

async function collectPages<T extends { id: number }>(
  fetch: (before: number | undefined) => Promise<{ items: T[]; nextCursor: number | null }>,
): Promise<T[]> {
  const out: T[] = [];
  let before: number | undefined;
  for (;;) {
    const page = await fetch(before);
    out.push(...page.items);
    if (page.nextCursor === null) return out;
    before = page.nextCursor;
  }
}

async function checkQueries(store: HistoryStore, expected: HistoryDump, now: number, seed: number): Promise<void> {
  const rng = makeRng(seed);
  const users = [...new Set(expected.orders.map((o) => o.userId))].sort().slice(0, 6);
  const desc = <T extends { id: number }>(rows: T[]): T[] => [...rows].sort((a, b) => b.id - a.id);
  const statusOk: Record<string, (o: OrderRecord) => boolean> = {
    open: (o) => o.status === 'open' || o.status === 'partially_filled',
    closed: (o) => o.status === 'filled' || o.status === 'cancelled',
    filled: (o) => o.status === 'filled',
    cancelled: (o) => o.status === 'cancelled',
    partially_filled: (o) => o.status === 'partially_filled',
  };
  let reusedClientIds = 0;
  for (const userId of users) {
    const mine = expected.orders.filter((o) => o.userId === userId);
    assert.deepStrictEqual(await collectPages((before) => store.orders({ userId, limit: 7, before })), desc(mine));
    for (const pair of PAIRS) {
      for (const status of Object.keys(statusOk) as (keyof typeof statusOk)[]) {
        const want = desc(mine.filter((o) => o.pair === pair && statusOk[status](o)));
        const got = await collectPages((before) => store.orders({ userId, pair, status: status as never, limit: 3, before }));
        assert.deepStrictEqual(got, want, `${userId} ${pair} ${status}`);
      }
    }
    const fills = expected.fills.filter((f) => f.userId === userId);
    assert.deepStrictEqual(await collectPages((before) => store.fills({ userId, limit: 5, before })), desc(fills));
    assert.deepStrictEqual(
      await collectPages((before) => store.fills({ userId, pair: 'BTC-USDC', limit: 4, before })),
      desc(fills.filter((f) => f.pair === 'BTC-USDC')),
    );
    // by clientOrderId, which is free again once its order closes: all of them newest first, the newest closed one
    const clientIds = [...new Set(mine.map((o) => o.clientOrderId).filter((c): c is string => c !== null))];
    for (const clientOrderId of [...clientIds, 'never-used']) {
      const want = desc(mine.filter((o) => o.clientOrderId === clientOrderId));
      const got = await collectPages((before) => store.orders({ userId, clientOrderId, limit: 2, before }));
      assert.deepStrictEqual(got, want, `${userId} clientOrderId ${clientOrderId}`);
      const newestClosed = await store.orders({ userId, clientOrderId, status: 'closed', limit: 1 });
      assert.deepStrictEqual(newestClosed.items, want.filter(statusOk.closed).slice(0, 1), `${userId} newest closed ${clientOrderId}`);
      reusedClientIds += want.length > 1 ? 1 : 0;
    }
    assert.deepStrictEqual((await store.orders({ userId: `${userId}-other`, clientOrderId: clientIds[0], limit: 5 })).items, []);
    const some = mine[rng.int(mine.length)];
    assert.deepStrictEqual(await store.order(userId, some.id), some);
    assert.equal(await store.order(`${userId}-other`, some.id), null);
    assert.deepStrictEqual(
      await store.orderEvents(some.id),
      expected.orderEvents.filter((e) => e.orderId === some.id),
    );
  }
  assert.ok(reusedClientIds > 0, 'the run reuses clientOrderIds');
  for (const pair of PAIRS) {
    const tape = desc(expected.trades.filter((t) => t.pair === pair));
    assert.deepStrictEqual(await store.trades({ pair, limit: 25 }), tape.slice(0, 25));
    assert.deepStrictEqual(await store.trades({ pair, limit: 10, before: tape[30].id }), tape.slice(31, 41));
    for (const interval of CANDLE_INTERVALS) {
      const all = expected.candles.filter((c) => c.pair === pair && c.interval === interval);
      assert.deepStrictEqual(await store.candles({ pair, interval, limit: 100_000 }), all, `${pair} ${interval}`);
      const mid = all[Math.floor(all.length / 2)];
      assert.deepStrictEqual(await store.candles({ pair, interval, limit: 3, start: mid.start }), all.filter((c) => c.start >= mid.start).slice(0, 3));
      assert.deepStrictEqual(await store.candles({ pair, interval, limit: 2, end: mid.start }), all.filter((c) => c.start < mid.start).slice(-2));
      assert.deepStrictEqual(
        await store.candles({ pair, interval, limit: 100_000, start: all[0].start, end: mid.start + 1 }),
        all.filter((c) => c.start <= mid.start),
      );
    }
    // the 24 h ticker at the end and at a moment in the middle (ragged minute edges on both sides)
    const times = expected.trades.map((t) => t.time).sort((a, b) => a - b);
    for (const at of [now, times[Math.floor(times.length * 0.7)] + 12_345]) {
      const inWindow = expected.trades.filter((t) => t.pair === pair && t.time >= at + 1 - DAY && t.time < at + 1);
      const stats = await store.ticker(pair, at);
      assert.deepStrictEqual(stats, {
        pair,
        last: tape[0].price,
        lastTradeId: tape[0].id,
        high: Math.max(...inWindow.map((t) => t.price)),
        low: Math.min(...inWindow.map((t) => t.price)),
        baseVolume: inWindow.reduce((s, t) => s + BigInt(t.amount), 0n),
        quoteVolume: inWindow.reduce((s, t) => s + BigInt(t.quote), 0n),
        trades: inWindow.length,
        from: at + 1 - DAY,
        to: at + 1,
      });
    }
    const empty = await store.ticker(pair, Date.UTC(2000, 0, 1));
    assert.deepEqual([empty.high, empty.low, empty.baseVolume, empty.trades], [null, null, 0n, 0]);
  }
  // the API's formatting works on what came back
  const fmt = new HistoryFormatter(HISTORY_CATALOGUE);
  const t = (await store.trades({ pair: 'IDX-USDC', limit: 1 }))[0];
  assert.match(fmt.trade(t).price, /^\d+\.\d{4}$/);
  assert.match(fmt.trade(t).amount, /^\d+\.\d{2}$/);
}
