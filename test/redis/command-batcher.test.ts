/**
 * Coalescing (src/redis/command-batcher.ts): commands handed over in one turn of the event loop go to
 * Redis as one `hooats_batch` FCALL of at most maxBatch commands, in order, each with its own result
 * and events exactly as when sent alone; a command that fails inside Redis fails alone.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Command } from '../../src/engine/commands.js';
import { RedisEngine, type ExecuteResult } from '../../src/redis/redis-engine.js';
import { CommandBatcher } from '../../src/redis/command-batcher.js';
import { accountKeys, orderKey } from '../../src/redis/keys.js';
import { TEST_MARKETS } from '../support/markets.js';
import { InMemoryBackend, REDIS_URL, redisSkip, uniquePrefix } from './support.js';

const skip = redisSkip;

function commands(): Command[] {
  const out: Command[] = [];
  for (const userId of ['a', 'b', 'c']) {
    out.push({ type: 'deposit', time: 1, userId, asset: 'USDC', amount: 50_000_000 });
    out.push({ type: 'deposit', time: 1, userId, asset: 'IDX', amount: 5_000 });
  }
  // makers and takers within one batch: later commands see what earlier ones rested
  out.push({ type: 'placeOrder', time: 2, userId: 'a', pair: 'IDX-USDC', side: 'sell', orderType: 'limit', price: 1000, amount: 20 });
  out.push({ type: 'placeOrder', time: 3, userId: 'b', pair: 'IDX-USDC', side: 'buy', orderType: 'limit', price: 1001, amount: 8 });
  out.push({ type: 'placeOrder', time: 4, userId: 'c', pair: 'IDX-USDC', side: 'buy', orderType: 'market', amount: 5 });
  out.push({ type: 'placeOrder', time: 5, userId: 'b', pair: 'IDX-USDC', side: 'buy', orderType: 'limit', price: 990, amount: 3, clientOrderId: 'x1' });
  out.push({ type: 'placeOrder', time: 6, userId: 'b', pair: 'IDX-USDC', side: 'buy', orderType: 'limit', price: 990, amount: 3, clientOrderId: 'x1' });
  out.push({ type: 'withdraw', time: 7, userId: 'c', asset: 'USDC', amount: 1e15 });
  out.push({ type: 'cancelAll', time: 8, userId: 'a', pair: null });
  return out;
}

test('commands issued together go out in batches of at most maxBatch, with the in-memory engine\'s results and events', { skip }, async () => {
  const cmds = commands();
  const engine = await RedisEngine.open({ url: REDIS_URL, markets: TEST_MARKETS, prefix: uniquePrefix('batcher'), maxBatch: 4 });
  try {
    const mem = new InMemoryBackend(TEST_MARKETS);
    const expected: ExecuteResult[] = [];
    for (const c of cmds) expected.push(await mem.execute(c));
    const got = await Promise.all(cmds.map((c) => engine.execute(c)));
    for (let i = 0; i < cmds.length; i++) {
      const want = expected[i].result.ok ? expected[i].result : { ok: false, code: (expected[i].result as { code: string }).code };
      const have = got[i].result.ok ? got[i].result : { ok: false, code: (got[i].result as { code: string }).code };
      assert.deepEqual(have, want, `result of command ${i}`);
      assert.deepEqual(got[i].events, expected[i].events, `events of command ${i}`);
    }
    assert.deepEqual(engine.batching, { calls: Math.ceil(cmds.length / 4), commands: cmds.length });
    assert.equal(await engine.stateHash(), await mem.stateHash());
  } finally {
    await engine.destroy();
    await engine.close();
  }
});

test('maxBatch 1 sends every command as its own FCALL', { skip }, async () => {
  const cmds = commands();
  const engine = await RedisEngine.open({ url: REDIS_URL, markets: TEST_MARKETS, prefix: uniquePrefix('batcher-1'), maxBatch: 1 });
  try {
    const mem = new InMemoryBackend(TEST_MARKETS);
    for (const c of cmds) await mem.execute(c);
    await Promise.all(cmds.map((c) => engine.execute(c)));
    assert.deepEqual(engine.batching, { calls: cmds.length, commands: cmds.length });
    assert.equal(await engine.stateHash(), await mem.stateHash());
  } finally {
    await engine.destroy();
    await engine.close();
  }
});

test('a batch that cannot be built rejects its commands instead of throwing from the event loop', async () => {
  const sent: string[] = [];
  const batcher = new CommandBatcher(['state'], async (fn) => {
    sent.push(fn);
    return [];
  }, 8);
  const results = await Promise.allSettled([
    batcher.submit('deposit', ['state'], ['1']),
    batcher.submit('deposit', ['undeclared'], ['1']),
  ]);
  assert.deepEqual(results.map((r) => r.status), ['rejected', 'rejected']);
  assert.match(String((results[1] as PromiseRejectedResult).reason), /not one the batch declares/);
  assert.deepEqual(sent, [], 'nothing half-built was sent');
});

test('maxBatch must be a whole number of commands', { skip }, async () => {
  for (const maxBatch of [0, -1, 2.5, Number.NaN]) {
    await assert.rejects(RedisEngine.open({ url: REDIS_URL, markets: TEST_MARKETS, prefix: uniquePrefix('batcher-bad'), maxBatch }), RangeError);
  }
});

test('a command that fails inside Redis (a script error) fails alone: the rest of its batch is applied', { skip }, async () => {
  const engine = await RedisEngine.open({ url: REDIS_URL, markets: TEST_MARKETS, prefix: uniquePrefix('batcher-err'), maxBatch: 64 });
  try {
    await engine.execute({ type: 'deposit', time: 1, userId: 'm', asset: 'IDX', amount: 5_000 });
    await engine.execute({ type: 'deposit', time: 1, userId: 't', asset: 'USDC', amount: 50_000_000 });
    const maker = await engine.execute({ type: 'placeOrder', time: 2, userId: 'm', pair: 'IDX-USDC', side: 'sell', orderType: 'limit', price: 1000, amount: 4 });
    assert.ok(maker.result.ok);
    const makerId = (maker.result as { order: { id: number } }).order.id;
    // damage the maker's record: a taker that meets it hits the script's "bad order record" error
    await engine.redis.hset(accountKeys(engine.keyspace).orders, orderKey(makerId), 'garbage');
    const before = await engine.balances('t');
    const calls = engine.batching.calls;
    const [first, taker, last] = await Promise.allSettled([
      engine.execute({ type: 'deposit', time: 3, userId: 'x', asset: 'USDC', amount: 7 }),
      engine.execute({ type: 'placeOrder', time: 4, userId: 't', pair: 'IDX-USDC', side: 'buy', orderType: 'limit', price: 1000, amount: 1 }),
      engine.execute({ type: 'deposit', time: 5, userId: 'y', asset: 'USDC', amount: 9 }),
    ]);
    assert.equal(engine.batching.calls, calls + 1, 'one FCALL for the three');
    assert.equal(first.status, 'fulfilled');
    assert.equal(last.status, 'fulfilled');
    assert.equal(taker.status, 'rejected');
    const err = (taker as PromiseRejectedResult).reason as Error;
    assert.equal(err.name, 'ReplyError');
    assert.match(err.message, /bad order record/);
    assert.deepEqual((await engine.balances('x')).USDC, { available: 7, locked: 0 });
    assert.deepEqual((await engine.balances('y')).USDC, { available: 9, locked: 0 });
    assert.deepEqual(await engine.balances('t'), before, 'the failed order locked nothing');
  } finally {
    await engine.destroy();
    await engine.close();
  }
});
