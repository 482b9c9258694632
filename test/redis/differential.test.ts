/**
 * Cross-system validation: one seeded stream of random commands (test/support/random-commands.ts)
 * through the in-memory Engine and the Redis backend. Every result (rejections by code), every event
 * list, and periodically depth and balances must be equal; at the end the whole state (snapshot and
 * stateHash) and the Redis backend's own indexes. Commands go to Redis pipelined in windows (the
 * stream aims its cancels with the in-memory results, which must be the Redis ones anyway).
 *
 * HOOATS_SEED=<int> replays a stream; HOOATS_REDIS_DIFF_COMMANDS=<int> changes the length of both runs.
 */
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Command } from '../../src/engine/commands.js';
import type { CommandResult, EngineEvent } from '../../src/engine/events.js';
import type { MarketConfig } from '../../src/engine/market.js';
import { TEST_MARKETS } from '../support/markets.js';
import { makeRng, seedFromEnv } from '../support/prng.js';
import { CommandStream } from '../support/random-commands.js';
import { assertInvariants } from '../support/invariants.js';
import { scriptSources } from '../../src/redis/scripts.js';
import { assertRedisIndexes, InMemoryBackend, openRedisBackend, POOL_MARKETS, redisSkip } from './support.js';

const AMM_COMMANDS = Number(process.env.HOOATS_REDIS_DIFF_COMMANDS ?? 100_000);
const BOOK_COMMANDS = AMM_COMMANDS;
const USERS = 30;
const WINDOW = 64;
const CHECK_EVERY_WINDOWS = 40;

function comparable(result: CommandResult): unknown {
  return result.ok ? result : { ok: false, code: result.code };
}

async function differential(name: string, markets: readonly MarketConfig[], commands: number, seed: number): Promise<void> {
  console.log(`redis-differential[${name}] seed=${seed} commands=${commands} (replay with HOOATS_SEED=${seed})`);
  const started = performance.now();
  const mem = new InMemoryBackend(markets);
  const red = await openRedisBackend(markets, `diff-${name}`);
  const tally = new Map<string, number>();
  try {
    const stream = new CommandStream(makeRng(seed), USERS);
    type Pending = { index: number; cmd: Command; result: CommandResult; events: EngineEvent[]; redis: Promise<{ result: CommandResult; events: EngineEvent[] }> };
    let pending: Pending[] = [];
    let windows = 0;
    const drain = async (): Promise<void> => {
      const batch = pending;
      pending = [];
      const replies = await Promise.all(batch.map((p) => p.redis));
      batch.forEach((p, i) => {
        try {
          assert.deepEqual(comparable(replies[i].result), comparable(p.result), 'result');
          assert.deepEqual(replies[i].events, p.events, 'events');
        } catch (err) {
          console.error(`MISMATCH ${name} seed=${seed} at command #${p.index}: ${JSON.stringify(p.cmd)}`);
          throw err;
        }
        const r = p.result;
        const key = !r.ok ? `${p.cmd.type}:${r.code}` : 'order' in r && p.cmd.type === 'placeOrder' ? `place:${r.order.status}${r.order.cancelReason ? '/' + r.order.cancelReason : ''}` : `${p.cmd.type}:ok`;
        tally.set(key, (tally.get(key) ?? 0) + 1);
        if (r.ok && 'route' in r && r.route.amm > 0) tally.set(r.route.book > 0 ? 'route:book+amm' : 'route:amm', (tally.get(r.route.book > 0 ? 'route:book+amm' : 'route:amm') ?? 0) + 1);
      });
      if (++windows % CHECK_EVERY_WINDOWS === 0) {
        for (const { pair } of markets) assert.deepEqual(await red.depth(pair), await mem.depth(pair), `depth of ${pair} after #${batch.at(-1)!.index}`);
        for (const user of ['u0', 'u1', 'fees']) assert.deepEqual(await red.balances(user), await mem.balances(user), `balances of ${user}`);
      }
    };
    let index = 0;
    const run = async (cmd: Command): Promise<void> => {
      const events: EngineEvent[] = [];
      const result = mem.engine.execute(cmd, events);
      stream.observe(cmd, result);
      pending.push({ index: index++, cmd, result, events, redis: red.execute(cmd) });
      if (pending.length >= WINDOW) await drain();
    };
    for (const cmd of stream.funding()) await run(cmd);
    for (let i = 0; i < commands; i++) await run(stream.next());
    await drain();

    assertInvariants(mem.engine);
    assert.deepEqual(await red.userIds(), await mem.userIds(), 'accounts in creation order');
    for (const user of await mem.userIds()) assert.deepEqual(await red.balances(user), await mem.balances(user), `balances of ${user}`);
    assert.deepEqual(await red.supply(), await mem.supply(), 'supply');
    for (const { pair } of markets) assert.deepEqual(await red.depth(pair), await mem.depth(pair), `depth of ${pair}`);
    assert.deepEqual(await red.snapshot(), await mem.snapshot(), 'snapshot');
    assert.equal(await red.stateHash(), await mem.stateHash(), 'stateHash');
    await assertRedisIndexes(red);
    const seconds = (performance.now() - started) / 1000;
    console.log(`redis-differential[${name}]: ${index} commands in ${seconds.toFixed(1)}s (${Math.round(index / seconds)}/s), ${mem.engine.openOrderCount()} open at the end, stateHash ${await mem.stateHash()}`);
    console.log(`outcomes: ${[...tally.entries()].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k}=${n}`).join(' ')}`);
  } finally {
    await red.close();
  }
  return void tally;
}

const seed = seedFromEnv(Date.now() % 2_147_483_647);

test(`redis differential: book-only markets, ${BOOK_COMMANDS} random commands`, { skip: redisSkip }, async () => {
  await differential('book', TEST_MARKETS, BOOK_COMMANDS, seed);
});

test(`redis differential: markets with AMM pools, ${AMM_COMMANDS} random commands`, { skip: redisSkip }, async () => {
  await differential('amm', POOL_MARKETS, AMM_COMMANDS, seed + 1);
});

/**
 * The NOSCRIPT fallback lives here, after the differential runs, because SCRIPT FLUSH is server-wide:
 * beside a pipelined client it can let that client's commands queued behind one that met NOSCRIPT run
 * before its resend (see docs/redis.md), which would fail an order-sensitive differential running in
 * parallel. Tests in one file run one after another.
 */
test('NOSCRIPT fallback: after SCRIPT FLUSH the next command loads its script again and succeeds', { skip: redisSkip }, async () => {
  const engine = await openRedisBackend(TEST_MARKETS, 'noscript');
  const time = 1;
  try {
    assert.equal((await engine.execute({ type: 'deposit', time, userId: 'a', asset: 'USDC', amount: 1_000_000 })).result.ok, true);
    await engine.redis.script('FLUSH');
    const sha = createHash('sha1').update(scriptSources().get('place_order')!).digest('hex');
    assert.deepEqual(await engine.redis.script('EXISTS', sha), [0], 'the script is really gone');
    const placed = await engine.execute({ type: 'placeOrder', time, userId: 'a', pair: 'IDX-USDC', side: 'buy', orderType: 'limit', price: 1000, amount: 10 });
    assert.equal(placed.result.ok, true);
    assert.equal(placed.events[0].type, 'orderAccepted');
    assert.deepEqual(await engine.redis.script('EXISTS', sha), [1], 'loaded again by the fallback');
    assert.equal((await engine.execute({ type: 'deposit', time, userId: 'a', asset: 'IDX', amount: 5 })).result.ok, true);
  } finally {
    await engine.close();
  }
});
