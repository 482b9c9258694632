/** POST /api/admin/pools/:pair/liquidity: operators add to or take from a market's AMM pool. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { call, startServer, type Server } from './helpers.js';

describe('pool liquidity (admin)', () => {
  let server: Server;
  let admin: string;
  const path = '/api/admin/pools/HYPERINDEX-USDC/liquidity';
  before(async () => {
    server = await startServer();
    admin = await server.token('ops', ['admin']);
  });
  after(() => server.close());

  it('adds and removes reserves, shown by the order book', async () => {
    const added = await call(server, 'POST', path, admin, { action: 'add', baseAmount: '1000', quoteAmount: '1000' });
    assert.equal(added.status, 200, JSON.stringify(added.body));
    assert.deepEqual(added.body, {
      pair: 'HYPERINDEX-USDC',
      amm: { baseReserve: '1001000.000', quoteReserve: '1001000.0000000', price: '1.0000000' },
    });
    const removed = await call(server, 'POST', path, admin, { action: 'remove', baseAmount: '2000', quoteAmount: '0' });
    assert.equal(removed.status, 200);
    assert.equal(removed.body.amm.baseReserve, '999000.000');
    const book = await call(server, 'GET', '/api/orderbook/HYPERINDEX-USDC');
    assert.deepEqual(book.body.amm, removed.body.amm);
  });

  it('refuses bad input and changes nothing', async () => {
    const before = (await call(server, 'GET', '/api/orderbook/HYPERINDEX-USDC')).body.amm;
    const trader = await server.token('t1', ['trade']);
    const cases: Array<[string | null, string, unknown, number, string]> = [
      [trader, path, { action: 'add', baseAmount: '1', quoteAmount: '1' }, 403, 'FORBIDDEN'],
      [null, path, { action: 'add', baseAmount: '1', quoteAmount: '1' }, 401, 'UNAUTHORIZED'],
      [admin, path, { action: 'mint', baseAmount: '1', quoteAmount: '1' }, 400, 'VALIDATION_ERROR'],
      [admin, path, { action: 'add', baseAmount: '0.0001', quoteAmount: '1' }, 400, 'INVALID_AMOUNT'],
      [admin, path, { action: 'add', baseAmount: '0', quoteAmount: '0' }, 400, 'INVALID_AMOUNT'],
      [admin, path, { action: 'remove', baseAmount: '999999999', quoteAmount: '0' }, 422, 'INSUFFICIENT_BALANCE'],
      [admin, '/api/admin/pools/IDX-USDC/liquidity', { action: 'add', baseAmount: '1', quoteAmount: '1' }, 400, 'VALIDATION_ERROR'],
      [admin, '/api/admin/pools/NOPE-USDC/liquidity', { action: 'add', baseAmount: '1', quoteAmount: '1' }, 400, 'UNKNOWN_PAIR'],
    ];
    for (const [token, url, body, status, code] of cases) {
      const r = await call(server, 'POST', url, token, body);
      assert.equal(r.status, status, `${url} ${JSON.stringify(body)}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.error.code, code);
    }
    assert.deepEqual((await call(server, 'GET', '/api/orderbook/HYPERINDEX-USDC')).body.amm, before);
  });

  it('never lets a token trade as the fees account', async () => {
    const feesToken = await server.token('fees', ['trade', 'admin']);
    const order = { pair: 'HYPERINDEX-USDC', side: 'buy', type: 'market', amount: '1' };
    const r = await call(server, 'POST', '/api/trading/v2/orders', feesToken, order);
    assert.equal(r.status, 403);
    assert.equal(r.body.error.code, 'FORBIDDEN');
  });
});
