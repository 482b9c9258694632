/**
 * Hostile input: each request must get a clean 4xx with the catalogue shape, never a 5xx, and must not
 * change the state (engine state hash unchanged).
 */
import assert from 'node:assert/strict';
import { connect, type AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { makeRng } from '../support/prng.js';
import { call, fund, startServer, WsClient, type Reply, type Server } from './helpers.js';

const P = 'IDX-USDC';
const valid = { pair: P, side: 'buy', type: 'limit', price: '1', amount: '1' };
const CODES = ['UNAUTHORIZED', 'FORBIDDEN', 'NOT_FOUND', 'VALIDATION_ERROR', 'UNKNOWN_PAIR', 'INVALID_PRICE', 'INVALID_AMOUNT',
  'INSUFFICIENT_BALANCE', 'DUPLICATE_CLIENT_ORDER_ID', 'PAYLOAD_TOO_LARGE', 'RATE_LIMITED'];

function assertCleanRefusal(r: Reply, what: string): void {
  assert.ok(r.status >= 400 && r.status < 500, `${what}: status ${r.status} ${JSON.stringify(r.body)}`);
  assert.equal(typeof r.body, 'object', `${what}: JSON body`);
  assert.deepEqual(Object.keys(r.body), ['error'], what);
  assert.deepEqual(Object.keys(r.body.error).sort(), ['code', 'message'], what);
  assert.ok(CODES.includes(r.body.error.code), `${what}: code ${r.body.error.code}`);
  assert.ok(!/\bat .*\.(ts|js):\d+/.test(r.body.error.message), `${what}: no stack trace`);
}

function rawHttp(port: number, bytes: Buffer): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(bytes));
    let out = '';
    socket.on('data', (d) => (out += d.toString('latin1')));
    socket.on('close', () => resolve(out));
    socket.on('error', () => resolve(out));
  });
}

describe('hostile input', () => {
  let s: Server;
  let token: string;
  let admin: string;
  before(async () => {
    s = await startServer({ env: { HOOATS_BODY_LIMIT: '65536' } });
    await fund(s, 'h', { USDC: '10', IDX: '1' });
    token = await s.token('h');
    admin = await s.token('root', ['admin']);
  });
  after(() => s.close());

  it('refuses malformed, mistyped, polluting, off-grid and oversized requests without changing state', async () => {
    const hash = s.sequencer.engine.stateHash();
    const post = (body: unknown, path = '/api/trading/v2/orders', t = token) => call(s, 'POST', path, t, body);
    const bodies: Array<[string, unknown]> = [
      ['malformed JSON', '{"pair": "IDX-USDC", '],
      ['not an object', '[1,2,3]'],
      ['a string', '"hello"'],
      ['null', 'null'],
      ['empty object', {}],
      ['wrong types', { ...valid, side: 1, type: true }],
      ['postOnly as text', { ...valid, postOnly: 'true' }],
      ['slippage as text', { ...valid, maxSlippageBps: '5' }],
      ['extra field', { ...valid, leverage: 100 }],
      ['__proto__ key', `{"pair":"${P}","side":"buy","type":"limit","price":"1","amount":"1","__proto__":{"admin":true}}`],
      ['constructor key', `{"pair":"${P}","side":"buy","type":"limit","price":"1","amount":"1","constructor":{"prototype":{"x":1}}}`],
      ['nested __proto__', { orders: [JSON.parse(`{"pair":"${P}","__proto__":{"x":1}}`)] }],
      ['lone surrogate clientOrderId', `{"pair":"${P}","side":"buy","type":"limit","price":"1","amount":"1","clientOrderId":"\\ud800"}`],
      ['deep nesting', '['.repeat(5000) + ']'.repeat(5000)],
      ['huge clientOrderId', { ...valid, clientOrderId: 'x'.repeat(1000) }],
      ['oversized body', { ...valid, clientOrderId: 'y'.repeat(100_000) }],
    ];
    for (const bad of ['1e5', '-1', '0x10', '1.23456789', '', ' 1', '1 ', '+1', '.5', '5.', 'NaN', 'Infinity', '١', '1,5', '9'.repeat(40)]) {
      bodies.push([`price ${JSON.stringify(bad)}`, { ...valid, price: bad }]);
      bodies.push([`amount ${JSON.stringify(bad)}`, { ...valid, amount: bad }]);
    }
    for (const bad of [-1, 1e308, 12345678901234567890, 0.00000001, 1.5e-9]) {
      bodies.push([`price number ${bad}`, { ...valid, price: bad }]);
      bodies.push([`amount number ${bad}`, { ...valid, amount: bad }]);
    }
    for (const [what, body] of bodies) assertCleanRefusal(await post(body), what);
    assertCleanRefusal(await post({ orders: [{ ...valid, x: 1 }] }, '/api/trading/v2/batch'), 'batch extra');
    const cancelBodies: Array<[string, unknown]> = [
      ['cancels not an array', { cancels: { orderId: '1' } }],
      ['cancels null', { cancels: null }],
      ['cancel both ids', { cancels: [{ orderId: '1', clientOrderId: 'a' }] }],
      ['cancel no id', { cancels: [{}] }],
      ['cancel nested __proto__', { cancels: [JSON.parse('{"orderId":"1","__proto__":{"x":1}}')] }],
      ['cancel __proto__ key', '{"cancels":[{"orderId":"1"}],"__proto__":{"admin":true}}'],
      ['cancel orderId object', { cancels: [{ orderId: { $gt: 0 } }] }],
      ['cancel orderId array', { cancels: [{ orderId: ['1'] }] }],
      ['cancel orderId fraction', { cancels: [{ orderId: 1.5 }] }],
      ['cancel orderId too long', { cancels: [{ orderId: '9'.repeat(5000) }] }],
      ['cancel clientOrderId number', { cancels: [{ clientOrderId: 5 }] }],
      ['cancel batch over the body limit', { cancels: new Array(5000).fill({ clientOrderId: 'z'.repeat(64) }) }],
    ];
    for (const [what, body] of cancelBodies) assertCleanRefusal(await post(body, '/api/trading/v2/batch/cancel'), what);
    // well-formed but naming no order of the caller's: each entry NOT_FOUND (a clientOrderId the journal
    // cannot store: VALIDATION_ERROR), never a 5xx, nothing changed
    const strangeIds = [-1, 0, 1e20, '0', '00012', '-5', '1e5', '0x10', ' 1', '١', '\u0000', '99999999999999999999'];
    const strangeClientIds = ['__proto__', 'constructor', '\u0000', '🚀', '\ud800', 'x'.repeat(64)];
    const cancels = [...strangeIds.map((orderId) => ({ orderId })), ...strangeClientIds.map((clientOrderId) => ({ clientOrderId }))];
    const strange = await post({ cancels }, '/api/trading/v2/batch/cancel');
    assert.equal(strange.status, 200, JSON.stringify(strange.body));
    assert.equal(strange.body.results.length, cancels.length);
    for (const [i, r] of strange.body.results.entries()) {
      assert.equal(r.ok, false, JSON.stringify(cancels[i]));
      const unstorable = 'clientOrderId' in cancels[i] && cancels[i].clientOrderId === '\ud800';
      assert.equal(r.error.code, unstorable ? 'VALIDATION_ERROR' : 'NOT_FOUND', JSON.stringify(cancels[i]));
    }
    assertCleanRefusal(await post({ userId: 'h', asset: 'USDC', amount: '1e5' }, '/api/admin/deposits', admin), 'deposit 1e5');
    assertCleanRefusal(await post({ userId: 'h', asset: '__proto__', amount: '1' }, '/api/admin/deposits', admin), 'asset __proto__');
    assertCleanRefusal(await post({ userId: 'h', asset: 'USDC', amount: '1', x: 1 }, '/api/admin/deposits', admin), 'deposit extra');

    const raw = async (headers: Record<string, string>, body: BodyInit, method = 'POST', path = '/api/trading/v2/orders') => {
      const res = await fetch(s.url + path, { method, headers: { authorization: `Bearer ${token}`, ...headers }, body });
      const text = await res.text();
      return { status: res.status, body: JSON.parse(text), headers: res.headers } as Reply;
    };
    assertCleanRefusal(await raw({ 'content-type': 'text/plain' }, JSON.stringify(valid)), 'text/plain');
    assertCleanRefusal(await raw({}, JSON.stringify(valid)), 'no content type');
    assertCleanRefusal(await raw({ 'content-type': 'application/json' }, ''), 'empty JSON body');
    const rng = makeRng(7);
    const randomBytes = Buffer.from(Array.from({ length: 512 }, () => rng.int(256)));
    assertCleanRefusal(await raw({ 'content-type': 'application/json' }, randomBytes), 'random bytes body');
    for (const path of ['/api/trading/v2/orders/-1', '/api/trading/v2/orders/1e5', '/api/trading/v2/orders/99999999999999999999', '/api/trading/v2/orders/%00']) {
      assertCleanRefusal(await call(s, 'DELETE', path, token), `DELETE ${path}`);
    }
    // free text in the path: empty, too long (for the schema, for the router), undecodable, unknown
    const byClientId = ['', 'x'.repeat(65), 'x'.repeat(5000), '%', '%ED%A0%80', '%C0%AF', '..%2F..%2Fetc', '%00', '__proto__', 'constructor']
      .map((cid) => `/api/trading/v2/orders/client/${cid}`);
    for (const path of [...byClientId, '/api/trading/v2/orders?clientOrderId=', `/api/trading/v2/orders?clientOrderId=${'y'.repeat(65)}`]) {
      assertCleanRefusal(await call(s, 'DELETE', path, token), `DELETE ${path}`);
      assertCleanRefusal(await call(s, 'GET', path, token), `GET ${path}`);
    }
    assertCleanRefusal(await call(s, 'GET', `/api/orderbook/${'P'.repeat(200)}`), 'pair over the router\'s parameter length');
    for (const q of ['depth=-1', 'depth=abc', 'depth=1e9', 'foo=1', '__proto__=1', 'depth=1&depth=2']) {
      assertCleanRefusal(await call(s, 'GET', `/api/orderbook/${P}?${q}`), `query ${q}`);
    }
    assertCleanRefusal(await call(s, 'GET', '/api/trading/v2/orders?status=nope', token), 'status filter');
    assertCleanRefusal(await call(s, 'GET', '/api/trading/v2/balances', 'x'.repeat(20_000)), 'huge token');

    // bytes that are not HTTP at all get a 400 with the catalogue body
    const reply = await rawHttp((s.app.server.address() as AddressInfo).port, randomBytes);
    assert.match(reply, /^HTTP\/1\.1 400/);
    assert.match(reply, /"code":"VALIDATION_ERROR"/);

    assert.equal(s.sequencer.engine.stateHash(), hash, 'state unchanged');
  });

  it('never answers a 5xx to random mutations of a valid order', async () => {
    const seed = Number(process.env.TEST_SEED ?? Date.now() % 1_000_000);
    console.log(`hostile fuzz seed=${seed}`);
    const rng = makeRng(seed);
    const keys = ['pair', 'side', 'type', 'price', 'amount', 'quoteAmount', 'timeInForce', 'postOnly', 'clientOrderId', 'maxSlippageBps', 'selfTradePrevention', 'zzz'];
    const values = [null, true, false, 0, -1, 1.5, 1e21, '', '1', '0.01', '1e3', 'buy', 'market', 'IOC', [], {}, [1], { a: 1 }, 'x'.repeat(70), '\u0000', '🚀'];
    for (let i = 0; i < 300; i++) {
      const body: Record<string, unknown> = { ...valid };
      for (let k = rng.range(1, 3); k > 0; k--) body[rng.pick(keys)] = rng.pick(values);
      const r = await call(s, 'POST', '/api/trading/v2/orders', token, body);
      assert.ok(r.status < 500, `no 5xx for ${JSON.stringify(body)}: ${r.status} ${JSON.stringify(r.body)}`);
      if (r.status >= 400) assertCleanRefusal(r, JSON.stringify(body));
    }
  });

  it('answers hostile WebSocket messages with errors and keeps the connection usable', async () => {
    const hash = s.sequencer.engine.stateHash();
    const c = await WsClient.open(s.wsUrl);
    await c.request({ op: 'auth', reqId: 'a', token });
    const junk = ['{', '[]', 'null', '"x"', '{"op":"__proto__"}', '{"op":"order","reqId":1,"__proto__":{"x":1}}',
      '{"op":"order","reqId":2,"pair":"IDX-USDC","side":"buy","type":"limit","price":"1e5","amount":"1"}',
      '{"op":"cancel","reqId":3,"orderId":"-5"}', '{"op":"batch","reqId":4,"orders":"all"}',
      '{"op":"cancel","reqId":5,"orderId":"1","clientOrderId":"a"}', '{"op":"cancel","reqId":6}',
      '{"op":"cancel","reqId":7,"clientOrderId":"__proto__"}', '{"op":"cancel","reqId":8,"clientOrderId":["a"]}',
      '{"op":"cancelBatch","reqId":9,"cancels":"all"}', '{"op":"cancelBatch","reqId":10,"cancels":[{"orderId":"1","clientOrderId":"a"}]}',
      '{"op":"cancelBatch","reqId":11,"cancels":[{"orderId":"1","__proto__":{"x":1}}]}', '{"op":"cancelBatch","reqId":12,"cancels":[]}'];
    for (const text of junk) c.send(text);
    c.ws.send(Buffer.from([0xff, 0xfe, 0x00, 0x01]));
    const pong = await c.request({ op: 'ping', reqId: 'alive' });
    assert.equal(pong.type, 'pong');
    const errors = c.messages.filter((m) => m.type === 'error');
    assert.equal(errors.length, junk.length + 1);
    for (const e of errors) assert.ok(CODES.includes(e.error.code));
    assert.equal(s.sequencer.engine.stateHash(), hash);
    c.close();
  });
});
