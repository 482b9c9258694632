/** Option parsing of `hooats bench` and the order stream's own rules (grid, bounded resting orders). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isLoopback, parseBenchArgs, parseDuration, parseMix } from '../../src/loadtest/cli.js';
import { DecimalGrid, MarketGrid } from '../../src/loadtest/grid.js';
import { DEFAULT_MIX, OrderFlow } from '../../src/loadtest/order-flow.js';

const env = { HOOATS_JWT_SECRET: 's'.repeat(40) };

describe('hooats bench options', () => {
  it('parses the scenarios', () => {
    const burst = parseBenchArgs(['burst', '200'], env);
    assert.deepEqual(burst.options.scenario, { kind: 'burst', count: 200 });
    assert.equal(burst.options.url, 'http://127.0.0.1:3001');
    assert.equal(burst.options.credentials.secret, env.HOOATS_JWT_SECRET);
    const sustained = parseBenchArgs(['sustained', '1500', '2m', '--transport', 'ws', '--json', 'r.json'], env);
    assert.deepEqual(sustained.options.scenario, { kind: 'sustained', rate: 1500, durationMs: 120_000 });
    assert.equal(sustained.options.transport, 'ws');
    assert.equal(sustained.json, 'r.json');
    const ramp = parseBenchArgs(['ramp', '--start-rate', '100', '--step', '2s', '--max-p99-ms', '20'], env);
    assert.deepEqual(ramp.options.scenario, {
      kind: 'ramp', startRate: 100, stepRate: 100, stepMs: 2000, maxRate: 100_000, maxSteps: 10, maxP99Ms: 20, maxErrorRate: 0.01,
    });
  });

  it('refuses what it cannot run or must not target', () => {
    const bad: string[][] = [
      [], ['burst'], ['burst', '0'], ['burst', '2000000'], ['sustained', '10'], ['sustained', '10', '2h'], ['ramp', '5'],
      ['burst', '5', '--transport', 'grpc'], ['burst', '5', '--url', 'http://10.1.2.3:3001'], ['burst', '5', '--url', 'ftp://127.0.0.1'],
      ['burst', '5', '--mix', 'limit:1,swap:2'], ['burst', '5', '--min-amount', '5', '--max-amount', '1'],
    ];
    for (const args of bad) assert.throws(() => parseBenchArgs(args, env), Error, args.join(' '));
    assert.throws(() => parseBenchArgs(['burst', '5'], {}), /--secret/);
    assert.doesNotThrow(() => parseBenchArgs(['burst', '5', '--url', 'http://192.0.2.7:3001', '--allow-remote'], env));
  });

  it('durations, mixes and loopback addresses', () => {
    assert.equal(parseDuration('500ms'), 500);
    assert.equal(parseDuration('1.5s'), 1500);
    assert.equal(parseDuration('3'), 3000);
    assert.deepEqual(parseMix('limit:1,cancel:0'), { limit: 1, market: 0, cancel: 0 });
    for (const url of ['http://127.0.0.1:1', 'http://localhost:3001', 'http://[::1]:3001', 'http://127.9.9.9']) assert.ok(isLoopback(url), url);
    for (const url of ['http://192.168.1.1', 'http://example.com', 'http://128.0.0.1']) assert.ok(!isLoopback(url), url);
  });
});

describe('order stream', () => {
  const grid = new MarketGrid({ pair: 'X-Y', base: 'X', quote: 'Y', tickSize: '0.05', lotSize: '0.001', minNotional: '0', amm: null });

  it('formats on the grid exactly', () => {
    assert.equal(grid.price.format(2001), '100.05');
    assert.equal(new DecimalGrid('0.0001').format(10_000), '1.0000');
    assert.equal(new DecimalGrid('1').format(7), '7');
    assert.equal(grid.amount.format(5), '0.005');
  });

  it('keeps every user under its cap of resting orders and prices around the mid', () => {
    const flow = new OrderFlow(
      { grid, users: 3, seed: 5, mix: DEFAULT_MIX, levels: 10, crossShare: 0.2, maxOpenPerUser: 4, minAmount: 0.1, maxAmount: 2 },
      2000,
    );
    let next = 1;
    const open = new Map<number, Set<string>>([[0, new Set()], [1, new Set()], [2, new Set()]]);
    for (let i = 0; i < 2000; i++) {
      const op = flow.next(i);
      if (op.kind === 'cancel') {
        assert.ok(open.get(op.user)!.delete(op.orderId), 'cancels only an order it placed and has not cancelled');
        continue;
      }
      const b = op.body;
      assert.match(b.amount, /^\d+\.\d{3}$/);
      assert.ok(Number(b.amount) >= 0.1 && Number(b.amount) <= 2);
      if (op.kind === 'limit') {
        const ticks = Math.round(Number(b.price) / 0.05);
        assert.equal(grid.price.format(ticks), b.price);
        assert.ok(Math.abs(ticks - 2000) <= 10, b.price);
        // pretend every limit order rests
        const id = String(next++);
        flow.observe(op, true, { id, status: 'open' });
        open.get(op.user)!.add(id);
      }
      for (const s of open.values()) assert.ok(s.size <= 4);
    }
    assert.equal(flow.trackedOpen, [...open.values()].reduce((a, s) => a + s.size, 0));
  });
});
