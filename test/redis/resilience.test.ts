/**
 * The Redis mode under failure (the FUNCTION FLUSH (lost library) tests are in differential.test.ts, see there):
 * Redis unreachable (fail fast with UNAVAILABLE, nothing half-applied, reconnect by itself), a
 * connection cut while a script is in flight (the state is exactly "ran" or "did not run"), and the
 * persistence check.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Command } from '../../src/engine/commands.js';
import { Engine } from '../../src/engine/engine.js';
import { judgePersistence, checkPersistence } from '../../src/redis/persistence.js';
import { RedisEngine } from '../../src/redis/redis-engine.js';
import { RedisUnavailableError } from '../../src/redis/unavailable.js';
import { TEST_MARKETS } from '../support/markets.js';
import { openRedisBackend, REDIS_URL, redisSkip, uniquePrefix } from './support.js';
import { TcpProxy } from './tcp-proxy.js';

const skip = redisSkip;
let time = 1_000;
const dep = (userId: string, asset: string, amount: number): Command => ({ type: 'deposit', time: ++time, userId, asset, amount });
const lim = (userId: string, side: 'buy' | 'sell', price: number, amount: number): Command =>
  ({ type: 'placeOrder', time: ++time, userId, pair: 'IDX-USDC', side, orderType: 'limit', price, amount });

describe('Redis unreachable', { skip }, () => {
  const proxy = new TcpProxy(new URL(REDIS_URL));
  let engine: RedisEngine;
  const reference = new Engine(TEST_MARKETS);
  const prefix = uniquePrefix('unavailable');
  before(async () => {
    await proxy.start();
    engine = await RedisEngine.open({ url: `redis://127.0.0.1:${proxy.port}`, markets: TEST_MARKETS, prefix, commandTimeoutMs: 2000 });
  });
  after(async () => {
    await proxy.stop().catch(() => {});
    const cleaner = await RedisEngine.open({ url: REDIS_URL, markets: TEST_MARKETS, prefix });
    await cleaner.destroy();
    await cleaner.close();
    await engine.close();
  });

  const both = async (cmd: Command): Promise<void> => {
    const events: never[] = [];
    const expected = reference.execute(cmd, events);
    assert.deepEqual((await engine.execute(cmd)).result, expected);
  };

  test('fails fast with UNAVAILABLE (not applied), then reconnects by itself and goes on', async () => {
    await both(dep('a', 'USDC', 10_000_000));
    await both(lim('a', 'buy', 1000, 10));
    const port = proxy.port;
    await proxy.stop();
    await new Promise((r) => setTimeout(r, 50));
    const started = performance.now();
    const err = await engine.execute(lim('a', 'buy', 1001, 1)).then(
      () => null,
      (e: unknown) => e,
    );
    assert.ok(err instanceof RedisUnavailableError, `got ${String(err)}`);
    assert.equal(err.code, 'UNAVAILABLE');
    assert.equal(err.statusCode, 503);
    assert.equal(err.outcome, 'not_applied');
    // well below the 2 s command timeout: refused at once, not queued and timed out
    assert.ok(performance.now() - started < 1500, 'fails fast, no queueing');
    await proxy.start(port);
    for (let i = 0; i < 100 && engine.redis.status !== 'ready'; i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(engine.redis.status, 'ready', 'reconnected by itself');
    await both(lim('a', 'buy', 1002, 1));
    assert.equal(await engine.stateHash(), reference.stateHash(), 'nothing half-applied: state = the commands that succeeded');
  });

  test('a connection cut while a script is in flight: the script ran entirely or not at all', async () => {
    const cmd = lim('a', 'buy', 1003, 7);
    const pending = engine.execute(cmd);
    await proxy.stop();
    const outcome = await pending.then(
      () => 'ran',
      (e: unknown) => (e instanceof RedisUnavailableError ? e.outcome : String(e)),
    );
    await proxy.start(proxy.port);
    for (let i = 0; i < 100 && engine.redis.status !== 'ready'; i++) await new Promise((r) => setTimeout(r, 50));
    const notRun = reference.stateHash();
    const ran = Engine.fromSnapshot(TEST_MARKETS, reference.snapshot());
    ran.execute(cmd, []);
    const now = await engine.stateHash();
    assert.ok(now === notRun || now === ran.stateHash(), `outcome ${outcome}: the state is neither before nor after the command`);
    if (outcome === 'ran') assert.equal(now, ran.stateHash());
    if (now === ran.stateHash()) reference.execute(cmd, []);
    await both(lim('a', 'buy', 1004, 1));
    assert.equal(await engine.stateHash(), reference.stateHash());
  });
});

describe('persistence check', () => {
  test('warns when AOF is off, when appendfsync is no, or when the settings cannot be read', () => {
    assert.equal(judgePersistence('no', 'everysec').warnings.length, 1);
    assert.equal(judgePersistence('yes', 'no').warnings.length, 1);
    assert.equal(judgePersistence(null, null).warnings.length, 1);
    assert.deepEqual(judgePersistence('yes', 'everysec').warnings, []);
    assert.deepEqual(judgePersistence('yes', 'always').warnings, []);
  });

  test('reads the test server and RedisEngine.open reports it through onWarning', { skip }, async () => {
    const probe = await openRedisBackend(TEST_MARKETS, 'persistence');
    const report = await checkPersistence(probe.redis);
    await probe.close();
    console.log(`# test server: appendonly=${report.appendonly} appendfsync=${report.appendfsync}`);
    const warnings: string[] = [];
    const prefix = uniquePrefix('persistence');
    const engine = await RedisEngine.open({ url: REDIS_URL, markets: TEST_MARKETS, prefix, onWarning: (w) => warnings.push(w) });
    await engine.destroy();
    await engine.close();
    assert.deepEqual(warnings, report.warnings);
    if (report.appendonly === 'no') assert.match(warnings[0], /AOF is off/);
  });
});
