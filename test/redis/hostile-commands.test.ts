/**
 * The hostile command lists of test/engine-hostile-commands.test.ts (test/support/hostile-commands.ts)
 * through the Redis backend and the in-memory Engine side by side: for every command the same result
 * (rejections by code, successes in full) and the same events; at the end the same stateHash. The
 * Redis backend validates in its own code (src/redis/command-args.ts) before its scripts run, so this
 * is where the two can drift apart.
 *
 * Skipped, saying why, when no Redis server answers (test/redis/support.ts). The seed is printed;
 * HOOATS_SEED=<int> replays it, HOOATS_REDIS_RUNS=<int> changes the number of runs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import type { Command } from '../../src/engine/commands.js';
import { Engine } from '../../src/engine/engine.js';
import type { CommandResult, EngineEvent } from '../../src/engine/events.js';
import { RedisEngine, redisClientOptions, type ExecuteResult } from '../../src/redis/redis-engine.js';
import { HOSTILE_MARKETS, hostileCommandLists, hostileSetup, show } from '../support/hostile-commands.js';
import { seedFromEnv } from '../support/prng.js';
import { REDIS_URL, redisSkip, uniquePrefix } from './support.js';

const seed = seedFromEnv(Math.floor(Math.random() * 2_147_483_647));
const numRuns = Number(process.env.HOOATS_REDIS_RUNS ?? 200);

/** As differential.test.ts compares: a rejection by its code, a success in full. */
function comparable(result: CommandResult): unknown {
  return result.ok ? result : { ok: false, code: result.code };
}

/** Runs setup then `commands` through both engines, asserting they agree at every step and at the end. */
async function agree(red: RedisEngine, commands: readonly Command[]): Promise<void> {
  const mem = new Engine(HOSTILE_MARKETS);
  const setup = hostileSetup();
  for (const [i, cmd] of [...setup, ...commands].entries()) {
    const name = i < setup.length ? `setup command #${i}` : `command #${i - setup.length}`;
    const events: EngineEvent[] = [];
    const memory = mem.execute(cmd, events);
    let redis: ExecuteResult;
    try {
      redis = await red.execute(cmd);
    } catch (err) {
      assert.fail(`${name} ${show(cmd)}\n  memory: ${show(memory)}\n  redis threw: ${(err as Error).stack}`);
    }
    // messages built only on failure: show() of every command would cost more than running it
    const differ = (what: string): never =>
      assert.fail(`${name} ${show(cmd)}: ${what} differ\n  memory: ${show(memory)}\n  redis:  ${show(redis.result)}\n  memory events: ${show(events)}\n  redis events:  ${show(redis.events)}`);
    if (!isDeepStrictEqual(comparable(redis.result), comparable(memory))) differ('results');
    if (!isDeepStrictEqual(redis.events, events)) differ('events');
  }
  assert.equal(await red.stateHash(), mem.stateHash(), `stateHash after setup and ${commands.length} commands`);
}

test('redis backend and in-memory engine agree on hostile commands, command by command', { skip: redisSkip }, async () => {
  console.log(`redis hostile-commands seed=${seed} numRuns=${numRuns} (replay with HOOATS_SEED=${seed})`);
  // one client for every run (each run opens a RedisEngine on it under a fresh prefix); closed below
  const client = new Redis(REDIS_URL, redisClientOptions());
  client.on('error', () => {});
  try {
    await client.connect();
    await fc.assert(
      fc.asyncProperty(hostileCommandLists(), async (commands) => {
        const red = await RedisEngine.open({ redis: client, markets: HOSTILE_MARKETS, prefix: uniquePrefix('hostile') });
        try {
          await agree(red, commands);
        } finally {
          try {
            await red.destroy();
          } finally {
            await red.close();
          }
        }
      }),
      { seed, numRuns },
    );
  } finally {
    await client.quit().catch(() => client.disconnect());
  }
});
