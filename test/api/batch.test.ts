import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { call, fund, startServer, type Server } from './helpers.js';

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
