import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { WS_OPS } from '../../src/api/ws/ws-messages.js';
import { ConfigError, loadConfig } from '../../src/config/config.js';
import { DEFAULT_MARKETS } from '../../src/engine/market.js';
import { ERRORS } from '../../src/errors.js';

describe('configuration', () => {
  it('has documented defaults, generates a dev secret, and is frozen', () => {
    const c = loadConfig({});
    assert.equal(c.port, 3001);
    assert.equal(c.host, '127.0.0.1');
    assert.equal(c.dataDir, './data');
    assert.equal(c.fsyncMode, 'batched');
    assert.equal(c.markets, DEFAULT_MARKETS);
    assert.equal(c.jwtSecretGenerated, true);
    assert.ok(c.jwtSecret.length >= 32);
    assert.ok(c.rateLimit !== null && c.rateLimit.perSecond > 0);
    assert.ok(Object.isFrozen(c));
    assert.deepEqual(c.history, { databaseUrl: null, readWaitMs: 2000 });
    assert.throws(() => ((c as { port: number }).port = 1));
  });

  it('reads every setting and turns the rate limit off with 0', () => {
    const c = loadConfig({
      PORT: '8080', HOST: '0.0.0.0', HOOATS_JWT_SECRET: 's'.repeat(40), HOOATS_DATA_DIR: '/tmp/x', HOOATS_FSYNC: 'always',
      HOOATS_RATE_LIMIT_PER_SEC: '0', HOOATS_BODY_LIMIT: '4096', HOOATS_WS_MAX_BUFFERED: '2048',
    });
    assert.deepEqual([c.port, c.host, c.dataDir, c.fsyncMode, c.rateLimit, c.bodyLimitBytes, c.wsMaxBufferedBytes, c.jwtSecretGenerated],
      [8080, '0.0.0.0', '/tmp/x', 'always', null, 4096, 2048, false]);
  });

  it('picks the store: the journal by default, Redis with HOOATS_STORE=redis, never repeating the URL in an error', () => {
    assert.deepEqual(loadConfig({}).store, { kind: 'journal' });
    assert.deepEqual(loadConfig({ HOOATS_STORE: 'redis' }).store, { kind: 'redis', url: 'redis://127.0.0.1:6379', prefix: 'hooats:' });
    assert.deepEqual(loadConfig({ HOOATS_STORE: 'redis', REDIS_URL: 'redis://:pw@r:6380/1', HOOATS_REDIS_PREFIX: 'x1:' }).store,
      { kind: 'redis', url: 'redis://:pw@r:6380/1', prefix: 'x1:' });
    assert.throws(() => loadConfig({ HOOATS_STORE: 'mongo' }), /HOOATS_STORE must be one of journal, redis/);
    assert.throws(() => loadConfig({ HOOATS_STORE: 'redis', REDIS_URL: 'http://:secret@r' }), (e: unknown) => e instanceof ConfigError && !e.message.includes('secret'));
    assert.throws(() => loadConfig({ HOOATS_STORE: 'redis', HOOATS_REDIS_PREFIX: '{tag}' }), /HOOATS_REDIS_PREFIX/);
  });

  it('reads DATABASE_URL for the history and never repeats it in an error', () => {
    assert.equal(loadConfig({ DATABASE_URL: 'postgres://u:p@db:5432/x' }).history.databaseUrl, 'postgres://u:p@db:5432/x');
    assert.throws(() => loadConfig({ DATABASE_URL: 'mysql://u:secret@db/x' }), (e: unknown) => e instanceof ConfigError && !e.message.includes('secret'));
  });

  it('refuses bad values with a message naming the setting', () => {
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ PORT: 'abc' }, /PORT/],
      [{ PORT: '70000' }, /PORT/],
      [{ HOOATS_FSYNC: 'never' }, /HOOATS_FSYNC/],
      [{ HOOATS_JWT_SECRET: 'short' }, /HOOATS_JWT_SECRET/],
      [{ HOOATS_BODY_LIMIT: '-5' }, /HOOATS_BODY_LIMIT/],
      [{ HOOATS_MARKETS: '/nonexistent/markets.json' }, /HOOATS_MARKETS/],
      [{ HOST: 'bad host!' }, /HOST/],
      [{ DATABASE_URL: 'mysql://user:secret@db/x' }, /DATABASE_URL/],
      [{ HOOATS_HISTORY_READ_WAIT_MS: '-1' }, /HOOATS_HISTORY_READ_WAIT_MS/],
    ];
    for (const [env, pattern] of cases) assert.throws(() => loadConfig(env), (e: unknown) => e instanceof ConfigError && pattern.test(e.message));
  });

  it('validates the markets file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hooats-cfg-'));
    try {
      const file = join(dir, 'm.json');
      const good = { pair: 'IDX-USDC', base: 'IDX', quote: 'USDC', tickSize: '0.01', lotSize: '0.001', minNotional: '0',
        makerFeeBps: 0, takerFeeBps: 0, amm: { baseReserve: '10000', quoteReserve: '1000000', feeBps: 30 } };
      writeFileSync(file, JSON.stringify({ markets: [good] }));
      assert.equal(loadConfig({ HOOATS_MARKETS: file }).markets[0].pair, 'IDX-USDC');
      const bad: Array<[unknown, RegExp]> = [
        ['not json', /not valid JSON/],
        [{ markets: [] }, /at least one market/],
        [{ markets: [{ ...good, extra: 1 }] }, /unknown key "extra"/],
        [{ markets: [{ ...good, tickSize: '0' }] }, /tickSize/],
        [{ markets: [{ ...good, pair: 'IDX/USDC' }] }, /BASE-QUOTE/],
        [{ markets: [good, good] }, /listed twice/],
        [{ markets: [{ ...good, makerFeeBps: 1.5 }] }, /makerFeeBps/],
        [{ markets: [{ ...good, amm: { baseReserve: '1', quoteReserve: 'x', feeBps: 30 } }] }, /quoteReserve/],
        [{ other: [] }, /"markets"/],
      ];
      for (const [doc, pattern] of bad) {
        writeFileSync(file, typeof doc === 'string' ? doc : JSON.stringify(doc));
        assert.throws(() => loadConfig({ HOOATS_MARKETS: file }), (e: unknown) => e instanceof ConfigError && pattern.test(e.message), String(pattern));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('docs/API.md', () => {
  const doc = readFileSync(new URL('../../docs/API.md', import.meta.url), 'utf8');

  it('lists every error code of the catalogue with its HTTP status', () => {
    for (const [code, { status }] of Object.entries(ERRORS)) {
      assert.match(doc, new RegExp(`\`${code}\`\\s*\\|\\s*${status}\\b`), `docs/API.md lists ${code} (${status})`);
    }
  });

  it('documents every endpoint and the WebSocket ops', () => {
    for (const path of ['/api/health', '/api/trading/v2/markets', '/api/orderbook/:pair', '/api/trading/v2/market/:pair',
      '/api/trading/v2/trades/:pair', '/api/performance/metrics', '/metrics', '/api/trading/v2/orders', '/api/trading/v2/orders/:id',
      '/api/trading/v2/batch', '/api/trading/v2/fills', '/api/trading/v2/balances', '/api/admin/deposits', '/api/admin/withdrawals',
      '/api/admin/balances/:userId', '/api/docs/openapi.json', '/api/trading/v2/candles/:pair',
      '/api/trading/v2/orders/client/:clientOrderId', '/api/trading/v2/batch/cancel']) {
      assert.ok(doc.includes(path), `docs/API.md mentions ${path}`);
    }
    // every op the server takes, so a new one cannot go undocumented
    for (const op of WS_OPS) assert.ok(doc.includes(`"op": "${op}"`), op);
  });
});
