import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Command } from '../engine/commands.js';
import { Engine } from '../engine/engine.js';
import type { EngineEvent } from '../engine/events.js';
import type { MarketConfig } from '../engine/market.js';
import type { EngineSnapshot } from '../engine/snapshot.js';
import type { CommandInput } from './sequencer.js';
import { SnapshotFormatError, decodeSnapshot, encodeSnapshot } from './snapshot-codec.js';

const MARKETS: readonly MarketConfig[] = [
  { pair: 'BTC-USD', base: 'BTC', quote: 'USD', tickSize: '0.5', lotSize: '0.001', minNotional: '0', makerFeeBps: 2, takerFeeBps: 7, amm: null },
  {
    pair: 'ETH-USD',
    base: 'ETH',
    quote: 'USD',
    tickSize: '0.01',
    lotSize: '0.01',
    minNotional: '0',
    makerFeeBps: 1,
    takerFeeBps: 4,
    amm: { baseReserve: '1000', quoteReserve: '3000000', feeBps: 30 },
  },
];
const USERS = ['alice', 'Zoë', '用户-7', '🚀', 'bob', 'carol'];

/** Funded users, resting orders on both sides of both books (some partly filled, some post-only, some with client ids). */
function busyEngine(): Engine {
  const engine = new Engine(MARKETS);
  const out: EngineEvent[] = [];
  let time = 1_700_000_000_000;
  const run = (cmd: CommandInput) => {
    const result = engine.execute({ ...cmd, time: time++ } as Command, out);
    out.length = 0;
    assert.ok(result.ok, JSON.stringify(result));
  };
  for (const userId of USERS) {
    for (const asset of ['BTC', 'ETH', 'USD']) run({ type: 'deposit', userId, asset, amount: 1e13 });
  }
  for (let i = 0; i < 300; i++) {
    const userId = USERS[i % USERS.length];
    const buy = i % 2 === 0;
    const bookOffset = 1 + (i % 37);
    run({
      type: 'placeOrder',
      userId,
      pair: 'BTC-USD',
      side: buy ? 'buy' : 'sell',
      orderType: 'limit',
      price: buy ? 100_000 - bookOffset : 100_000 + bookOffset,
      amount: 1 + (i % 50),
      ...(i % 7 === 0 ? { clientOrderId: `${userId}-${i}` } : {}),
      ...(i % 5 === 0 ? { postOnly: true } : {}),
    });
    // far from the pool's price, so these rest without touching it
    run({ type: 'placeOrder', userId, pair: 'ETH-USD', side: buy ? 'buy' : 'sell', orderType: 'limit', price: buy ? 100 + i : 9_000_000 + i, amount: 1 + (i % 9) });
  }
  // takers that leave partly filled makers behind
  run({ type: 'placeOrder', userId: 'carol', pair: 'BTC-USD', side: 'buy', orderType: 'limit', price: 100_003, amount: 70, timeInForce: 'IOC' });
  run({ type: 'placeOrder', userId: 'bob', pair: 'BTC-USD', side: 'sell', orderType: 'market', amount: 45 });
  return engine;
}

test('a busy engine snapshot survives the round trip and restores the same state', () => {
  const engine = busyEngine();
  const snap = engine.snapshot();
  assert.ok(snap.markets.some((m) => m.bids.some((o) => o[4] < o[3])), 'a partly filled order is in the snapshot');
  assert.ok(snap.markets.some((m) => m.pool !== null));
  const payload = encodeSnapshot(snap);
  assert.equal(payload[0], 2, 'binary codec version');
  assert.deepEqual(decodeSnapshot(payload), snap);
  assert.equal(Engine.fromSnapshot(MARKETS, decodeSnapshot(payload)).stateHash(), engine.stateHash());
  assert.ok(payload.length < Buffer.byteLength(JSON.stringify(snap)) * 1.2, 'about as small as JSON');
});

test('an empty engine and an order whose owner has no account entry round trip', () => {
  const empty = new Engine(MARKETS).snapshot();
  assert.deepEqual(decodeSnapshot(encodeSnapshot(empty)), empty);
  const odd: EngineSnapshot = {
    ...empty,
    markets: [{ pair: 'BTC-USD', seq: 3, pool: null, bids: [[7, 'ghost', 5, 4, 2, true, 'cid', 123]], asks: [] }],
  };
  assert.deepEqual(decodeSnapshot(encodeSnapshot(odd)), odd);
});

test('a JSON snapshot payload, as written before the binary codec, still loads', () => {
  const engine = busyEngine();
  const legacy = Buffer.from(JSON.stringify(engine.snapshot()), 'utf8');
  assert.equal(Engine.fromSnapshot(MARKETS, decodeSnapshot(legacy)).stateHash(), engine.stateHash());
});

test('a malformed payload is a SnapshotFormatError', () => {
  const payload = encodeSnapshot(busyEngine().snapshot());
  const badVersion = Buffer.from(payload);
  badVersion[0] = 9;
  assert.throws(() => decodeSnapshot(badVersion), SnapshotFormatError);
  assert.throws(() => decodeSnapshot(payload.subarray(0, payload.length - 5)), SnapshotFormatError);
  assert.throws(() => decodeSnapshot(Buffer.concat([payload, Buffer.from([0])])), SnapshotFormatError);
  assert.throws(() => decodeSnapshot(Buffer.alloc(0)), SnapshotFormatError);
});
