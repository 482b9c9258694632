/**
 * A taker that walks through thousands of makers in one command (its own resting orders, cancelled by
 * self-trade prevention, then other users' orders behind them at the same and worse prices): the Lua
 * reads the book in growing batches, and must meet the makers in exactly the engine's order.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Command } from '../../src/engine/commands.js';
import { Engine } from '../../src/engine/engine.js';
import { TEST_MARKETS } from '../support/markets.js';
import { openRedisBackend, redisSkip } from './support.js';

test('a taker walking through 5,000 makers: same results, events and state as the engine', { skip: redisSkip }, async () => {
  const redis = await openRedisBackend(TEST_MARKETS, 'deep-walk');
  const engine = new Engine(TEST_MARKETS);
  let time = 1;
  const both = async (cmd: Command) => {
    const expected = engine.execute(cmd, []);
    const got = await redis.execute(cmd);
    assert.deepEqual(got.result, expected, JSON.stringify(cmd));
    return got;
  };
  try {
    for (const user of ['self', 'other']) {
      await both({ type: 'deposit', time: time++, userId: user, asset: 'IDX', amount: 100_000_000 });
      await both({ type: 'deposit', time: time++, userId: user, asset: 'USDC', amount: 1_000_000_000_000 });
    }
    const place = (userId: string, side: 'buy' | 'sell', price: number, amount: number, extra: Partial<Command> = {}): Command =>
      ({ type: 'placeOrder', time: time++, userId, pair: 'IDX-USDC', side, orderType: 'limit', price, amount, ...extra }) as Command;
    // 5,000 own asks at 1000, then others' asks at 1000 and 1001, pipelined as a client would
    const makers: Command[] = [];
    for (let i = 0; i < 5_000; i++) makers.push(place('self', 'sell', 1000, 1));
    for (let i = 0; i < 300; i++) makers.push(place('other', 'sell', 1000 + (i % 2), 1));
    const expected = makers.map((cmd) => engine.execute(cmd, []));
    const got = await Promise.all(makers.map((cmd) => redis.execute(cmd)));
    assert.deepEqual(got.map((g) => g.result), expected);
    // cancel_maker: all 5,000 own asks cancelled on the way, then 250 lots from the others
    const { events } = await both(place('self', 'buy', 1001, 250));
    assert.ok(events.length > 5_000, `${events.length} events`);
    assert.deepEqual(await redis.depth('IDX-USDC'), engine.depth('IDX-USDC'));
    assert.equal(await redis.stateHash(), engine.stateHash());
  } finally {
    await redis.close();
  }
});
