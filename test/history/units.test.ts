/** The history module's small parts: the read-only journal range reader, rows, candles, formatting. */
import assert from 'node:assert/strict';
import { appendFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { listSegments } from '../../src/durability/journal-reader.js';
import { JournalWriter } from '../../src/durability/journal-writer.js';
import { bucketStart, candlesOf, mergeCandle } from '../../src/history/candles.js';
import { HistoryFormatter, formatBigUnits, parseCursor } from '../../src/history/format.js';
import { JournalGapError, readJournalRange } from '../../src/history/journal-range.js';
import { buildBatch, pairAssets } from '../../src/history/rows.js';
import type { EngineEvent, OrderView } from '../../src/engine/events.js';
import { makeRng } from '../support/prng.js';
import { HISTORY_CATALOGUE, tempDir } from './support.js';

function payloadOf(seq: number): Buffer {
  const rng = makeRng(seq);
  const b = Buffer.alloc(1 + rng.int(300));
  for (let i = 0; i < b.length; i++) b[i] = (seq * 31 + i) & 0xff;
  return b;
}

async function writeJournal(dir: string, from: number, to: number): Promise<void> {
  const w = await JournalWriter.open({ dir, fsyncMode: 'none', startSeq: from, segmentBytes: 4096 });
  for (let seq = from; seq <= to; seq++) w.append(seq, payloadOf(seq));
  await w.whenDurable(to);
  await w.close();
}

async function readAll(dir: string, from: number, to: number, readBytes: number): Promise<number[]> {
  const seen: number[] = [];
  await readJournalRange(
    dir,
    from,
    to,
    async (first, payloads) => {
      payloads.forEach((p, i) => {
        assert.ok(p.equals(payloadOf(first + i)), `payload of ${first + i}`);
        seen.push(first + i);
      });
      await new Promise((r) => setImmediate(r));
    },
    { readBytes, chunkRecords: 7 },
  );
  return seen;
}

test('readJournalRange: any range across segments, with reads smaller than a record', async () => {
  const tmp = tempDir('hooats-journal-range-');
  try {
    await writeJournal(tmp.dir, 1, 400);
    await writeJournal(tmp.dir, 401, 500); // a second writer: a new segment, as after a restart
    assert.ok(listSegments(tmp.dir).length > 10);
    const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);
    for (const [from, to, readBytes] of [[1, 500, 64], [1, 1, 1 << 20], [37, 401, 100], [400, 401, 4096], [250, 250, 16], [499, 500, 33]]) {
      assert.deepEqual(await readAll(tmp.dir, from, to, readBytes), range(from, to), `${from}..${to}`);
    }
    assert.deepEqual(await readAll(tmp.dir, 5, 4, 64), []);
    // a record still being written at the tail: everything before it reads, asking for it is a gap
    const last = listSegments(tmp.dir).at(-1)!;
    appendFileSync(last.path, Buffer.from([40, 0, 0, 0, 1, 2, 3]));
    assert.deepEqual((await readAll(tmp.dir, 480, 500, 64)).length, 21);
    await assert.rejects(readAll(tmp.dir, 480, 501, 64), JournalGapError);
    // pruned away
    unlinkSync(listSegments(tmp.dir)[0].path);
    await assert.rejects(readAll(tmp.dir, 1, 10, 64), JournalGapError);
  } finally {
    tmp.remove();
  }
});

function view(id: number, status: OrderView['status'], filled: number, createdAt = 1000): OrderView {
  return {
    id, clientOrderId: null, userId: 'u1', pair: 'IDX-USDC', side: 'buy', type: 'limit', price: 10_000, amount: 10, filled,
    status, cancelReason: status === 'cancelled' ? 'user' : null, timeInForce: 'GTC', postOnly: false, quoteAmount: null, createdAt,
  };
}

test('buildBatch: one latest row per order, every order event, taker and maker fills with the right fee assets', () => {
  const trade = (id: number, takerSide: 'buy' | 'sell', maker: number | null, time: number): EngineEvent => ({
    type: 'trade', pair: 'IDX-USDC', id, price: 10_000, amount: 4, quote: 20, takerSide, venue: maker === null ? 'amm' : 'book',
    takerOrderId: 2, takerUserId: 'u2', makerOrderId: maker, makerUserId: maker === null ? null : 'u1', takerFee: 3, makerFee: 1, time,
  });
  const batch = buildBatch(
    [
      { seq: 5, events: [{ type: 'orderAccepted', order: view(1, 'open', 0) }] },
      { seq: 6, events: [{ type: 'orderAccepted', order: view(2, 'open', 0, 2000) }, trade(7, 'sell', 1, 2000), { type: 'orderUpdated', order: view(1, 'partially_filled', 4) }, trade(8, 'sell', null, 2000)] },
      { seq: 7, events: [{ type: 'balance', userId: 'u1', asset: 'USDC', available: 1, locked: 0 }] },
      { seq: 8, events: [{ type: 'orderUpdated', order: view(1, 'cancelled', 4) }] },
    ],
    pairAssets(HISTORY_CATALOGUE),
  );
  assert.equal(batch.lastSeq, 8);
  assert.deepEqual(batch.orders.map((o) => [o.id, o.status, o.updatedSeq, o.updatedIndex, o.updatedAt]), [[1, 'cancelled', 8, 0, null], [2, 'open', 6, 0, 2000]]);
  assert.deepEqual(batch.orderEvents.map((e) => [e.orderId, e.seq, e.index, e.kind, e.time]), [[1, 5, 0, 'accepted', 1000], [2, 6, 0, 'accepted', 2000], [1, 6, 2, 'updated', 2000], [1, 8, 0, 'updated', null]]);
  assert.deepEqual(batch.fills.map((f) => [f.id, f.userId, f.side, f.liquidity, f.fee, f.feeAsset]), [
    [14, 'u2', 'sell', 'taker', 3, 'USDC'],
    [15, 'u1', 'buy', 'maker', 1, 'IDX'],
    [16, 'u2', 'sell', 'taker', 3, 'USDC'],
  ]);
  assert.deepEqual(batch.trades.map((t) => t.id), [7, 8]);
});

test('candles: epoch-aligned UTC buckets, open/close by trade id, merge is order-free', () => {
  assert.equal(bucketStart(Date.UTC(2024, 4, 5, 13, 47, 12, 5), '1h'), Date.UTC(2024, 4, 5, 13));
  assert.equal(bucketStart(Date.UTC(2024, 4, 5, 13, 47, 12, 5), '15m'), Date.UTC(2024, 4, 5, 13, 45));
  assert.equal(bucketStart(Date.UTC(2024, 4, 5, 23, 59, 59, 999), '1d'), Date.UTC(2024, 4, 5));
  const t = (id: number, price: number, time: number) => ({ id, pair: 'P', price, amount: 1, quote: price, time });
  // the clock stepped back: trade 2 has the earlier time, but trade 1 still opens the minute
  const [c] = candlesOf([t(1, 50, 30_000), t(2, 70, 10_000), t(3, 40, 59_999)]).filter((x) => x.interval === '1m');
  assert.deepEqual([c.open, c.high, c.low, c.close, c.trades, c.baseVolume, c.quoteVolume], [50, 70, 40, 40, 3, 3n, 160n]);
  const a = candlesOf([t(1, 50, 30_000)])[0];
  const b = candlesOf([t(2, 70, 10_000), t(3, 40, 59_999)])[0];
  assert.deepEqual(mergeCandle(a, b), mergeCandle(b, a));
  assert.deepEqual(mergeCandle(b, a), c);
});

test('formatting: decimal strings at the market scales, bigint sums past 2^53, cursors', () => {
  const f = new HistoryFormatter(HISTORY_CATALOGUE);
  assert.equal(f.price('IDX-USDC', 10_025), '1.0025');
  assert.equal(f.amount('IDX-USDC', 3), '0.15');
  assert.equal(f.price('BTC-USDC', 4_001), '2000.5');
  assert.equal(f.amount('BTC-USDC', 3), '0.00075');
  assert.equal(f.quote('BTC-USDC', 1_234_567), '1.234567');
  assert.equal(f.amount('IDX-USDC', 2n ** 60n), formatBigUnits(2n ** 60n * 5n, 2));
  assert.equal(formatBigUnits(123456789012345678901n, 6), '123456789012345.678901');
  assert.equal(formatBigUnits(5n, 3), '0.005');
  assert.equal(formatBigUnits(-5n, 0), '-5');
  assert.deepEqual(f.order({ ...view(9, 'partially_filled', 4), price: 0, type: 'market', updatedSeq: 3, updatedIndex: 1, updatedAt: 7 }), {
    id: '9', clientOrderId: null, userId: 'u1', pair: 'IDX-USDC', side: 'buy', type: 'market', price: null, amount: '0.50',
    filled: '0.20', remaining: '0.30', quoteAmount: null, status: 'partially_filled', cancelReason: null, timeInForce: 'GTC',
    postOnly: false, createdAt: 1000, updatedAt: 7,
  });
  assert.deepEqual(
    f.ticker({ pair: 'IDX-USDC', last: 10_000, lastTradeId: 3, high: 10_100, low: 9_900, baseVolume: 20n, quoteVolume: 1_000_000n, trades: 2, from: 0, to: 1 }),
    { last: '1.0000', volume24h: '1.00', quoteVolume24h: '1.000000', high24h: '1.0100', low24h: '0.9900', trades24h: 2 },
  );
  assert.equal(parseCursor('123'), 123);
  for (const bad of ['', '0', '-1', '1.5', '01', 'x', '99999999999999999', 7]) assert.equal(parseCursor(bad), null, String(bad));
});
