/** The backend contract suite against both backends: the in-memory Engine and RedisEngine. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Command } from '../../src/engine/commands.js';
import { orderKey } from '../../src/redis/keys.js';
import { TEST_MARKETS } from '../support/markets.js';
import { runBackendContract } from './backend-contract.js';
import { InMemoryBackend, openRedisBackend, redisSkip } from './support.js';

runBackendContract({ name: 'in-memory Engine', create: async (markets) => new InMemoryBackend(markets) });
runBackendContract({ name: 'RedisEngine', create: (markets) => openRedisBackend(markets, 'contract'), skip: redisSkip });

/**
 * Redis resolves a clientOrderId inside cancel_order.lua and journals the cancel as a cancelOrder of the
 * order it found: the results and events must be the in-memory engine's, and the same as a cancelOrder
 * of that id (on a twin engine), down to the stream entry.
 */
test('cancelByClientOrderId on Redis: the in-memory results and events, the same as cancelOrder, the same stream entry', { skip: redisSkip }, async () => {
  const red = await openRedisBackend(TEST_MARKETS, 'contract-cid');
  const mem = new InMemoryBackend(TEST_MARKETS);
  const byId = new InMemoryBackend(TEST_MARKETS);
  const pair = 'IDX-USDC';
  let time = 1;
  const place = (userId: string, side: 'buy' | 'sell', price: number, amount: number, clientOrderId?: string): Command =>
    ({ type: 'placeOrder', time: time++, userId, pair, side, orderType: 'limit', price, amount, ...(clientOrderId ? { clientOrderId } : {}) }) as Command;
  /** a's cancel of 'x', and the cancelOrder of the order it should find, at the same time */
  const cancelX = (orderId: number): [Command, Command] => {
    const at = time++;
    return [{ type: 'cancelByClientOrderId', time: at, userId: 'a', clientOrderId: 'x' }, { type: 'cancelOrder', time: at, userId: 'a', orderId }];
  };
  // [command, what the twin runs]
  const same = (cmd: Command): [Command, Command] => [cmd, cmd];
  const steps: Array<[Command, Command]> = [
    same({ type: 'deposit', time: time++, userId: 'a', asset: 'USDC', amount: 100_000_000 }),
    same({ type: 'deposit', time: time++, userId: 's', asset: 'IDX', amount: 100_000 }),
    same(place('a', 'buy', 1000, 10, 'x')),
    same(place('s', 'sell', 1000, 4)),
    cancelX(1),
    same(place('a', 'buy', 999, 3, 'x')),
    cancelX(3),
  ];
  try {
    for (const [cmd, twin] of steps) {
      const got = await red.execute(cmd);
      assert.deepStrictEqual(got, await mem.execute(cmd), JSON.stringify(cmd));
      assert.deepStrictEqual(got, await byId.execute(twin), `as ${JSON.stringify(twin)}`);
      if (twin.type !== 'cancelOrder') continue;
      const [[, fields]] = await red.redis.xrevrange(red.marketKeys(pair)!.events, '+', '-', 'COUNT', 1);
      assert.deepEqual([fields[2], fields[3]], ['X', `${orderKey(twin.orderId)} ${cmd.time}`]);
      assert.deepStrictEqual(red.decodeStreamEntry(fields).events, got.events);
    }
    assert.equal(await red.stateHash(), await mem.stateHash());
    assert.equal(await byId.stateHash(), await mem.stateHash());
  } finally {
    await red.close();
  }
});
