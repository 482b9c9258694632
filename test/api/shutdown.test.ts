/**
 * The real process (src/main.ts): SIGTERM stops it cleanly (exit 0, in-flight requests answered, a
 * final snapshot written, the order history flushed), and a restart on the same data dir shows the same
 * balances, open orders and order history.
 * Also: a bad configuration exits 1 with a clear message.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { signToken } from '../../src/api/auth.js';
import { api, startMain } from '../support/main-process.js';
import { SECRET, WsClient } from './helpers.js';

const dataDir = mkdtempSync(join(tmpdir(), 'hooats-shutdown-'));

describe('process lifecycle', () => {
  after(() => rmSync(dataDir, { recursive: true, force: true }));
  // the embedded default (SQLite history) whatever the environment says, as a newcomer's npm start
  const env = { HOOATS_JWT_SECRET: SECRET, HOOATS_DATA_DIR: dataDir, HOOATS_FSYNC: 'batched', DATABASE_URL: '' };

  it('shuts down on SIGTERM after answering in-flight requests, and restarts with the same state', async () => {
    const admin = await signToken(SECRET, 'root', ['admin']);
    const trader = await signToken(SECRET, 'sam', ['trade']);
    const first = await startMain(env);
    const d = await api(first.url, 'POST', '/api/admin/deposits', admin, { userId: 'sam', asset: 'USDC', amount: '500' });
    assert.equal(d.status, 200);
    const order = { pair: 'HYPERINDEX-USDC', side: 'buy', type: 'limit', price: '0.5', amount: '10' };
    const placed = await api(first.url, 'POST', '/api/trading/v2/orders', trader, order);
    assert.equal(placed.status, 201);
    const gone = await api(first.url, 'POST', '/api/trading/v2/orders', trader, { ...order, price: '0.4' });
    const cancelled = await api(first.url, 'DELETE', `/api/trading/v2/orders/${gone.body.order.id}`, trader);
    assert.equal(cancelled.body.order.status, 'cancelled');
    const ws = await WsClient.open(first.url.replace(/^http/, 'ws') + '/ws');

    // a burst in flight when the signal arrives: every answer must be a success or a clean 503
    const inflight = Array.from({ length: 20 }, () => api(first.url, 'POST', '/api/trading/v2/orders', trader, order).catch(() => null));
    await new Promise((r) => setTimeout(r, 5));
    first.child.kill('SIGTERM');
    const answers = await Promise.all(inflight);
    for (const a of answers) {
      if (a === null) continue; // connection refused after the listener closed
      assert.ok(a.status === 201 || (a.status === 503 && a.body.error.code === 'UNAVAILABLE'), `in-flight answer ${JSON.stringify(a)}`);
    }
    assert.equal(await first.exited, 0, first.stderr());
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(ws.closeInfo?.code, 1001);
    assert.ok(existsSync(join(dataDir, 'snapshots')) && readdirSync(join(dataDir, 'snapshots')).length > 0, 'final snapshot');

    const second = await startMain(env);
    try {
      const bal = await api(second.url, 'GET', '/api/trading/v2/balances', trader);
      const open = await api(second.url, 'GET', '/api/trading/v2/orders?status=open', trader);
      const accepted = 1 + answers.filter((a) => a?.status === 201).length;
      assert.equal(open.body.orders.length, accepted);
      assert.equal(bal.body.balances.USDC.locked, (accepted * 5).toFixed(7));
      assert.equal(bal.body.balances.USDC.available, (500 - accepted * 5).toFixed(7));
      assert.ok(open.body.orders.some((o: any) => o.id === placed.body.order.id));
      // the order history (SQLite in the data dir) was flushed at shutdown and is read again
      assert.ok(existsSync(join(dataDir, 'history.sqlite')));
      const health = await api(second.url, 'GET', '/api/health', trader);
      assert.equal(health.body.history.store, 'sqlite');
      const closed = await api(second.url, 'GET', `/api/trading/v2/orders/${gone.body.order.id}`, trader);
      assert.deepEqual(closed.body.order, cancelled.body.order);
    } finally {
      second.child.kill('SIGTERM');
      assert.equal(await second.exited, 0);
    }
  });

  it('exits 1 with a clear message on a bad configuration', async () => {
    const bad = join(dataDir, 'markets.json');
    writeFileSync(bad, JSON.stringify({ markets: [{ pair: 'A-B', base: 'A', quote: 'B', tickSize: '-1', lotSize: '1' }] }));
    for (const [extra, pattern] of [
      [{ PORT: '99999' }, /PORT must be from 0 to 65535/],
      [{ HOOATS_FSYNC: 'sometimes' }, /HOOATS_FSYNC must be one of always, batched, none/],
      [{ HOOATS_MARKETS: bad }, /tickSize must be a positive decimal/],
      [{ HOOATS_JWT_SECRET: 'short' }, /at least 32 characters/],
    ] as const) {
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { env: { ...process.env, ...env, ...extra }, stdio: ['ignore', 'pipe', 'pipe'] });
      let err = '';
      child.stderr.on('data', (d) => (err += d));
      const code = await new Promise((resolve) => child.on('exit', resolve));
      assert.equal(code, 1);
      assert.match(err, pattern);
      assert.match(err, /configuration error/);
    }
  });
});
