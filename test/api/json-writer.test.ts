/**
 * The byte-level JSON writer of the order results must write exactly what JSON.stringify writes for the
 * same values: numbers and decimals (against formatUnits), any string (escaping, UTF-8), and whole
 * place-order results from a seeded random command stream on markets with AMM pools, against objects
 * built from the same values and stringified. HOOATS_SEED replays a run (the seed is printed).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { writeBatchResults, writePlaceOrderMembers } from '../../src/api/json-text.js';
import { JsonWriter } from '../../src/api/json-writer.js';
import { ApiError } from '../../src/api/api-error.js';
import { Markets } from '../../src/api/markets.js';
import { averagePrice } from '../../src/api/views.js';
import { Engine } from '../../src/engine/engine.js';
import type { PlaceOrderResult } from '../../src/engine/events.js';
import { formatUnits } from '../../src/engine/money/decimal.js';
import { makeRng, seedFromEnv } from '../support/prng.js';
import { CommandStream } from '../support/random-commands.js';
import { TEST_MARKETS } from '../support/markets.js';

const seed = seedFromEnv(Date.now() % 2_147_483_647);
console.log(`json-writer seed=${seed} (replay with HOOATS_SEED=${seed})`);

test('integers and decimals as String and formatUnits write them', () => {
  fc.assert(
    fc.property(fc.integer({ min: -Number.MAX_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }), fc.integer({ min: 0, max: 15 }), (v, scale) => {
      assert.equal(new JsonWriter(4).int(v).text(), String(v));
      assert.equal(new JsonWriter(4).units(v, scale).text(), formatUnits(v, scale));
      assert.equal(new JsonWriter(4).unitsText(v, scale).text(), JSON.stringify(formatUnits(v, scale)));
    }),
    { seed, numRuns: 5_000 },
  );
});

test('any string as JSON.stringify writes it (UTF-8)', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (s) => {
      assert.equal(new JsonWriter(2).str(s).text(), JSON.stringify(s));
    }),
    { seed, numRuns: 5_000 },
  );
  for (const s of ['', 'plain', 'quote"back\\slash', 'tab\tnl\n', 'ünïcødé €', '😀', '\u007f\u0080', '\ud800']) {
    assert.equal(new JsonWriter(2).str(s).text(), JSON.stringify(s));
  }
});

const POOLED = TEST_MARKETS.map((m, i) => ({ ...m, amm: i === 0 ? { baseReserve: '50000', quoteReserve: '50000', feeBps: 30 } : null }));

test('place-order results and batches are byte for byte the stringified objects', () => {
  const engine = new Engine(POOLED);
  const markets = new Markets(engine.catalogue);
  const stream = new CommandStream(makeRng(seed), 12);
  for (const cmd of stream.funding()) stream.observe(cmd, engine.execute(cmd, []));
  const expected = (r: PlaceOrderResult) => {
    const m = markets.get(r.order.pair)!;
    const o = r.order;
    return {
      order: {
        id: String(o.id), clientOrderId: o.clientOrderId, userId: o.userId, pair: o.pair, side: o.side, type: o.type,
        price: o.price === 0 ? null : m.price(o.price), amount: m.amount(o.amount), filled: m.amount(o.filled),
        remaining: m.amount(o.amount - o.filled), quoteAmount: o.quoteAmount === null ? null : m.quote(o.quoteAmount),
        status: o.status, cancelReason: o.cancelReason, timeInForce: o.timeInForce, postOnly: o.postOnly, createdAt: o.createdAt,
      },
      fills: r.fills.map((f) => ({
        tradeId: String(f.tradeId), price: m.price(f.price), amount: m.amount(f.amount), quoteAmount: m.quote(f.quote),
        venue: f.venue, fee: markets.formatAsset(f.feeAsset, f.fee), feeAsset: f.feeAsset, liquidity: f.liquidity,
      })),
      averagePrice: averagePrice(m, r.fills),
      route: { book: m.amount(r.route.book), amm: m.amount(r.route.amm) },
    };
  };
  let placed = 0;
  let withFills = 0;
  const batch: Array<PlaceOrderResult | ApiError> = [];
  const batchExpected: object[] = [];
  for (let i = 0; i < 20_000; i++) {
    const cmd = stream.next();
    const r = engine.execute(cmd, []);
    stream.observe(cmd, r);
    if (!r.ok) {
      if (batch.length < 200) {
        batch.push(new ApiError(r.code, r.message));
        batchExpected.push({ ok: false, error: { code: r.code, message: r.message } });
      }
      continue;
    }
    if (!('fills' in r)) continue;
    placed++;
    if (r.fills.length > 0) withFills++;
    const text = writePlaceOrderMembers(new JsonWriter(16).raw('{'), markets, r).raw('}').text();
    assert.equal(text, JSON.stringify(expected(r)), `order ${r.order.id}`);
    if (batch.length < 200) {
      batch.push(r);
      batchExpected.push({ ok: true, ...expected(r) });
    }
  }
  assert.ok(placed > 5_000 && withFills > 500, `${placed} orders, ${withFills} with fills`);
  assert.equal(writeBatchResults(new JsonWriter(16), markets, batch).text(), JSON.stringify(batchExpected));
});
