import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SignJWT, UnsecuredJWT } from 'jose';
import { call, SECRET, startServer, type Server } from './helpers.js';

const key = new TextEncoder().encode(SECRET);
const nowS = () => Math.floor(Date.now() / 1000);

describe('authentication', () => {
  let s: Server;
  before(async () => {
    s = await startServer();
  });
  after(() => s.close());

  const balances = (token: string | null) => call(s, 'GET', '/api/trading/v2/balances', token);

  it('accepts a valid HS256 token with the trade scope', async () => {
    const r = await balances(await s.token('u1'));
    assert.equal(r.status, 200);
    // a second request hits the token cache and still works
    assert.equal((await balances(await s.token('u1'))).status, 200);
  });

  it('refuses missing, malformed, alg none, wrong-signature, expired and incomplete tokens with 401', async () => {
    const none = new UnsecuredJWT({ scope: 'trade' }).setSubject('u1').setExpirationTime(nowS() + 60).encode();
    const wrongKey = await new SignJWT({ scope: 'trade' })
      .setProtectedHeader({ alg: 'HS256' }).setSubject('u1').setExpirationTime(nowS() + 60)
      .sign(new TextEncoder().encode('another-secret-another-secret-another'));
    const expired = await new SignJWT({ scope: 'trade' })
      .setProtectedHeader({ alg: 'HS256' }).setSubject('u1').setExpirationTime(nowS() - 10).sign(key);
    const noSub = await new SignJWT({ scope: 'trade' }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime(nowS() + 60).sign(key);
    const noExp = await new SignJWT({ scope: 'trade' }).setProtectedHeader({ alg: 'HS256' }).setSubject('u1').sign(key);
    // a lone surrogate would become U+FFFD in the journal and Redis: another user on replay
    const loneSurrogateSub = await new SignJWT({ scope: 'trade' })
      .setProtectedHeader({ alg: 'HS256' }).setSubject('u1\ud800').setExpirationTime(nowS() + 60).sign(key);
    const hs512 = await new SignJWT({ scope: 'trade' })
      .setProtectedHeader({ alg: 'HS512' }).setSubject('u1').setExpirationTime(nowS() + 60).sign(key);
    // a valid token's signature on a forged payload (sub changed) must not pass through the cache
    const valid = await s.token('victim');
    await balances(valid);
    const [, , sig] = valid.split('.');
    const forgedPayload = Buffer.from(JSON.stringify({ sub: 'attacker', scope: 'trade admin', exp: nowS() + 60 })).toString('base64url');
    const forged = `${valid.split('.')[0]}.${forgedPayload}.${sig}`;
    for (const [name, token] of Object.entries({ none, wrongKey, expired, noSub, noExp, loneSurrogateSub, hs512, forged, junk: 'a.b.c' })) {
      const r = await balances(token);
      assert.equal(r.status, 401, name);
      assert.equal(r.body.error.code, 'UNAUTHORIZED', name);
    }
    assert.equal((await balances(null)).status, 401);
    const basic = await fetch(s.url + '/api/trading/v2/balances', { headers: { authorization: 'Basic dTE6cA==' } });
    assert.equal(basic.status, 401);
  });

  it('answers 403 when the token lacks the scope', async () => {
    const adminOnly = await s.token('ops', ['admin']);
    const r = await call(s, 'POST', '/api/trading/v2/orders', adminOnly, { pair: 'IDX-USDC', side: 'buy', type: 'limit', price: '1', amount: '1' });
    assert.equal(r.status, 403);
    assert.equal(r.body.error.code, 'FORBIDDEN');
    const tradeOnly = await s.token('u1', ['trade']);
    const a = await call(s, 'POST', '/api/admin/deposits', tradeOnly, { userId: 'u1', asset: 'USDC', amount: '1' });
    assert.equal(a.status, 403);
    assert.equal((await call(s, 'GET', '/api/admin/balances/u1', tradeOnly)).status, 403);
  });
});

describe('admin funding', () => {
  let s: Server;
  let admin: string;
  before(async () => {
    s = await startServer();
    admin = await s.token('root', ['admin']);
  });
  after(() => s.close());

  it('deposits and withdraws at the asset decimals, and shows any user\'s balances', async () => {
    const d = await call(s, 'POST', '/api/admin/deposits', admin, { userId: 'dana', asset: 'USDC', amount: '100.5' });
    assert.equal(d.status, 200);
    assert.deepEqual(d.body.balance, { available: '100.5000000', locked: '0.0000000' });
    const w = await call(s, 'POST', '/api/admin/withdrawals', admin, { userId: 'dana', asset: 'USDC', amount: 0.5 });
    assert.deepEqual(w.body.balance, { available: '100.0000000', locked: '0.0000000' });
    const b = await call(s, 'GET', '/api/admin/balances/dana', admin);
    assert.deepEqual(b.body.balances.USDC, { available: '100.0000000', locked: '0.0000000' });
    assert.deepEqual(b.body.balances.IDX, { available: '0.000', locked: '0.000' });
    const own = await call(s, 'GET', '/api/trading/v2/balances', await s.token('dana'));
    assert.deepEqual(own.body.balances, b.body.balances);
  });

  it('refuses what cannot be done with catalogue codes', async () => {
    const cases: Array<[string, object, number, string]> = [
      ['/api/admin/withdrawals', { userId: 'dana', asset: 'USDC', amount: '1000' }, 422, 'INSUFFICIENT_BALANCE'],
      ['/api/admin/withdrawals', { userId: 'nobody', asset: 'USDC', amount: '1' }, 422, 'INSUFFICIENT_BALANCE'],
      ['/api/admin/deposits', { userId: 'dana', asset: 'DOGE', amount: '1' }, 400, 'VALIDATION_ERROR'],
      ['/api/admin/deposits', { userId: 'dana', asset: 'IDX', amount: '0.0001' }, 400, 'INVALID_AMOUNT'],
      ['/api/admin/deposits', { userId: 'dana', asset: 'IDX', amount: '0' }, 400, 'INVALID_AMOUNT'],
      ['/api/admin/deposits', { userId: 'dana', asset: 'IDX', amount: '99999999999999999999' }, 400, 'INVALID_AMOUNT'],
      ['/api/admin/deposits', { userId: 'dana', asset: 'IDX' }, 400, 'VALIDATION_ERROR'],
      ['/api/admin/deposits', { userId: '', asset: 'IDX', amount: '1' }, 400, 'VALIDATION_ERROR'],
    ];
    for (const [path, body, status, code] of cases) {
      const r = await call(s, 'POST', path, admin, body);
      assert.equal(r.status, status, JSON.stringify(body));
      assert.equal(r.body.error.code, code, JSON.stringify(body));
    }
  });
});
