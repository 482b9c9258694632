/**
 * The API server in Redis mode when Redis goes away (behind a TCP proxy that cuts every connection):
 * order entry, reads and the health answer 503 UNAVAILABLE at once instead of hanging or 500; nothing
 * is half-applied; when Redis is back the same server takes orders again by itself, and its market
 * data feed carries on (the WebSocket book gets the later diffs, seq still rising by 1).
 */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/api/app.js';
import { signToken } from '../../src/api/auth.js';
import { RedisBackend } from '../../src/api/redis-backend.js';
import { configFor } from '../../src/config/config.js';
import { DEFAULT_MARKETS } from '../../src/engine/market.js';
import { eventually, WsClient } from '../api/helpers.js';
import { api } from '../support/main-process.js';
import { REDIS_URL, redisSkip, uniquePrefix } from './support.js';
import { TcpProxy } from './tcp-proxy.js';

const SECRET = 'unavailable-secret-unavailable-secret-01';
const PAIR = DEFAULT_MARKETS[0].pair;
const quiet = { warn: () => {}, error: () => {} };

describe('API server in Redis mode while Redis is unreachable', { skip: redisSkip }, () => {
  const proxy = new TcpProxy(new URL(REDIS_URL));
  const prefix = uniquePrefix('api-unavailable');
  let backend: RedisBackend;
  let app: FastifyInstance;
  let url = '';
  let token = '';
  let admin = '';

  before(async () => {
    await proxy.start();
    backend = await RedisBackend.open({ url: `redis://127.0.0.1:${proxy.port}`, prefix, markets: DEFAULT_MARKETS, log: quiet });
    app = buildApp({ backend }, configFor({ HOOATS_JWT_SECRET: SECRET, HOOATS_RATE_LIMIT_PER_SEC: '0' }));
    await app.listen({ port: 0, host: '127.0.0.1' });
    url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    token = await signToken(SECRET, 'u', ['trade']);
    admin = await signToken(SECRET, 'ops', ['admin']);
  });

  after(async () => {
    await app.close();
    await backend.engine.destroy().catch(() => {});
    await backend.close();
    await proxy.stop();
  });

  it('answers 503 UNAVAILABLE, applies nothing, and recovers by itself', async () => {
    const order = (price: string) => ({ pair: PAIR, side: 'buy', type: 'limit', price, amount: '1' });
    assert.equal((await api(url, 'POST', '/api/admin/deposits', admin, { userId: 'u', asset: 'USDC', amount: '100' })).status, 200);
    assert.equal((await api(url, 'POST', '/api/trading/v2/orders', token, order('0.5'))).status, 201);
    const ws = await WsClient.open(url.replace(/^http/, 'ws') + '/ws');
    ws.send({ op: 'subscribe', reqId: 's', channels: [`book:${PAIR}`] });
    const snapshot = await ws.next((m) => m.type === 'book' && m.snapshot === true);

    const port = proxy.port;
    await proxy.stop();
    await eventually(() => backend.engine.redis.status !== 'ready');
    const refused = await api(url, 'POST', '/api/trading/v2/orders', token, order('0.6'));
    assert.equal(refused.status, 503, JSON.stringify(refused.body));
    assert.equal(refused.body.error.code, 'UNAVAILABLE');
    const batch = await api(url, 'POST', '/api/trading/v2/batch', token, { orders: [order('0.6')] });
    assert.equal(batch.status, 200);
    assert.equal(batch.body.results[0].error.code, 'UNAVAILABLE');
    const read = await api(url, 'GET', '/api/trading/v2/balances', token);
    assert.equal(read.status, 503, JSON.stringify(read.body));
    assert.equal(read.body.error.code, 'UNAVAILABLE');
    const health = await api(url, 'GET', '/api/health', admin);
    assert.equal(health.status, 503);
    assert.equal(health.body.status, 'unavailable');

    await proxy.start(port);
    await eventually(async () => (await api(url, 'GET', '/api/health', admin)).status === 200, 10_000);
    const balances = await api(url, 'GET', '/api/trading/v2/balances', token);
    assert.deepEqual(balances.body.balances.USDC, { available: '99.5000000', locked: '0.5000000' }, 'only the order placed before the cut');
    const placed = await api(url, 'POST', '/api/trading/v2/orders', token, order('0.7'));
    assert.equal(placed.status, 201, JSON.stringify(placed.body));
    // the stream reader reconnected too: the diff of the new order arrives, right after the snapshot's seq
    const diff = await ws.next((m) => m.type === 'book' && m.snapshot === false, 10_000);
    assert.equal(diff.seq, snapshot.seq + 1);
    assert.deepEqual(diff.bids, [['0.7000', '1.000']]);
    ws.close();
  });
});
