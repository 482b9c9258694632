/**
 * Events in Redis Streams (one capped stream per market, one for the exchange's account commands:
 * each entry is one command's events, equal to what execute() returned, with a rising command number),
 * and several clients on one keyspace at once, as several API processes would be.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Command } from '../../src/engine/commands.js';
import type { EngineEvent } from '../../src/engine/events.js';
import { RedisEngine } from '../../src/redis/redis-engine.js';
import { decodeStreamEntry } from '../../src/redis/stream-entry.js';
import { TEST_MARKETS } from '../support/markets.js';
import { assertInvariants } from '../support/invariants.js';
import { Engine } from '../../src/engine/engine.js';
import { assertRedisIndexes, openRedisBackend, REDIS_URL, redisSkip, uniquePrefix } from './support.js';

const skip = redisSkip;

test('each command with events is one entry of its stream, equal to what execute returned; streams are capped', { skip }, async () => {
  const engine = await openRedisBackend(TEST_MARKETS, 'streams');
  try {
    const results: Array<{ stream: string; events: EngineEvent[] }> = [];
    const run = async (cmd: Command, stream: string): Promise<void> => {
      const { events } = await engine.execute(cmd);
      results.push({ stream, events });
    };
    const idx = engine.marketKeys('IDX-USDC')!.events;
    const acct = engine.accountStream;
    await run({ type: 'deposit', time: 1, userId: 's', asset: 'IDX', amount: 1000 }, acct);
    await run({ type: 'deposit', time: 2, userId: 'b', asset: 'USDC', amount: 10_000_000 }, acct);
    await run({ type: 'placeOrder', time: 3, userId: 's', pair: 'IDX-USDC', side: 'sell', orderType: 'limit', price: 1000, amount: 10 }, idx);
    await run({ type: 'placeOrder', time: 4, userId: 'b', pair: 'IDX-USDC', side: 'buy', orderType: 'limit', price: 1000, amount: 4 }, idx);
    await run({ type: 'cancelAll', time: 5, userId: 's', pair: null }, acct);
    const rejected = await engine.execute({ type: 'withdraw', time: 6, userId: 'b', asset: 'USDC', amount: 1e12 });
    assert.equal(rejected.result.ok, false);
    assert.deepEqual(rejected.events, []);
    // decodeStreamEntry gives back the engine's events from the compact entry (strings or Buffers)
    const read = async (key: string) => (await engine.redis.xrange(key, '-', '+')).map(([, fields]) => engine.decodeStreamEntry(fields));
    const readBuffers = async (key: string) => (await engine.redis.xrangeBuffer(key, '-', '+')).map(([, fields]) => decodeStreamEntry(fields, engine.catalogue));
    assert.deepEqual(await readBuffers(idx), await read(idx));
    const all = [...(await read(acct)).map((e) => ({ ...e, stream: acct })), ...(await read(idx)).map((e) => ({ ...e, stream: idx }))].sort((a, b) => a.n - b.n);
    assert.deepEqual(all.map((e) => e.n), [1, 2, 3, 4, 5], 'command numbers merge the streams into the total order');
    assert.deepEqual(all.map(({ stream, events }) => ({ stream, events })), results);
    // the cap: MAXLEN ~ keeps about streamMaxLen entries
    const small = await RedisEngine.open({ url: REDIS_URL, markets: TEST_MARKETS, prefix: uniquePrefix('cap'), streamMaxLen: 10 });
    for (let i = 0; i < 500; i++) await small.execute({ type: 'deposit', time: i, userId: 'u', asset: 'USDC', amount: 1 });
    const length = await small.redis.xlen(small.accountStream);
    assert.ok(length < 500 && length >= 10, `stream length ${length}`);
    await small.destroy();
    await small.close();
  } finally {
    await engine.close();
  }
});

test('stream entries decode to the returned events with any user id or clientOrderId (UTF-8, separators)', { skip }, async () => {
  const engine = await openRedisBackend(TEST_MARKETS, 'streams-utf8');
  try {
    const maker = 'ü-ユーザー |1';
    const taker = 'b 2|x';
    const got: EngineEvent[][] = [];
    const run = async (cmd: Command): Promise<void> => {
      const { result, events } = await engine.execute(cmd);
      assert.ok(result.ok, JSON.stringify(result));
      got.push(events);
    };
    await run({ type: 'deposit', time: 1, userId: maker, asset: 'IDX', amount: 1000 });
    await run({ type: 'deposit', time: 1, userId: taker, asset: 'USDC', amount: 10_000_000 });
    await run({ type: 'placeOrder', time: 2, userId: maker, pair: 'IDX-USDC', side: 'sell', orderType: 'limit', price: 1000, amount: 5, clientOrderId: 'ç|x 9' });
    await run({ type: 'placeOrder', time: 3, userId: maker, pair: 'IDX-USDC', side: 'sell', orderType: 'limit', price: 1001, amount: 5, clientOrderId: '🙂' });
    await run({ type: 'placeOrder', time: 4, userId: taker, pair: 'IDX-USDC', side: 'buy', orderType: 'limit', price: 1001, amount: 7, timeInForce: 'IOC' });
    const open = await engine.openOrders(maker);
    assert.deepEqual(open.map((o) => o.clientOrderId), ['🙂']);
    await run({ type: 'cancelOrder', time: 5, userId: maker, orderId: open[0].id });
    const entries = [];
    for (const key of [engine.accountStream, engine.marketKeys('IDX-USDC')!.events]) {
      for (const [, fields] of await engine.redis.xrangeBuffer(key, '-', '+')) entries.push(engine.decodeStreamEntry(fields));
    }
    entries.sort((a, b) => a.n - b.n);
    assert.deepStrictEqual(entries.map((e) => e.events), got);
  } finally {
    await engine.close();
  }
});

test('several clients on one keyspace: ids from Redis counters; replayed in commit order, one in-memory engine gives the same results and state', { skip }, async () => {
  const prefix = uniquePrefix('multi');
  const clients = await Promise.all([0, 1, 2, 3].map(() => RedisEngine.open({ url: REDIS_URL, markets: TEST_MARKETS, prefix })));
  const reference = new Engine(TEST_MARKETS);
  try {
    const funding: Command[] = [];
    for (const u of ['u0', 'u1', 'u2', 'u3']) {
      funding.push({ type: 'deposit', time: 1, userId: u, asset: 'IDX', amount: 10_000_000 });
      funding.push({ type: 'deposit', time: 1, userId: u, asset: 'USDC', amount: 10_000_000_000 });
    }
    for (const cmd of funding) {
      assert.deepEqual((await clients[0].execute(cmd)).result, reference.execute(cmd, []));
    }
    // four clients at once, each placing orders that cross the others' (every placeOrder takes the next id)
    const work = clients.map(async (client, c) => {
      const done: Array<{ id: number; cmd: Command; result: unknown; events: EngineEvent[] }> = [];
      for (let i = 0; i < 250; i++) {
        const cmd: Command = {
          type: 'placeOrder', time: 2 + i, userId: `u${(c + (i % 2)) % 4}`, pair: 'IDX-USDC', side: (i + c) % 2 === 0 ? 'buy' : 'sell',
          orderType: i % 10 === 9 ? 'market' : 'limit', ...(i % 10 === 9 ? {} : { price: 1000 + ((i * 7 + c * 3) % 21) - 10 }), amount: 1 + (i % 5),
        } as Command;
        const { result, events } = await client.execute(cmd);
        assert.ok(result.ok && 'order' in result, JSON.stringify(result));
        done.push({ id: (result as { order: { id: number } }).order.id, cmd, result, events });
      }
      return done;
    });
    const all = (await Promise.all(work)).flat().sort((a, b) => a.id - b.id);
    assert.equal(new Set(all.map((d) => d.id)).size, all.length, 'order ids are unique across clients');
    assert.ok(all.some((d) => d.events.some((e) => e.type === 'trade')), 'the clients traded with each other');
    for (const d of all) {
      const events: EngineEvent[] = [];
      assert.deepEqual(d.result, reference.execute(d.cmd, events), `order ${d.id}`);
      assert.deepEqual(d.events, events, `events of order ${d.id}`);
    }
    assertInvariants(reference);
    assert.equal(await clients[1].stateHash(), reference.stateHash());
    await assertRedisIndexes(clients[2]);
  } finally {
    await clients[0].destroy();
    await Promise.all(clients.map((c) => c.close()));
  }
});
