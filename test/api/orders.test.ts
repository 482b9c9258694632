import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { call, fund, startServer, type Server } from './helpers.js';

const P = 'IDX-USDC';
const ORDER_FIELDS = [
  'id', 'clientOrderId', 'userId', 'pair', 'side', 'type', 'price', 'amount', 'filled', 'remaining', 'status',
  'cancelReason', 'timeInForce', 'postOnly', 'createdAt',
];

describe('orders over HTTP', () => {
  let s: Server;
  let alice: string;
  let bob: string;

  before(async () => {
    s = await startServer();
    alice = await s.token('alice');
    bob = await s.token('bob');
    await fund(s, 'alice', { USDC: '10000', IDX: '100' });
    await fund(s, 'bob', { USDC: '10000', IDX: '100' });
  });
  after(() => s.close());

  const place = (token: string, body: object) => call(s, 'POST', '/api/trading/v2/orders', token, body);

  it('places a resting limit order with decimal strings, string ids and the documented fields', async () => {
    const r = await place(alice, { pair: P, side: 'buy', type: 'limit', price: '10.5', amount: '2', clientOrderId: 'a-1' });
    assert.equal(r.status, 201);
    const o = r.body.order;
    for (const f of ORDER_FIELDS) assert.ok(f in o, `order has ${f}`);
    assert.match(o.id, /^\d+$/);
    assert.equal(o.price, '10.50');
    assert.equal(o.amount, '2.000');
    assert.equal(o.filled, '0.000');
    assert.equal(o.remaining, '2.000');
    assert.equal(o.status, 'open');
    assert.equal(o.cancelReason, null);
    assert.equal(o.clientOrderId, 'a-1');
    assert.equal(o.userId, 'alice');
    assert.deepEqual(r.body.fills, []);
    assert.equal(r.body.averagePrice, null);
    assert.deepEqual(r.body.route, { book: '0.000', amm: '0.000' });
    const bal = await call(s, 'GET', '/api/trading/v2/balances', alice);
    assert.deepEqual(bal.body.balances.USDC, { available: '9979.0000000', locked: '21.0000000' });
  });

  it('accepts JSON numbers and matches at the maker price with fees on what each side receives', async () => {
    const r = await place(bob, { pair: P, side: 'sell', type: 'limit', price: 10.4, amount: 0.5 });
    assert.equal(r.status, 201);
    assert.equal(r.body.order.status, 'filled');
    assert.equal(r.body.fills.length, 1);
    const f = r.body.fills[0];
    assert.equal(f.price, '10.50');
    assert.equal(f.amount, '0.500');
    assert.equal(f.venue, 'book');
    assert.equal(f.liquidity, 'taker');
    assert.equal(f.feeAsset, 'USDC');
    assert.equal(f.fee, '0.0105000'); // 20 bps of 5.25
    assert.equal(r.body.averagePrice, '10.50');
    assert.equal(r.body.route.book, '0.500');
    const mine = await call(s, 'GET', '/api/trading/v2/fills?pair=IDX-USDC', alice);
    assert.equal(mine.body.fills[0].liquidity, 'maker');
    assert.equal(mine.body.fills[0].feeAsset, 'IDX');
    assert.equal(mine.body.fills[0].side, 'buy');
  });

  it('shows partially_filled, then lists, gets and cancels the order', async () => {
    const list = await call(s, 'GET', `/api/trading/v2/orders?pair=${P}&status=open`, alice);
    assert.equal(list.status, 200);
    assert.equal(list.body.orders.length, 1);
    const o = list.body.orders[0];
    assert.equal(o.status, 'partially_filled');
    assert.equal(o.filled, '0.500');
    const one = await call(s, 'GET', `/api/trading/v2/orders/${o.id}`, alice);
    assert.equal(one.body.order.remaining, '1.500');
    const del = await call(s, 'DELETE', `/api/trading/v2/orders/${o.id}`, alice);
    assert.equal(del.status, 200);
    assert.equal(del.body.order.status, 'cancelled');
    assert.equal(del.body.order.cancelReason, 'user');
    // no longer open, still answered from recent history
    const again = await call(s, 'GET', `/api/trading/v2/orders/${o.id}`, alice);
    assert.equal(again.body.order.status, 'cancelled');
    const closed = await call(s, 'GET', `/api/trading/v2/orders?status=cancelled`, alice);
    assert.ok(closed.body.orders.some((x: any) => x.id === o.id));
    const gone = await call(s, 'DELETE', `/api/trading/v2/orders/${o.id}`, alice);
    assert.equal(gone.status, 404);
    assert.equal(gone.body.error.code, 'NOT_FOUND');
  });

  it('ends IOC, FOK, post-only and market orders with their documented outcomes (201)', async () => {
    await place(bob, { pair: P, side: 'sell', type: 'limit', price: '11', amount: '1' });
    const ioc = await place(alice, { pair: P, side: 'buy', type: 'limit', price: '11', amount: '3', timeInForce: 'IOC' });
    assert.equal(ioc.status, 201);
    assert.equal(ioc.body.order.status, 'cancelled');
    assert.equal(ioc.body.order.cancelReason, 'ioc_remainder');
    assert.equal(ioc.body.order.filled, '1.000');
    await place(bob, { pair: P, side: 'sell', type: 'limit', price: '12', amount: '1' });
    const fok = await place(alice, { pair: P, side: 'buy', type: 'limit', price: '12', amount: '5', timeInForce: 'FOK' });
    assert.equal(fok.body.order.cancelReason, 'fok_not_fillable');
    assert.equal(fok.body.order.filled, '0.000');
    const po = await place(alice, { pair: P, side: 'buy', type: 'limit', price: '12', amount: '1', postOnly: true });
    assert.equal(po.body.order.cancelReason, 'post_only_would_take');
    const mkt = await place(alice, { pair: P, side: 'buy', type: 'market', amount: '0.25' });
    assert.equal(mkt.body.order.status, 'filled');
    assert.equal(mkt.body.order.price, null);
    assert.equal(mkt.body.order.timeInForce, 'IOC');
    const quote = await place(alice, { pair: P, side: 'buy', type: 'market', quoteAmount: '1.2' });
    assert.equal(quote.status, 201);
    assert.equal(quote.body.order.quoteAmount, '1.2000000');
  });

  it('routes a market order to the AMM pool', async () => {
    await fund(s, 'carol', { USDC: '100' });
    const carol = await s.token('carol');
    const r = await place(carol, { pair: 'HYPERINDEX-USDC', side: 'buy', type: 'market', amount: '10' });
    assert.equal(r.status, 201);
    assert.equal(r.body.route.amm, '10.000');
    assert.equal(r.body.fills[0].venue, 'amm');
    assert.match(r.body.averagePrice, /^1\.00\d{5}$/);
    const book = await call(s, 'GET', '/api/orderbook/HYPERINDEX-USDC');
    assert.equal(book.body.amm.baseReserve, '999990.000');
    const ticker = await call(s, 'GET', '/api/trading/v2/market/HYPERINDEX-USDC');
    assert.equal(ticker.body.volume24h, '10.000');
    assert.match(ticker.body.ammPrice, /^1\.0000\d+$/);
  });

  it('refuses values off the grid instead of rounding them, and other bad orders with catalogue codes', async () => {
    const cases: Array<[object, number, string]> = [
      [{ pair: P, side: 'buy', type: 'limit', price: '10.001', amount: '1' }, 400, 'INVALID_PRICE'],
      [{ pair: P, side: 'buy', type: 'limit', price: '10', amount: '1.0001' }, 400, 'INVALID_AMOUNT'],
      [{ pair: P, side: 'buy', type: 'limit', price: '-1', amount: '1' }, 400, 'INVALID_PRICE'],
      [{ pair: P, side: 'buy', type: 'limit', price: '0', amount: '1' }, 400, 'INVALID_PRICE'],
      [{ pair: P, side: 'buy', type: 'limit', amount: '1' }, 400, 'INVALID_PRICE'],
      [{ pair: 'NOPE-USDC', side: 'buy', type: 'limit', price: '1', amount: '1' }, 400, 'UNKNOWN_PAIR'],
      [{ pair: P, side: 'buy', type: 'market', price: '1', amount: '1' }, 400, 'VALIDATION_ERROR'],
      [{ pair: P, side: 'sell', type: 'market', quoteAmount: '1' }, 400, 'VALIDATION_ERROR'],
      [{ pair: P, side: 'buy', type: 'limit', price: '1', amount: '1', extra: 1 }, 400, 'VALIDATION_ERROR'],
      [{ pair: P, side: 'buy', type: 'limit', price: '1000', amount: '100' }, 422, 'INSUFFICIENT_BALANCE'],
    ];
    for (const [body, status, code] of cases) {
      const r = await place(alice, body);
      assert.equal(r.status, status, JSON.stringify(body));
      assert.equal(r.body.error.code, code, JSON.stringify(body));
      assert.equal(typeof r.body.error.message, 'string');
    }
  });

  it('answers 409 for a clientOrderId still in use, and accepts it again once the order is gone', async () => {
    const first = await place(alice, { pair: P, side: 'buy', type: 'limit', price: '1', amount: '1', clientOrderId: 'dup' });
    assert.equal(first.status, 201);
    const second = await place(alice, { pair: P, side: 'buy', type: 'limit', price: '1', amount: '1', clientOrderId: 'dup' });
    assert.equal(second.status, 409);
    assert.equal(second.body.error.code, 'DUPLICATE_CLIENT_ORDER_ID');
    // another user may use the same id
    const other = await place(bob, { pair: P, side: 'buy', type: 'limit', price: '1', amount: '1', clientOrderId: 'dup' });
    assert.equal(other.status, 201);
    await call(s, 'DELETE', `/api/trading/v2/orders/${first.body.order.id}`, alice);
    const third = await place(alice, { pair: P, side: 'buy', type: 'limit', price: '1', amount: '1', clientOrderId: 'dup' });
    assert.equal(third.status, 201);
  });

  it('cancels all of a user\'s orders in a market, and nobody else\'s', async () => {
    await place(alice, { pair: P, side: 'buy', type: 'limit', price: '2', amount: '1' });
    const r = await call(s, 'DELETE', `/api/trading/v2/orders?pair=${P}`, alice);
    assert.equal(r.status, 200);
    assert.ok(r.body.cancelled.length >= 2);
    for (const id of r.body.cancelled) assert.match(id, /^\d+$/);
    const open = await call(s, 'GET', `/api/trading/v2/orders?status=open`, alice);
    assert.equal(open.body.orders.length, 0);
    const bobs = await call(s, 'GET', `/api/trading/v2/orders?status=open`, bob);
    assert.ok(bobs.body.orders.length >= 1);
    const unknown = await call(s, 'DELETE', `/api/trading/v2/orders?pair=NOPE-X`, alice);
    assert.equal(unknown.body.error.code, 'UNKNOWN_PAIR');
  });

  it('serves public market data: markets, order book, ticker, trades', async () => {
    const markets = await call(s, 'GET', '/api/trading/v2/markets');
    const idx = markets.body.markets.find((m: any) => m.pair === P);
    assert.deepEqual(
      { tickSize: idx.tickSize, lotSize: idx.lotSize, makerFeeBps: idx.makerFeeBps, takerFeeBps: idx.takerFeeBps, amm: idx.amm },
      { tickSize: '0.01', lotSize: '0.001', makerFeeBps: 10, takerFeeBps: 20, amm: null },
    );
    const book = await call(s, 'GET', `/api/orderbook/${P}?depth=1`);
    assert.equal(book.status, 200);
    assert.ok(book.body.sequence > 0);
    assert.ok(book.body.bids.length <= 1 && book.body.asks.length <= 1);
    assert.equal(book.body.amm, null);
    const trades = await call(s, 'GET', `/api/trading/v2/trades/${P}?limit=2`);
    assert.equal(trades.body.trades.length, 2);
    assert.ok(Number(trades.body.trades[0].id) > Number(trades.body.trades[1].id), 'newest first');
    const t = trades.body.trades[0];
    assert.deepEqual(Object.keys(t).sort(), ['amount', 'id', 'price', 'quoteAmount', 'takerSide', 'time', 'venue']);
    const ticker = await call(s, 'GET', `/api/trading/v2/market/${P}`);
    for (const k of ['pair', 'last', 'bestBid', 'bestAsk', 'ammPrice', 'volume24h', 'high24h', 'low24h']) assert.ok(k in ticker.body, k);
    assert.equal(ticker.body.high24h, '12.00');
    for (const path of [`/api/orderbook/X-Y`, `/api/trading/v2/market/X-Y`, `/api/trading/v2/trades/X-Y`]) {
      const r = await call(s, 'GET', path);
      assert.equal(r.status, 400);
      assert.equal(r.body.error.code, 'UNKNOWN_PAIR');
    }
    const bad = await call(s, 'GET', `/api/orderbook/${P}?depth=0`);
    assert.equal(bad.body.error.code, 'VALIDATION_ERROR');
  });

  it('keeps users apart: someone else\'s order is 404 to read and to cancel', async () => {
    const r = await place(bob, { pair: P, side: 'buy', type: 'limit', price: '3', amount: '1' });
    const id = r.body.order.id;
    assert.equal((await call(s, 'GET', `/api/trading/v2/orders/${id}`, alice)).status, 404);
    assert.equal((await call(s, 'DELETE', `/api/trading/v2/orders/${id}`, alice)).status, 404);
    const aliceList = await call(s, 'GET', '/api/trading/v2/orders', alice);
    assert.ok(aliceList.body.orders.every((o: any) => o.userId === 'alice'));
    const aliceFills = await call(s, 'GET', '/api/trading/v2/fills', alice);
    assert.ok(aliceFills.body.fills.length > 0);
    assert.equal((await call(s, 'GET', `/api/trading/v2/orders/${id}`, bob)).body.order.status, 'open');
    assert.equal((await call(s, 'GET', `/api/trading/v2/orders/999999`, bob)).status, 404);
    assert.equal((await call(s, 'GET', `/api/trading/v2/orders/abc`, bob)).body.error.code, 'VALIDATION_ERROR');
  });
});

describe('orders by clientOrderId over HTTP', () => {
  let s: Server;
  let alice: string;
  let bob: string;
  const ORDERS = '/api/trading/v2/orders';
  const byCid = (cid: string) => `${ORDERS}/client/${encodeURIComponent(cid)}`;

  before(async () => {
    s = await startServer();
    alice = await s.token('alice');
    bob = await s.token('bob');
    await fund(s, 'alice', { USDC: '10000', IDX: '100' });
    await fund(s, 'bob', { USDC: '10000', IDX: '100' });
  });
  after(() => s.close());

  const place = (token: string, body: object) => call(s, 'POST', ORDERS, token, { pair: P, side: 'buy', type: 'limit', ...body });
  const usdc = async (token: string) => (await call(s, 'GET', '/api/trading/v2/balances', token)).body.balances.USDC;

  it('finds and cancels an order by the clientOrderId alone, releasing its lock; someone else\'s is 404', async () => {
    const before = await usdc(alice);
    const placed = await place(alice, { price: '2', amount: '3', clientOrderId: 'lost-1' });
    assert.equal(placed.status, 201);
    assert.deepEqual(await usdc(alice), { available: '9994.0000000', locked: '6.0000000' });

    const found = await call(s, 'GET', byCid('lost-1'), alice);
    assert.equal(found.status, 200);
    assert.deepEqual(found.body, { order: placed.body.order });
    const listed = await call(s, 'GET', `${ORDERS}?clientOrderId=lost-1`, alice);
    assert.deepEqual(listed.body, { orders: [placed.body.order], nextCursor: null });

    // the same clientOrderId of another user names another order (here: none)
    for (const method of ['GET', 'DELETE']) {
      const other = await call(s, method, byCid('lost-1'), bob);
      assert.equal(other.status, 404, method);
      assert.equal(other.body.error.code, 'NOT_FOUND');
    }
    assert.deepEqual((await call(s, 'GET', `${ORDERS}?clientOrderId=lost-1`, bob)).body.orders, []);

    const seq = s.sequencer.lastSeq;
    const cancelled = await call(s, 'DELETE', byCid('lost-1'), alice);
    assert.equal(cancelled.status, 200);
    assert.deepEqual(cancelled.body, { order: { ...placed.body.order, status: 'cancelled', cancelReason: 'user' } });
    assert.equal(s.sequencer.lastSeq, seq + 1, 'one journaled command');
    assert.ok(s.sequencer.durableSeq >= seq + 1, 'durable before the answer');
    assert.deepEqual(await usdc(alice), before, 'the lock is released');

    // closed: the history answers, by clientOrderId and by id alike
    const afterCancel = await call(s, 'GET', byCid('lost-1'), alice);
    assert.deepEqual(afterCancel.body, cancelled.body);
    assert.deepEqual((await call(s, 'GET', `${ORDERS}/${placed.body.order.id}`, alice)).body, cancelled.body);
    const again = await call(s, 'DELETE', byCid('lost-1'), alice);
    assert.equal(again.status, 404);
    assert.deepEqual(again.body.error, { code: 'NOT_FOUND', message: 'no open order with this clientOrderId' });
    const unknown = await call(s, 'GET', byCid('never-used'), alice);
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.error.code, 'NOT_FOUND');
    assert.equal((await call(s, 'DELETE', byCid('never-used'), alice)).status, 404);
  });

  it('after reuse: the open order wins, then the newest closed one; the listing filter shows them all', async () => {
    const first = await place(alice, { price: '1', amount: '1', clientOrderId: 'again' });
    await call(s, 'DELETE', byCid('again'), alice);
    const second = await place(alice, { price: '1.5', amount: '1', clientOrderId: 'again' });
    assert.equal(second.status, 201, 'free again once the first closed');
    assert.equal((await call(s, 'GET', byCid('again'), alice)).body.order.id, second.body.order.id, 'the open one, not the closed');
    const conflict = await place(alice, { price: '1', amount: '1', clientOrderId: 'again' });
    assert.equal(conflict.status, 409);

    // closed on arrival: an IOC with nothing to take
    const third = await place(alice, { price: '0.5', amount: '1', timeInForce: 'IOC', clientOrderId: 'again' });
    assert.equal(third.status, 409, 'still in use by the open one');
    await call(s, 'DELETE', `${ORDERS}/${second.body.order.id}`, alice);
    const ioc = await place(alice, { price: '0.5', amount: '1', timeInForce: 'IOC', clientOrderId: 'again' });
    assert.equal(ioc.body.order.cancelReason, 'ioc_remainder');
    const newest = await call(s, 'GET', byCid('again'), alice);
    assert.deepEqual(newest.body, { order: ioc.body.order }, 'the newest closed one');

    const all = await call(s, 'GET', `${ORDERS}?clientOrderId=again`, alice);
    assert.deepEqual(all.body.orders.map((o: any) => o.id), [ioc.body.order.id, second.body.order.id, first.body.order.id]);
    const page = await call(s, 'GET', `${ORDERS}?clientOrderId=again&status=cancelled&limit=2`, alice);
    assert.deepEqual(page.body.orders.map((o: any) => o.id), [ioc.body.order.id, second.body.order.id]);
    const rest = await call(s, 'GET', `${ORDERS}?clientOrderId=again&status=cancelled&limit=2&cursor=${page.body.nextCursor}`, alice);
    assert.deepEqual(rest.body, { orders: [{ ...first.body.order, status: 'cancelled', cancelReason: 'user' }], nextCursor: null });
    assert.deepEqual((await call(s, 'GET', `${ORDERS}?clientOrderId=again&status=open`, alice)).body.orders, []);

    const open = await place(alice, { price: '1', amount: '1', clientOrderId: 'again' });
    const mixed = await call(s, 'GET', `${ORDERS}?clientOrderId=again&limit=2`, alice);
    assert.deepEqual(mixed.body.orders.map((o: any) => o.id), [open.body.order.id, ioc.body.order.id], 'open and closed merged by id');
    assert.deepEqual((await call(s, 'GET', `${ORDERS}?clientOrderId=again&status=open`, alice)).body.orders, [open.body.order]);
  });

  it('takes any clientOrderId URL-encoded in the path, and /orders/client/... never reaches /orders/:id', async () => {
    const ids = ['my id', 'a/b', 'ünï€😀', '100%', 'q?x#y&z=1', "it's \"quoted\"", '+plus', 'client', '42', 'x'.repeat(64)];
    for (const cid of ids) {
      const placed = await place(alice, { price: '1', amount: '0.1', clientOrderId: cid });
      assert.equal(placed.status, 201, cid);
      const found = await call(s, 'GET', byCid(cid), alice);
      assert.equal(found.status, 200, `GET ${cid}: ${JSON.stringify(found.body)}`);
      assert.equal(found.body.order.id, placed.body.order.id, cid);
      const listed = await call(s, 'GET', `${ORDERS}?clientOrderId=${encodeURIComponent(cid)}&status=open`, alice);
      assert.deepEqual(listed.body.orders.map((o: any) => o.id), [placed.body.order.id], cid);
      const cancelled = await call(s, 'DELETE', byCid(cid), alice);
      assert.equal(cancelled.status, 200, cid);
      assert.equal(cancelled.body.order.clientOrderId, cid);
      assert.equal(cancelled.body.order.status, 'cancelled');
    }
    // %20 as a client would write it by hand
    const spaced = await place(alice, { price: '1', amount: '0.1', clientOrderId: 'my id' });
    assert.equal((await call(s, 'GET', `${ORDERS}/client/my%20id`, alice)).body.order.id, spaced.body.order.id);
    // a clientOrderId that looks like another order's id: each path means what it says
    const numeric = await place(alice, { price: '1', amount: '0.1', clientOrderId: spaced.body.order.id });
    assert.equal((await call(s, 'GET', `${ORDERS}/client/${spaced.body.order.id}`, alice)).body.order.id, numeric.body.order.id);
    assert.equal((await call(s, 'GET', `${ORDERS}/${spaced.body.order.id}`, alice)).body.order.id, spaced.body.order.id);
    // without a further segment "client" is an order id, and not a valid one
    const bare = await call(s, 'GET', `${ORDERS}/client`, alice);
    assert.equal(bare.status, 400);
    assert.match(bare.body.error.message, /params\/id/);

    const doc = (await call(s, 'GET', '/api/docs/openapi.json')).body;
    const path = doc.paths['/api/trading/v2/orders/client/{clientOrderId}'];
    assert.deepEqual(Object.keys(path).sort(), ['delete', 'get']);
    assert.deepEqual(path.get.parameters[0].schema.maxLength, 64);
    assert.ok(doc.paths['/api/trading/v2/orders/{id}'].get, 'the order-id route is still documented');
    assert.ok(doc.paths['/api/trading/v2/orders'].get.parameters.some((p: any) => p.name === 'clientOrderId'));
  });

  it('refuses an empty, too long or undecodable clientOrderId with 400 and changes nothing', async () => {
    await place(alice, { price: '1', amount: '1', clientOrderId: 'x'.repeat(64) });
    const hash = s.sequencer.engine.stateHash();
    const lastSeq = s.sequencer.lastSeq;
    const bad = [`${ORDERS}/client/`, byCid('x'.repeat(65)), byCid('x'.repeat(500)), byCid('é'.repeat(65)), `${ORDERS}/client/%`,
      `${ORDERS}/client/%E0%A4%A`, `${ORDERS}/client/%ED%A0%80`];
    for (const path of bad) {
      for (const method of ['GET', 'DELETE']) {
        const r = await call(s, method, path, alice);
        assert.equal(r.status, 400, `${method} ${path}: ${JSON.stringify(r.body)}`);
        assert.deepEqual(Object.keys(r.body.error).sort(), ['code', 'message']);
        assert.equal(r.body.error.code, 'VALIDATION_ERROR');
      }
    }
    for (const q of ['clientOrderId=', `clientOrderId=${'x'.repeat(65)}`]) {
      const r = await call(s, 'GET', `${ORDERS}?${q}`, alice);
      assert.equal(r.status, 400, q);
      assert.equal(r.body.error.code, 'VALIDATION_ERROR');
    }
    // a path segment cannot hold an unencoded slash
    assert.equal((await call(s, 'DELETE', `${ORDERS}/client/x/y`, alice)).status, 404);
    assert.equal((await call(s, 'DELETE', byCid('x'.repeat(63)), alice)).status, 404, 'a prefix is not a match');
    assert.equal((await call(s, 'DELETE', byCid('x'.repeat(64)), null)).status, 401);
    assert.equal((await call(s, 'DELETE', byCid('x'.repeat(64)), await s.token('alice', ['admin']))).status, 403);
    assert.equal(s.sequencer.engine.stateHash(), hash, 'state unchanged');
    assert.equal(s.sequencer.lastSeq, lastSeq, 'nothing journaled');
    assert.equal((await call(s, 'GET', byCid('x'.repeat(64)), alice)).body.order.status, 'open');
  });
});
