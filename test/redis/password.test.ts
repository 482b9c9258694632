/**
 * REDIS_URL with a password: a Redis server started for this test with `requirepass`. The engine and
 * a server process (HOOATS_STORE=redis) work through it, a wrong password fails clearly at open, and
 * the password never appears in what the server prints. Skipped, saying why, where redis-server is
 * not installed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RedisEngine } from '../../src/redis/redis-engine.js';
import { signToken } from '../../src/api/auth.js';
import { TEST_MARKETS } from '../support/markets.js';
import { api, startMain } from '../support/main-process.js';
import { freePort, ownServerSkip, startOwnServer } from './own-server.js';
import { uniquePrefix } from './support.js';

const skip = ownServerSkip('a password-protected Redis');

const PASSWORD = 'pw-3c9e1f0a7b';
const SECRET = 'password-test-secret-password-test-secret';

describe('REDIS_URL with a password', { skip }, () => {
  let server: ChildProcess | undefined;
  let port: number;
  let url: string;

  before(async () => {
    port = await freePort();
    url = `redis://:${PASSWORD}@127.0.0.1:${port}`;
    server = await startOwnServer(port, url, ['--requirepass', PASSWORD]);
  });

  after(() => {
    server?.kill('SIGKILL');
  });

  it('the engine runs commands through a password-protected server', async () => {
    const engine = await RedisEngine.open({ url, markets: TEST_MARKETS, prefix: uniquePrefix('password') });
    try {
      assert.ok((await engine.execute({ type: 'deposit', time: 1, userId: 'p', asset: 'USDC', amount: 5_000_000 })).result.ok);
      const placed = await engine.execute({ type: 'placeOrder', time: 2, userId: 'p', pair: 'IDX-USDC', side: 'buy', orderType: 'limit', price: 1000, amount: 2 });
      assert.ok(placed.result.ok);
      assert.equal((await engine.balances('p')).USDC.locked, 2 * 1000 * 5);
    } finally {
      await engine.destroy();
      await engine.close();
    }
  });

  it('a wrong password fails at open with UNAVAILABLE, and the error does not repeat the password', async () => {
    const wrong = `redis://:not-${PASSWORD}@127.0.0.1:${port}`;
    const err = await RedisEngine.open({ url: wrong, markets: TEST_MARKETS, prefix: uniquePrefix('password-wrong') }).then(
      () => assert.fail('opened with a wrong password'),
      (e: unknown) => e as Error & { code?: string },
    );
    assert.equal(err.code, 'UNAVAILABLE');
    assert.match(err.message, /WRONGPASS|NOAUTH|invalid/i);
    assert.ok(!err.message.includes(PASSWORD), err.message);
  });

  it('a server process on it serves orders, and prints neither the URL nor the password', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'hooats-password-'));
    const main = await startMain({
      HOOATS_STORE: 'redis', REDIS_URL: url, HOOATS_REDIS_PREFIX: uniquePrefix('password-main').slice(0, 60).replace(/[^A-Za-z0-9:_.-]/g, '_'),
      HOOATS_JWT_SECRET: SECRET, DATABASE_URL: '', HOOATS_DATA_DIR: dataDir, HOOATS_LOG_LEVEL: 'info',
    });
    try {
      const admin = await signToken(SECRET, 'ops', ['admin']);
      const health = await api(main.url, 'GET', '/api/health', admin);
      assert.equal(health.status, 200);
      assert.equal(health.body.store, 'redis');
      const funded = await api(main.url, 'POST', '/api/admin/deposits', admin, { userId: 'w', asset: 'USDC', amount: '10' });
      assert.equal(funded.status, 200);
      const token = await signToken(SECRET, 'w', ['trade']);
      const order = await api(main.url, 'POST', '/api/trading/v2/orders', token, { pair: 'HYPERINDEX-USDC', side: 'buy', type: 'limit', price: '1', amount: '1' });
      assert.equal(order.status, 201, JSON.stringify(order.body));
      const printed = main.stdout() + main.stderr();
      assert.ok(printed.length > 0);
      assert.ok(!printed.includes(PASSWORD), 'the password was printed');
    } finally {
      main.child.kill('SIGTERM');
      await main.exited;
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
