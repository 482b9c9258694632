import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { call, fund, startServer, WsClient, type Server } from './helpers.js';

const P = 'IDX-USDC';

describe('WebSocket order entry and channels', () => {
  let s: Server;
  before(async () => {
    s = await startServer();
    await fund(s, 'wsa', { USDC: '1000', IDX: '10' });
    await fund(s, 'wsb', { USDC: '1000', IDX: '10' });
  });
  after(() => s.close());

  it('refuses trading before auth and with a bad token; answers malformed messages with errors', async () => {
    const c = await WsClient.open(s.wsUrl);
    const early = await c.request({ op: 'order', reqId: 'e1', pair: P, side: 'buy', type: 'limit', price: '1', amount: '1' });
    assert.equal(early.type, 'error');
    assert.equal(early.error.code, 'UNAUTHORIZED');
    const bad = await c.request({ op: 'auth', reqId: 'a0', token: 'x.y.z' });
    assert.equal(bad.error.code, 'UNAUTHORIZED');
    c.send('not json');
    const parseErr = await c.next((m) => m.type === 'error' && m.reqId === null);
    assert.equal(parseErr.error.code, 'VALIDATION_ERROR');
    const unknownOp = await c.request({ op: 'fly', reqId: 9 });
    assert.equal(unknownOp.error.code, 'VALIDATION_ERROR');
    assert.equal(unknownOp.error.message, 'op must be auth, subscribe, unsubscribe, order, cancel, batch, cancelBatch or ping');
    const extra = await c.request({ op: 'ping', reqId: 'p', __proto__x: 1 });
    assert.equal(extra.error.code, 'VALIDATION_ERROR');
    const ordersNoAuth = await c.request({ op: 'subscribe', reqId: 's', channels: ['orders'] });
    assert.equal(ordersNoAuth.error.code, 'UNAUTHORIZED');
    const unknownChannel = await c.request({ op: 'subscribe', reqId: 's2', channels: ['book:NOPE-X'] });
    assert.equal(unknownChannel.error.code, 'VALIDATION_ERROR');
    c.close();
  });

  it('places, cancels and batches orders with reqId, results only after they are durable', async () => {
    const c = await WsClient.open(s.wsUrl);
    // auth and the first order back to back: the order waits for the token check
    c.send({ op: 'auth', reqId: 'a', token: await s.token('wsa') });
    const placed = await c.request({ op: 'order', reqId: 'o1', pair: P, side: 'buy', type: 'limit', price: '2', amount: '1' });
    assert.equal(placed.type, 'result');
    assert.equal(placed.order.status, 'open');
    assert.equal(placed.order.price, '2.00');
    assert.ok(s.sequencer.durableSeq >= s.sequencer.lastSeq - 0);
    const bad = await c.request({ op: 'order', reqId: 'o2', pair: P, side: 'buy', type: 'limit', price: '2.001', amount: '1' });
    assert.deepEqual([bad.type, bad.error.code], ['error', 'INVALID_PRICE']);
    const cancelled = await c.request({ op: 'cancel', reqId: 'c1', orderId: placed.order.id });
    assert.equal(cancelled.type, 'result');
    assert.equal(cancelled.order.status, 'cancelled');
    const notMine = await c.request({ op: 'cancel', reqId: 'c2', orderId: '123456' });
    assert.equal(notMine.error.code, 'NOT_FOUND');
    const batch = await c.request({
      op: 'batch',
      reqId: 77,
      orders: [
        { pair: P, side: 'buy', type: 'limit', price: '1', amount: '1' },
        { pair: P, side: 'buy', type: 'limit', price: '1', amount: '100000' },
      ],
    });
    assert.equal(batch.type, 'result');
    assert.equal(batch.reqId, 77);
    assert.deepEqual(batch.results.map((r: any) => r.ok), [true, false]);
    assert.equal(batch.results[1].error.code, 'INSUFFICIENT_BALANCE');
    const readOnly = await WsClient.open(s.wsUrl);
    await readOnly.request({ op: 'auth', reqId: 'a', token: await s.token('wsa', ['admin']) });
    const forbidden = await readOnly.request({ op: 'order', reqId: 'f', pair: P, side: 'buy', type: 'limit', price: '1', amount: '1' });
    assert.equal(forbidden.error.code, 'FORBIDDEN');
    readOnly.close();
    c.close();
  });

  it('cancels by clientOrderId instead of orderId (exactly one of the two), like a cancel by id', async () => {
    const c = await WsClient.open(s.wsUrl);
    const early = await c.request({ op: 'cancel', reqId: 'e', clientOrderId: 'ws-1' });
    assert.equal(early.error.code, 'UNAUTHORIZED');
    await c.request({ op: 'auth', reqId: 'a', token: await s.token('wsa') });
    const placed = await c.request({ op: 'order', reqId: 'o', pair: P, side: 'buy', type: 'limit', price: '2', amount: '1', clientOrderId: 'ws-1' });
    assert.equal(placed.order.status, 'open');
    const hash = s.sequencer.engine.stateHash();
    const refused: Array<[Record<string, unknown>, string, RegExp]> = [
      [{ orderId: placed.order.id, clientOrderId: 'ws-1' }, 'VALIDATION_ERROR', /exactly one of orderId and clientOrderId/],
      [{}, 'VALIDATION_ERROR', /exactly one of orderId and clientOrderId/],
      [{ clientOrderId: '' }, 'VALIDATION_ERROR', /clientOrderId/],
      [{ clientOrderId: 'x'.repeat(65) }, 'VALIDATION_ERROR', /clientOrderId/],
      [{ clientOrderId: 5 }, 'VALIDATION_ERROR', /clientOrderId/],
      [{ clientOrderId: 'ws-2' }, 'NOT_FOUND', /no open order with this clientOrderId/],
    ];
    for (const [i, [fields, code, message]] of refused.entries()) {
      const r = await c.request({ op: 'cancel', reqId: `bad-${i}`, ...fields });
      assert.equal(r.type, 'error', JSON.stringify(fields));
      assert.equal(r.error.code, code, JSON.stringify(fields));
      assert.match(r.error.message, message, JSON.stringify(fields));
    }
    // another user's clientOrderId names none of theirs
    const other = await WsClient.open(s.wsUrl);
    await other.request({ op: 'auth', reqId: 'a', token: await s.token('wsb') });
    assert.equal((await other.request({ op: 'cancel', reqId: 'x', clientOrderId: 'ws-1' })).error.code, 'NOT_FOUND');
    other.close();
    assert.equal(s.sequencer.engine.stateHash(), hash, 'nothing changed');

    const cancelled = await c.request({ op: 'cancel', reqId: 'c', clientOrderId: 'ws-1' });
    assert.equal(cancelled.type, 'result');
    assert.deepEqual(cancelled.order, { ...placed.order, status: 'cancelled', cancelReason: 'user' });
    const byHttp = await call(s, 'GET', '/api/trading/v2/orders/client/ws-1', await s.token('wsa'));
    assert.deepEqual(byHttp.body.order, cancelled.order);
    const twice = await c.request({ op: 'cancel', reqId: 'c2', clientOrderId: 'ws-1' });
    assert.equal(twice.error.code, 'NOT_FOUND');
    c.close();
  });

  it('cancels a batch by orderId and clientOrderId in order, as the HTTP batch cancel does', async () => {
    await fund(s, 'wsc', { USDC: '100' });
    const c = await WsClient.open(s.wsUrl);
    const early = await c.request({ op: 'cancelBatch', reqId: 'e', cancels: [{ orderId: '1' }] });
    assert.equal(early.error.code, 'UNAUTHORIZED');
    await c.request({ op: 'auth', reqId: 'a', token: await s.token('wsc') });
    const before = (await call(s, 'GET', '/api/trading/v2/balances', await s.token('wsc'))).body;
    const placed = await c.request({
      op: 'batch',
      reqId: 'p',
      orders: [
        { pair: P, side: 'buy', type: 'limit', price: '2', amount: '1', clientOrderId: 'wb-1' },
        { pair: P, side: 'buy', type: 'limit', price: '3', amount: '1', clientOrderId: 'wb-2' },
      ],
    });
    const [x, y] = placed.results.map((r: any) => r.order);
    // someone else's open order: not the caller's to cancel
    const other = await WsClient.open(s.wsUrl);
    await other.request({ op: 'auth', reqId: 'a', token: await s.token('wsb') });
    const theirs = (await other.request({ op: 'order', reqId: 'o', pair: P, side: 'buy', type: 'limit', price: '1', amount: '1', clientOrderId: 'wb-1' })).order;

    const hash = s.sequencer.engine.stateHash();
    for (const [i, cancels] of [[{ orderId: x.id, clientOrderId: 'wb-1' }], [{}], [], 'all', [{ orderId: x.id, pair: P }]].entries()) {
      const r = await c.request({ op: 'cancelBatch', reqId: `bad-${i}`, cancels });
      assert.deepEqual([r.type, r.error.code], ['error', 'VALIDATION_ERROR'], JSON.stringify(cancels));
    }
    const both = await c.request({ op: 'cancelBatch', reqId: 'both', cancels: [{ orderId: x.id }, { orderId: y.id, clientOrderId: 'wb-2' }] });
    assert.equal(both.error.message, 'cancels/1 takes exactly one of orderId and clientOrderId');
    assert.equal(s.sequencer.engine.stateHash(), hash, 'a malformed batch cancels nothing');

    const flushesBefore = s.sequencer.journalStats.flushes;
    const cancels = [{ clientOrderId: 'wb-2' }, { orderId: Number(x.id) }, { orderId: x.id }, { orderId: theirs.id }, { orderId: '-5' }];
    const r = await c.request({ op: 'cancelBatch', reqId: 42, cancels });
    assert.equal(s.sequencer.journalStats.flushes - flushesBefore, 1, 'one group commit, confirmed before the answer');
    assert.equal(r.type, 'result');
    assert.equal(r.reqId, 42);
    assert.deepEqual(r.results, [
      { ok: true, order: { ...y, status: 'cancelled', cancelReason: 'user' } },
      { ok: true, order: { ...x, status: 'cancelled', cancelReason: 'user' } },
      { ok: false, error: { code: 'NOT_FOUND', message: 'no such open order' } },
      { ok: false, error: { code: 'NOT_FOUND', message: 'no such open order' } },
      { ok: false, error: { code: 'NOT_FOUND', message: 'no such open order' } },
    ]);
    assert.deepEqual((await call(s, 'GET', '/api/trading/v2/balances', await s.token('wsc'))).body, before, 'every lock released');
    const stillOpen = await other.request({ op: 'cancel', reqId: 'c', clientOrderId: 'wb-1' });
    assert.equal(stillOpen.order.id, theirs.id, 'the other user\'s order was left alone');
    other.close();
    c.close();
  });

  it('streams trades to trades:PAIR and each user\'s own order updates to orders', async () => {
    const a = await WsClient.open(s.wsUrl);
    const b = await WsClient.open(s.wsUrl);
    const watcher = await WsClient.open(s.wsUrl);
    await a.request({ op: 'auth', reqId: 'a', token: await s.token('wsa') });
    await b.request({ op: 'auth', reqId: 'a', token: await s.token('wsb') });
    const sub = await a.request({ op: 'subscribe', reqId: 's', channels: ['orders'] });
    assert.deepEqual(sub.channels, ['orders']);
    await b.request({ op: 'subscribe', reqId: 's', channels: ['orders'] });
    await watcher.request({ op: 'subscribe', reqId: 's', channels: [`trades:${P}`] });
    const maker = await a.request({ op: 'order', reqId: 'm', pair: P, side: 'sell', type: 'limit', price: '3', amount: '0.5' });
    await b.request({ op: 'order', reqId: 't', pair: P, side: 'buy', type: 'limit', price: '3', amount: '0.5' });
    const trade = await watcher.next((m) => m.type === 'trade');
    assert.deepEqual(
      { pair: trade.pair, price: trade.price, amount: trade.amount, takerSide: trade.takerSide, venue: trade.venue },
      { pair: P, price: '3.00', amount: '0.500', takerSide: 'buy', venue: 'book' },
    );
    const filled = await a.next((m) => m.type === 'order' && m.order.id === maker.order.id && m.order.status === 'filled');
    assert.equal(filled.order.userId, 'wsa');
    // nobody sees another user's orders
    assert.ok(a.messages.filter((m) => m.type === 'order').every((m) => m.order.userId === 'wsa'));
    assert.ok(b.messages.filter((m) => m.type === 'order').every((m) => m.order.userId === 'wsb'));
    const unsub = await a.request({ op: 'unsubscribe', reqId: 'u', channels: ['orders'] });
    assert.equal(unsub.type, 'unsubscribed');
    const trades = await call(s, 'GET', `/api/trading/v2/trades/${P}`);
    assert.equal(trades.body.trades[0].id, trade.id);
    for (const c of [a, b, watcher]) c.close();
  });

  it('refuses an upgrade on another path', async () => {
    await assert.rejects(WsClient.open(s.url.replace(/^http/, 'ws') + '/other'));
  });
});
