import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/api/app.js';
import { signToken } from '../../src/api/auth.js';
import { RedisBackend } from '../../src/api/redis-backend.js';
import { configFor } from '../../src/config/config.js';
import { REDIS_URL, redisSkip, uniquePrefix } from '../redis/support.js';
import { api } from '../support/main-process.js';
import { call, fund, MARKETS, SECRET, startServer, type Server } from './helpers.js';

const P = 'IDX-USDC';

describe('batch orders', () => {
  let s: Server;
  let token: string;
  before(async () => {
    s = await startServer();
    token = await s.token('batcher');
    await fund(s, 'batcher', { USDC: '1000', IDX: '10' });
  });
  after(() => s.close());

  it('processes orders in array order with one result each, ok and failed mixed', async () => {
    const flushesBefore = s.sequencer.journalStats.flushes;
    const orders = [
      { pair: P, side: 'sell', type: 'limit', price: '5', amount: '1' },
      { pair: P, side: 'buy', type: 'limit', price: '5.001', amount: '1' },
      { pair: 'NO-PAIR', side: 'buy', type: 'limit', price: '5', amount: '1' },
      { pair: P, side: 'buy', type: 'limit', price: '5', amount: '1', selfTradePrevention: 'cancel_taker' },
      { pair: P, side: 'buy', type: 'limit', price: '4', amount: '1000' },
      { pair: P, side: 'buy', type: 'limit', price: '4', amount: '1', clientOrderId: 'b' },
      { pair: P, side: 'buy', type: 'limit', price: '4', amount: '1', clientOrderId: 'b' },
    ];
    const r = await call(s, 'POST', '/api/trading/v2/batch', token, { orders });
    assert.equal(r.status, 200);
    const res = r.body.results;
    assert.equal(res.length, orders.length);
    assert.equal(res[0].ok, true);
    assert.equal(res[0].order.status, 'open');
    assert.deepEqual(res[1], { ok: false, error: { code: 'INVALID_PRICE', message: res[1].error.message } });
    assert.equal(res[2].error.code, 'UNKNOWN_PAIR');
    // processed after order 0: it meets the caller's own resting sell
    assert.equal(res[3].ok, true);
    assert.equal(res[3].order.cancelReason, 'self_trade');
    assert.equal(res[4].error.code, 'INSUFFICIENT_BALANCE');
    assert.equal(res[5].ok, true);
    assert.equal(res[6].error.code, 'DUPLICATE_CLIENT_ORDER_ID');
    assert.ok(Number(res[5].order.id) > Number(res[0].order.id));
    // few group commits for the whole batch (fsync none still counts flushes)
    assert.ok(s.sequencer.journalStats.flushes - flushesBefore <= 2);
  });

  it('refuses an empty batch, more than 1000 orders, and an order with unknown fields as a whole', async () => {
    const one = { pair: P, side: 'buy', type: 'limit', price: '1', amount: '0.001' };
    for (const body of [{ orders: [] }, { orders: new Array(1001).fill(one) }, { orders: [{ ...one, foo: 1 }] }, {}]) {
      const r = await call(s, 'POST', '/api/trading/v2/batch', token, body);
      assert.equal(r.status, 400);
      assert.equal(r.body.error.code, 'VALIDATION_ERROR');
    }
  });

  it('takes exactly 1000 orders', async () => {
    const orders = Array.from({ length: 1000 }, (_, i) => ({ pair: P, side: 'buy', type: 'limit', price: '0.01', amount: '0.001', clientOrderId: `k${i}` }));
    const r = await call(s, 'POST', '/api/trading/v2/batch', token, { orders });
    assert.equal(r.status, 200);
    assert.equal(r.body.results.length, 1000);
    assert.ok(r.body.results.every((x: any) => x.ok === true));
  });
});

describe('batch cancel', () => {
  let s: Server;
  let mm: string;
  let other: string;
  before(async () => {
    s = await startServer();
    mm = await s.token('mm');
    other = await s.token('other');
    await fund(s, 'mm', { USDC: '1000', IDX: '10' });
    await fund(s, 'other', { USDC: '1000' });
  });
  after(() => s.close());

  const limit = (side: string, price: string, clientOrderId?: string) =>
    ({ pair: P, side, type: 'limit', price, amount: '1', ...(clientOrderId === undefined ? {} : { clientOrderId }) });
  const place = async (token: string, orders: object[]) => {
    const r = await call(s, 'POST', '/api/trading/v2/batch', token, { orders });
    assert.ok(r.body.results.every((x: any) => x.ok), JSON.stringify(r.body));
    return r.body.results.map((x: any) => x.order);
  };
  const rejections = async (code: string) => {
    const text = (await call(s, 'GET', '/metrics')).body as string;
    return Number(new RegExp(`^hooats_rejections_total\\{code="${code}"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
  };

  it('cancels by orderId and clientOrderId in array order, one result each, in one group commit', async () => {
    const balancesBefore = (await call(s, 'GET', '/api/trading/v2/balances', mm)).body;
    const otherBalances = (await call(s, 'GET', '/api/trading/v2/balances', other)).body;
    const [a, b, c, d] = await place(mm, [limit('buy', '2', 'q-1'), limit('buy', '3'), limit('sell', '10', 'q-3'), limit('buy', '1')]);
    // the same clientOrderId as mm's first order: a cancel by clientOrderId only ever finds the caller's
    const [theirs] = await place(other, [limit('buy', '2', 'q-1')]);
    const notFoundBefore = await rejections('NOT_FOUND');
    const flushesBefore = s.sequencer.journalStats.flushes;
    const seqBefore = s.sequencer.lastSeq;

    const cancels = [
      { orderId: a.id },
      { clientOrderId: 'q-3' },
      { orderId: Number(b.id) },
      { orderId: a.id },
      { clientOrderId: 'q-1' },
      { orderId: theirs.id },
      { orderId: '999999' },
      { orderId: 'abc' },
      { clientOrderId: 'never-placed' },
    ];
    const r = await call(s, 'POST', '/api/trading/v2/batch/cancel', mm, { cancels });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.match(r.headers.get('content-type') ?? '', /application\/json/);
    const res = r.body.results;
    assert.deepEqual(res.map((x: any) => x.ok), [true, true, true, false, false, false, false, false, false]);
    assert.deepEqual(res[0], { ok: true, order: { ...a, status: 'cancelled', cancelReason: 'user' } });
    assert.deepEqual(res[1], { ok: true, order: { ...c, status: 'cancelled', cancelReason: 'user' } });
    assert.deepEqual(res[2], { ok: true, order: { ...b, status: 'cancelled', cancelReason: 'user' } });
    // run in order: the earlier entry cancelled a, so both the repeat and a's clientOrderId find nothing
    assert.deepEqual(res[3], { ok: false, error: { code: 'NOT_FOUND', message: 'no such open order' } });
    assert.deepEqual(res[4], { ok: false, error: { code: 'NOT_FOUND', message: 'no open order with this clientOrderId' } });
    for (const x of res.slice(5)) assert.equal(x.error.code, 'NOT_FOUND');
    // the same order JSON as the single endpoints
    assert.deepEqual((await call(s, 'GET', `/api/trading/v2/orders/${a.id}`, mm)).body.order, res[0].order);

    // one group commit for the batch, three journal records (rejections are not journaled), all durable
    assert.equal(s.sequencer.journalStats.flushes - flushesBefore, 1);
    assert.equal(s.sequencer.lastSeq - seqBefore, 3);
    assert.ok(s.sequencer.durableSeq >= s.sequencer.lastSeq);
    assert.equal(await rejections('NOT_FOUND'), notFoundBefore + 6);

    // untouched: mm's fourth order and the other user's order with the same clientOrderId
    assert.equal((await call(s, 'GET', `/api/trading/v2/orders/${d.id}`, mm)).body.order.status, 'open');
    assert.equal((await call(s, 'GET', '/api/trading/v2/orders/client/q-1', other)).body.order.status, 'open');
    assert.equal((await call(s, 'DELETE', `/api/trading/v2/orders/${theirs.id}`, other)).status, 200);
    assert.deepEqual((await call(s, 'GET', '/api/trading/v2/balances', other)).body, otherBalances);
    // with the last one cancelled, every lock is released
    assert.equal((await call(s, 'DELETE', `/api/trading/v2/orders/${d.id}`, mm)).status, 200);
    assert.deepEqual((await call(s, 'GET', '/api/trading/v2/balances', mm)).body, balancesBefore);
  });

  it('refuses a malformed batch whole, cancelling nothing', async () => {
    const [open] = await place(mm, [limit('buy', '2', 'keep')]);
    const hash = s.sequencer.engine.stateHash();
    const one = { orderId: open.id };
    const bodies: Array<[unknown, RegExp?]> = [
      [{}],
      [{ cancels: [] }],
      [{ cancels: new Array(1001).fill(one) }],
      [{ cancels: one }],
      [{ cancels: 'all' }],
      [{ cancels: [one], pair: P }],
      [{ cancels: [one, { ...one, clientOrderId: 'keep' }] }, /cancels\/1 takes exactly one of orderId and clientOrderId/],
      [{ cancels: [one, {}] }, /cancels\/1 takes exactly one of orderId and clientOrderId/],
      [{ cancels: [{ ...one, pair: P }] }],
      [{ cancels: [one, { orderId: 1.5 }] }],
      [{ cancels: [one, { orderId: null }] }],
      [{ cancels: [one, { orderId: true }] }],
      [{ cancels: [one, { orderId: '1'.repeat(21) }] }],
      [{ cancels: [one, { clientOrderId: '' }] }],
      [{ cancels: [one, { clientOrderId: 'x'.repeat(65) }] }],
      [{ cancels: [one, 'keep'] }],
    ];
    for (const [body, message] of bodies) {
      const r = await call(s, 'POST', '/api/trading/v2/batch/cancel', mm, body);
      assert.equal(r.status, 400, JSON.stringify(body).slice(0, 100));
      assert.equal(r.body.error.code, 'VALIDATION_ERROR');
      if (message !== undefined) assert.match(r.body.error.message, message);
    }
    assert.equal((await call(s, 'POST', '/api/trading/v2/batch/cancel', null, { cancels: [one] })).status, 401);
    assert.equal((await call(s, 'POST', '/api/trading/v2/batch/cancel', await s.token('mm', ['admin']), { cancels: [one] })).status, 403);
    assert.equal(s.sequencer.engine.stateHash(), hash, 'nothing cancelled');
    assert.equal((await call(s, 'GET', `/api/trading/v2/orders/${open.id}`, mm)).body.order.status, 'open');
    await call(s, 'DELETE', `/api/trading/v2/orders/${open.id}`, mm);
  });

  it('takes exactly 1000 cancels', async () => {
    const orders = Array.from({ length: 1000 }, (_, i) => ({ pair: P, side: 'buy', type: 'limit', price: '0.01', amount: '0.001', clientOrderId: `c${i}` }));
    const placed = await place(mm, orders);
    const flushesBefore = s.sequencer.journalStats.flushes;
    const cancels = placed.map((o: any, i: number) => (i % 2 === 0 ? { orderId: o.id } : { clientOrderId: o.clientOrderId }));
    const r = await call(s, 'POST', '/api/trading/v2/batch/cancel', mm, { cancels });
    assert.equal(r.status, 200);
    assert.equal(r.body.results.length, 1000);
    assert.ok(r.body.results.every((x: any, i: number) => x.ok === true && x.order.id === placed[i].id && x.order.status === 'cancelled'));
    assert.equal(s.sequencer.journalStats.flushes - flushesBefore, 1);
    const open = await call(s, 'GET', '/api/trading/v2/orders?status=open', mm);
    assert.deepEqual(open.body.orders, []);
  });

  it('is in the OpenAPI document with its body and response', async () => {
    const doc = (await call(s, 'GET', '/api/docs/openapi.json')).body;
    const op = doc.paths['/api/trading/v2/batch/cancel'].post;
    assert.ok(op.requestBody.content['application/json'].schema.properties.cancels);
    assert.ok(op.responses['200'].content['application/json'].schema.properties.results);
  });
});

describe('batch cancel on the Redis store', { skip: redisSkip }, () => {
  let backend: RedisBackend;
  let app: FastifyInstance;
  let url = '';
  let mm = '';
  let other = '';
  before(async () => {
    const quiet = { warn: () => {}, error: () => {} };
    backend = await RedisBackend.open({ url: REDIS_URL, prefix: uniquePrefix('api-batch-cancel'), markets: MARKETS, log: quiet });
    app = buildApp({ backend }, configFor({ HOOATS_JWT_SECRET: SECRET, HOOATS_RATE_LIMIT_PER_SEC: '0' }));
    await app.listen({ port: 0, host: '127.0.0.1' });
    url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    mm = await signToken(SECRET, 'mm', ['trade']);
    other = await signToken(SECRET, 'other', ['trade']);
    const admin = await signToken(SECRET, 'ops', ['admin']);
    for (const userId of ['mm', 'other']) {
      assert.equal((await api(url, 'POST', '/api/admin/deposits', admin, { userId, asset: 'USDC', amount: '100' })).status, 200);
    }
  });
  after(async () => {
    await app?.close();
    await backend?.engine.destroy().catch(() => {});
    await backend?.close();
  });

  it('cancels in order with the same answers as the journal store', async () => {
    const before = (await api(url, 'GET', '/api/trading/v2/balances', mm)).body;
    const order = (clientOrderId: string) => ({ pair: P, side: 'buy', type: 'limit', price: '2', amount: '1', clientOrderId });
    const placed = await api(url, 'POST', '/api/trading/v2/batch', mm, { orders: [order('r-1'), order('r-2')] });
    const [a, b] = placed.body.results.map((x: any) => x.order);
    const theirs = (await api(url, 'POST', '/api/trading/v2/orders', other, order('r-1'))).body.order;

    // a lone surrogate: malformed on Redis too, as the journal store's codec refuses it
    const cancels = [{ orderId: a.id }, { clientOrderId: 'r-2' }, { orderId: a.id }, { clientOrderId: 'r-1' }, { orderId: theirs.id }, { clientOrderId: 'r\ud800' }];
    const r = await api(url, 'POST', '/api/trading/v2/batch/cancel', mm, { cancels });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body.results, [
      { ok: true, order: { ...a, status: 'cancelled', cancelReason: 'user' } },
      { ok: true, order: { ...b, status: 'cancelled', cancelReason: 'user' } },
      { ok: false, error: { code: 'NOT_FOUND', message: 'no such open order' } },
      { ok: false, error: { code: 'NOT_FOUND', message: 'no open order with this clientOrderId' } },
      { ok: false, error: { code: 'NOT_FOUND', message: 'no such open order' } },
      { ok: false, error: { code: 'VALIDATION_ERROR', message: 'clientOrderId must be a non-empty string of well-formed text' } },
    ]);
    assert.deepEqual((await api(url, 'GET', '/api/trading/v2/balances', mm)).body, before, 'every lock released');
    assert.equal((await api(url, 'GET', `/api/trading/v2/orders/${theirs.id}`, other)).body.order.status, 'open');
  });
});
