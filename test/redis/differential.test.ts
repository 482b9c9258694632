/**
 * Cross-system validation: one seeded stream of random commands (test/support/random-commands.ts)
 * through the in-memory Engine and the Redis backend. Every result (rejections by code), every event
 * list, and periodically depth and balances must be equal; at the end the whole state (snapshot and
 * stateHash), the Redis backend's own indexes, and the event streams (decoded, merged by command
 * number: exactly the event lists execute() returned). Commands go to Redis pipelined in windows (the
 * stream aims its cancels with the in-memory results, which must be the Redis ones anyway); a window's
 * commands go out together, so they run coalesced in `hooats_batch` calls.
 *
 * HOOATS_SEED=<int> replays a stream; HOOATS_REDIS_DIFF_COMMANDS=<int> changes the length of both runs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Command } from '../../src/engine/commands.js';
import type { CommandResult, EngineEvent } from '../../src/engine/events.js';
import type { MarketConfig } from '../../src/engine/market.js';
import { TEST_MARKETS } from '../support/markets.js';
import { makeRng, seedFromEnv } from '../support/prng.js';
import { CommandStream } from '../support/random-commands.js';
import { assertInvariants } from '../support/invariants.js';
import { librarySource, serverLibraryVersion } from '../../src/redis/scripts.js';
import type { RedisEngine } from '../../src/redis/redis-engine.js';
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
    // every non-empty event list Redis returned, in command order: the streams must hold exactly these
    const returned: EngineEvent[][] = [];
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
        if (replies[i].events.length > 0) returned.push(replies[i].events);
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
    await assertStreamsHold(red, markets, returned);
    // the windows went to Redis coalesced (command-batcher.ts): the comparison covered hooats_batch
    const { calls, commands: sent } = red.batching;
    assert.ok(sent > 3 * calls, `${sent} commands in ${calls} FCALLs: the windows were not batched`);
    const seconds = (performance.now() - started) / 1000;
    console.log(`redis-differential[${name}]: ${index} commands in ${seconds.toFixed(1)}s (${Math.round(index / seconds)}/s), ${mem.engine.openOrderCount()} open at the end, stateHash ${await mem.stateHash()}`);
    console.log(`outcomes: ${[...tally.entries()].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k}=${n}`).join(' ')}`);
  } finally {
    await red.close();
  }
  return void tally;
}

/** The streams, decoded and merged by command number, are exactly the event lists the caller got. */
async function assertStreamsHold(red: RedisEngine, markets: readonly MarketConfig[], returned: EngineEvent[][]): Promise<void> {
  const entries: Array<{ n: number; events: EngineEvent[] }> = [];
  for (const key of [red.accountStream, ...markets.map((m) => red.marketKeys(m.pair)!.events)]) {
    let from = '-';
    for (;;) {
      const batch = await red.redis.xrange(key, from, '+', 'COUNT', 5000);
      for (const [, fields] of batch) entries.push(red.decodeStreamEntry(fields));
      if (batch.length < 5000) break;
      from = `(${batch[batch.length - 1][0]}`;
    }
  }
  entries.sort((a, b) => a.n - b.n);
  assert.equal(entries.length, returned.length, 'one stream entry per command with events');
  entries.forEach((e, i) => {
    assert.equal(e.n, i + 1, 'command numbers 1, 2, 3…');
    assert.deepStrictEqual(e.events, returned[i], `stream entry ${e.n}`);
  });
}

const seed = seedFromEnv(Date.now() % 2_147_483_647);

test(`redis differential: book-only markets, ${BOOK_COMMANDS} random commands`, { skip: redisSkip }, async () => {
  await differential('book', TEST_MARKETS, BOOK_COMMANDS, seed);
});

test(`redis differential: markets with AMM pools, ${AMM_COMMANDS} random commands`, { skip: redisSkip }, async () => {
  await differential('amm', POOL_MARKETS, AMM_COMMANDS, seed + 1);
});

/**
 * The lost-library cases live here, after the differential runs, because FUNCTION FLUSH is
 * server-wide: it would make the commands of a differential running in parallel fail as not applied.
 * Tests in one file run one after another.
 */
test('FUNCTION FLUSH: the engine reloads the library and resends a lone command safely', { skip: redisSkip }, async () => {
  const engine = await openRedisBackend(TEST_MARKETS, 'fnflush');
  const time = 1;
  try {
    assert.equal((await engine.execute({ type: 'deposit', time, userId: 'a', asset: 'USDC', amount: 1_000_000 })).result.ok, true);
    await engine.redis.function('FLUSH');
    assert.equal(await serverLibraryVersion(engine.redis), null, 'the library is really gone');
    const placed = await engine.execute({ type: 'placeOrder', time, userId: 'a', pair: 'IDX-USDC', side: 'buy', orderType: 'limit', price: 1000, amount: 10 });
    assert.equal(placed.result.ok, true);
    assert.equal(placed.events[0].type, 'orderAccepted');
    assert.equal(await serverLibraryVersion(engine.redis), librarySource().version, 'loaded again, same version');
    assert.equal((await engine.execute({ type: 'deposit', time, userId: 'a', asset: 'IDX', amount: 5 })).result.ok, true);
    assert.equal((await engine.openOrders('a')).length, 1, 'the order was applied exactly once');
  } finally {
    await engine.close();
  }
});

test('FUNCTION FLUSH under pipelining: a command is never resent behind later ones', { skip: redisSkip }, async () => {
  for (let round = 0; round < 5; round++) {
    const red = await openRedisBackend(TEST_MARKETS, `fnflush-pipe${round}`);
    const mem = new InMemoryBackend(TEST_MARKETS);
    try {
      await red.execute({ type: 'deposit', time: 0, userId: 'a', asset: 'USDC', amount: 10_000_000 });
      await mem.execute({ type: 'deposit', time: 0, userId: 'a', asset: 'USDC', amount: 10_000_000 });
      await red.redis.function('FLUSH');
      const cmds: Command[] = [];
      for (let i = 0; i < 40; i++) {
        cmds.push({ type: 'placeOrder', time: i, userId: 'a', pair: 'IDX-USDC', side: 'buy', orderType: 'limit', price: 1000 + i, amount: 1, clientOrderId: `c${i}` });
        if (i % 10 === 9) cmds.push({ type: 'cancelAll', time: i, userId: 'a', pair: 'IDX-USDC' });
      }
      const settled = await Promise.allSettled(cmds.map((c) => red.execute(c)));
      let applied = 0;
      for (let i = 0; i < cmds.length; i++) {
        const s = settled[i];
        if (s.status === 'rejected') {
          const err = s.reason as { code?: string; outcome?: string };
          assert.equal(err.code, 'UNAVAILABLE');
          assert.equal(err.outcome, 'not_applied');
          continue;
        }
        applied++;
        // the commands that ran, replayed in send order, give the same results: nothing was reordered
        const expected = await mem.execute(cmds[i]);
        assert.deepEqual(s.value.result, expected.result, `command ${i}`);
        assert.deepEqual(s.value.events, expected.events, `command ${i} events`);
      }
      assert.ok(applied > 0, 'the last command at least is resent after the reload');
      assert.equal(await red.stateHash(), await mem.stateHash());
      assert.equal((await red.execute({ type: 'deposit', time: 99, userId: 'b', asset: 'IDX', amount: 5 })).result.ok, true);
    } finally {
      await red.close();
      await mem.close();
    }
  }
});
