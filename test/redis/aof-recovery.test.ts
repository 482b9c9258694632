/**
 * What docs/redis.md says about persistence, tested: a Redis started for this test with
 * `appendonly yes` and `appendfsync always` is killed with SIGKILL after a seeded run of random
 * commands, started again on the same directory, and holds exactly the state every acknowledged
 * command left: the same stateHash as before the kill and as the in-memory engine fed the same
 * commands, and the same event streams. Skipped, saying why, where redis-server is not installed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from '../../src/engine/commands.js';
import { Engine } from '../../src/engine/engine.js';
import { RedisEngine } from '../../src/redis/redis-engine.js';
import { TEST_MARKETS } from '../support/markets.js';
import { makeRng, seedFromEnv } from '../support/prng.js';
import { CommandStream } from '../support/random-commands.js';
import { freePort, ownServerSkip, startOwnServer } from './own-server.js';

const skip = ownServerSkip('a Redis with AOF');

/** A redis-server on `port` keeping its AOF in `dir`, answering once the AOF is loaded. */
function startRedis(port: number, dir: string): Promise<ChildProcess> {
  return startOwnServer(port, `redis://127.0.0.1:${port}`, ['--dir', dir, '--appendonly', 'yes', '--appendfsync', 'always']);
}

describe('Redis with AOF (appendfsync always) killed with SIGKILL', { skip }, () => {
  let dir: string;
  let port: number;
  let redis: ChildProcess | null = null;
  // closed in after() too: a failed assertion must not leave a client reconnecting to a dead server
  let engine: RedisEngine | null = null;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hooats-aof-'));
    port = await freePort();
    redis = await startRedis(port, dir);
  });

  after(async () => {
    await engine?.close().catch(() => {});
    redis?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('comes back with every acknowledged command, as the in-memory engine computes it', async () => {
    const seed = seedFromEnv(Math.floor(Math.random() * 2 ** 31));
    console.log(`aof-recovery seed=${seed} (replay with HOOATS_SEED=${seed})`);
    const url = `redis://127.0.0.1:${port}`;
    const prefix = 'hooats-aof-test:';
    const mem = new Engine(TEST_MARKETS);
    const stream = new CommandStream(makeRng(seed), 12);
    const first = await RedisEngine.open({ url, markets: TEST_MARKETS, prefix });
    engine = first;
    const warnings: string[] = [];
    const run = async (cmds: Command[]): Promise<void> => {
      // in flight together: acknowledged through coalesced FCALLs
      const results = await Promise.all(cmds.map((c) => first.execute(c)));
      cmds.forEach((c, i) => {
        const expected = mem.execute(c, []);
        stream.observe(c, expected);
        assert.equal(results[i].result.ok, expected.ok, `command ${JSON.stringify(c)}`);
      });
    };
    await run([...stream.funding()]);
    for (let w = 0; w < 40; w++) await run(Array.from({ length: 25 }, () => stream.next()));
    const before = await first.stateHash();
    assert.equal(before, mem.stateHash(), 'the Redis state before the kill is the engine state');
    const streamsBefore = await Promise.all(TEST_MARKETS.map((m) => first.redis.xlen(first.marketKeys(m.pair)!.events)));
    await first.close();
    engine = null;

    redis!.kill('SIGKILL');
    await new Promise((resolve) => redis!.once('exit', resolve));
    redis = await startRedis(port, dir);

    const second = await RedisEngine.open({ url, markets: TEST_MARKETS, prefix, onWarning: (w) => warnings.push(w) });
    engine = second;
    assert.deepEqual(warnings, [], 'AOF with appendfsync always draws no persistence warning');
    assert.equal(await second.stateHash(), before, 'the state after the restart is the state before the kill');
    const streamsAfter = await Promise.all(TEST_MARKETS.map((m) => second.redis.xlen(second.marketKeys(m.pair)!.events)));
    assert.deepEqual(streamsAfter, streamsBefore, 'the event streams came back whole');
    // and the exchange goes on from there: the next command gets the next ids
    const next = stream.next();
    const expected = mem.execute(next, []);
    const got = await second.execute(next);
    assert.deepEqual(got.result.ok ? got.result : { ok: false }, expected.ok ? expected : { ok: false });
    assert.equal(await second.stateHash(), mem.stateHash());
  });
});
