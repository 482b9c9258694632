import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { defaultJournalIo } from '../../src/durability/journal-io.js';
import { call, fund, startServer, type Server } from './helpers.js';

const P = 'IDX-USDC';
const order = { pair: P, side: 'buy', type: 'limit', price: '1', amount: '1' };

describe('operations endpoints', () => {
  let s: Server;
  before(async () => {
    // fsync on (the other API tests turn it off for speed): the journal metrics count and time them
    s = await startServer({ env: { HOOATS_FSYNC: 'batched' } });
    await fund(s, 'op', { USDC: '100' });
    const token = await s.token('op');
    for (let i = 0; i < 3; i++) await call(s, 'POST', '/api/trading/v2/orders', token, order);
    await call(s, 'POST', '/api/trading/v2/orders', token, { ...order, price: '1.001' });
  });
  after(() => s.close());

  it('reports health with the journal state', async () => {
    const r = await call(s, 'GET', '/api/health');
    assert.equal(r.status, 200);
    assert.equal(r.body.status, 'ok');
    assert.equal(r.body.journal.healthy, true);
    assert.ok(r.body.journal.durableSeq >= 4);
    // the history's state is reported, informational only
    assert.equal(r.body.history.store, 'sqlite');
    assert.ok(['starting', 'ok', 'catching_up'].includes(r.body.history.state));
    assert.equal(typeof r.body.history.lag, 'number');
    assert.equal(typeof r.body.history.persistedSeq, 'number');
  });

  it('exposes Prometheus metrics: orders, rejections, latency, journal, WS clients', async () => {
    const r = await call(s, 'GET', '/metrics');
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type') ?? '', /text\/plain/);
    const text = r.body as string;
    assert.match(text, /hooats_orders_total\{type="limit",outcome="open"\} 3/);
    assert.match(text, /hooats_orders_total\{type="limit",outcome="rejected"\} 1/);
    assert.match(text, /hooats_rejections_total\{code="INVALID_PRICE"\} 1/);
    assert.match(text, /hooats_request_duration_seconds_bucket\{le="[\d.]+",route="POST \/api\/trading\/v2\/orders"\} \d+/);
    assert.match(text, /hooats_journal_fsyncs_total \d+/);
    assert.match(text, /hooats_journal_bytes_total [1-9]\d*/);
    // every fsync timed: as many observations as fdatasync calls, and a non-zero total time
    const fsyncs = Number(/^hooats_journal_fsyncs_total (\d+)$/m.exec(text)?.[1]);
    assert.ok(fsyncs > 0, 'the orders above were fsynced');
    assert.match(text, new RegExp(`^hooats_journal_fsync_seconds_count ${fsyncs}$`, 'm'));
    assert.match(text, /^hooats_journal_fsync_seconds_bucket\{le="\+Inf"\} \d+$/m);
    assert.ok(Number(/^hooats_journal_fsync_seconds_sum ([\d.e-]+)$/m.exec(text)?.[1]) > 0);
    assert.match(text, /hooats_ws_clients 0/);
    assert.match(text, /^hooats_history_lag \d+$/m);
    assert.match(text, /^hooats_history_state\{state="ok"\} [01]$/m);
    assert.match(text, /^hooats_history_overflows_total 0$/m);
    assert.match(text, /^hooats_history_write_failures_total 0$/m);
  });

  it('reports measured performance figures', async () => {
    const r = await call(s, 'GET', '/api/performance/metrics');
    assert.equal(r.status, 200);
    assert.equal(typeof r.body.ordersPerSecond.current, 'number');
    assert.ok(r.body.ordersPerSecond.peak >= 0);
    assert.ok(r.body.latencyMs.p50 > 0);
    assert.ok(r.body.latencyMs.p99 >= r.body.latencyMs.p50);
    assert.equal(r.body.counts.orders, 4);
    assert.equal(r.body.counts.ordersRejected, 1);
  });

  it('serves an OpenAPI document generated from the route schemas', async () => {
    const r = await call(s, 'GET', '/api/docs/openapi.json');
    assert.equal(r.status, 200);
    assert.equal(r.body.openapi, '3.0.3');
    const paths = r.body.paths;
    for (const p of [
      '/api/health', '/api/trading/v2/markets', '/api/orderbook/{pair}', '/api/trading/v2/market/{pair}',
      '/api/trading/v2/trades/{pair}', '/api/trading/v2/orders', '/api/trading/v2/orders/{id}', '/api/trading/v2/batch',
      '/api/trading/v2/fills', '/api/trading/v2/balances', '/api/admin/deposits', '/api/admin/withdrawals',
      '/api/admin/balances/{userId}', '/metrics', '/api/performance/metrics', '/api/trading/v2/candles/{pair}',
    ]) {
      assert.ok(paths[p] !== undefined, `documents ${p}`);
    }
    assert.ok(paths['/api/trading/v2/orders'].post.requestBody.content['application/json'].schema.properties.price);
    assert.equal(paths['/api/trading/v2/orders/{id}'].delete.parameters[0].in, 'path');
  });

  it('answers unknown routes with the catalogue shape', async () => {
    const r = await call(s, 'GET', '/api/nope');
    assert.equal(r.status, 404);
    assert.deepEqual(Object.keys(r.body.error).sort(), ['code', 'message']);
    assert.equal(r.body.error.code, 'NOT_FOUND');
  });
});

describe('limits', () => {
  let s: Server;
  before(async () => {
    s = await startServer({ env: { HOOATS_RATE_LIMIT_PER_SEC: '1', HOOATS_RATE_LIMIT_BURST: '3', HOOATS_BODY_LIMIT: '2048' } });
  });
  after(() => s.close());

  it('rate-limits per user with 429 RATE_LIMITED and Retry-After, other users unaffected', async () => {
    const token = await s.token('greedy');
    const statuses: number[] = [];
    let limited: Awaited<ReturnType<typeof call>> | null = null;
    for (let i = 0; i < 5; i++) {
      const r = await call(s, 'GET', '/api/trading/v2/balances', token);
      statuses.push(r.status);
      if (r.status === 429) limited = r;
    }
    assert.deepEqual(statuses.slice(0, 3), [200, 200, 200]);
    assert.ok(limited !== null);
    assert.equal(limited.body.error.code, 'RATE_LIMITED');
    assert.ok(Number(limited.headers.get('retry-after')) >= 1);
    assert.equal((await call(s, 'GET', '/api/trading/v2/balances', await s.token('patient'))).status, 200);
  });

  it('refuses bodies over the limit with 413 PAYLOAD_TOO_LARGE', async () => {
    const token = await s.token('big');
    const r = await call(s, 'POST', '/api/trading/v2/orders', token, { ...order, clientOrderId: 'x'.repeat(5000) });
    assert.equal(r.status, 413);
    assert.equal(r.body.error.code, 'PAYLOAD_TOO_LARGE');
  });
});

describe('journal failure', () => {
  let s: Server;
  let broken = false;
  before(async () => {
    s = await startServer({
      sequencer: {
        journalIo: {
          write: (fd, buf, offset, length, position) =>
            broken ? Promise.reject(new Error('EIO: injected')) : defaultJournalIo.write(fd, buf, offset, length, position),
        },
      },
    });
    await fund(s, 'j', { USDC: '100' });
  });
  after(() => s.close());

  it('answers 503 UNAVAILABLE for what could not be made durable, and health turns 503', async () => {
    broken = true;
    const token = await s.token('j');
    const first = await call(s, 'POST', '/api/trading/v2/orders', token, order);
    assert.equal(first.status, 503);
    assert.equal(first.body.error.code, 'UNAVAILABLE');
    const second = await call(s, 'POST', '/api/trading/v2/orders', token, order);
    assert.equal(second.body.error.code, 'UNAVAILABLE');
    const health = await call(s, 'GET', '/api/health');
    assert.equal(health.status, 503);
    assert.equal(health.body.status, 'unavailable');
    assert.ok(!JSON.stringify(first.body).includes('EIO'), 'no internal detail leaks');
  });
});
