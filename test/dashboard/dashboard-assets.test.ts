/**
 * registerDashboard without a browser (fastify inject): the page, its assets (ours and uPlot's), the
 * security headers, 404 in the catalogue shape for anything else; and the depth-chart arithmetic: the
 * AMM curve is the constant-product depth (after taking it, the pool's marginal price is the chart's
 * price) and the book's curve is the cumulative sum of its levels.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Fastify from 'fastify';
import { BookState } from '../../src/dashboard/public/book-state.js';
import { ammAskDepth, ammBidDepth, depthSeries } from '../../src/dashboard/public/depth-math.js';
import { registerDashboard } from '../../src/dashboard/register.js';

describe('registerDashboard', () => {
  it('serves the page and its assets, and nothing else', async () => {
    const app = Fastify();
    let limited = 0;
    registerDashboard(app, { onRequest: (_req, _reply, done) => (limited++, done()) });
    const page = await app.inject({ method: 'GET', url: '/dashboard' });
    assert.equal(page.statusCode, 200);
    assert.match(String(page.headers['content-type']), /^text\/html/);
    assert.match(String(page.headers['content-security-policy']), /default-src 'self'/);
    for (const src of page.body.matchAll(/(?:src|href)="(\/dashboard\/assets\/[^"]+)"/g)) {
      const asset = await app.inject({ method: 'GET', url: src[1] });
      assert.equal(asset.statusCode, 200, src[1]);
      assert.ok(asset.body.length > 100, src[1]);
    }
    const uplot = await app.inject({ method: 'GET', url: '/dashboard/assets/uPlot.iife.min.js' });
    assert.match(String(uplot.headers['content-type']), /javascript/);
    assert.match(uplot.body, /uPlot/);
    for (const name of ['book-state.js', 'depth-math.js', 'dashboard.js']) {
      assert.equal((await app.inject({ method: 'GET', url: `/dashboard/assets/${name}` })).statusCode, 200);
    }
    const missing = await app.inject({ method: 'GET', url: '/dashboard/assets/..%2Fregister.ts' });
    assert.equal(missing.statusCode, 404);
    assert.ok(limited >= 5, 'the onRequest hook runs for the page and the assets');
    await app.close();
  });
});

describe('depth-chart arithmetic', () => {
  const X = 1_000_000;
  const Y = 2_000_000; // price 2
  const FEE = 30;
  const g = 1 - FEE / 10_000;

  it('AMM depth: taking it leaves the pool quoting exactly that price', () => {
    for (const p of [2.01, 2.1, 2.5, 4]) {
      const d = ammAskDepth(X, Y, FEE, p)!;
      const x = X - d;
      const y = (X * Y) / x;
      assert.ok(Math.abs(y / (g * x) - p) < 1e-9 * p, `ask at ${p}`);
    }
    for (const p of [1.99, 1.9, 1.5, 1]) {
      const d = ammBidDepth(X, Y, FEE, p)!;
      const x = X + d;
      const y = (X * Y) / x;
      assert.ok(Math.abs((g * y) / x - p) < 1e-9 * p, `bid at ${p}`);
    }
    // inside the fee band the pool offers nothing
    assert.equal(ammAskDepth(X, Y, FEE, 2), null);
    assert.equal(ammBidDepth(X, Y, FEE, 2), null);
    assert.ok(Math.abs(ammAskDepth(X, Y, FEE, 2 / g)!) < 1e-6);
  });

  it('book depth is the cumulative sum of the levels from the best price outwards', () => {
    const bids: Array<[number, number]> = [[1.99, 5], [1.98, 7], [1.95, 1]];
    const asks: Array<[number, number]> = [[2.01, 3], [2.03, 4]];
    const d = depthSeries(bids, asks, null, { samples: 10 })!;
    const at = (series: Array<number | null>, price: number) => series[d.x.indexOf(price)];
    assert.equal(at(d.bidDepth, 1.99), 5);
    assert.equal(at(d.bidDepth, 1.98), 12);
    assert.equal(at(d.bidDepth, 1.95), 13);
    assert.equal(at(d.askDepth, 2.01), 3);
    assert.equal(at(d.askDepth, 2.03), 7);
    assert.equal(d.center, 2);
    d.x.forEach((x, i) => {
      if (x > 1.99) assert.equal(d.bidDepth[i], null);
      if (x < 2.01) assert.equal(d.askDepth[i], null);
    });
    assert.ok(d.ammBid.every((v) => v === null));
    assert.equal(depthSeries([], [], null), null);
  });

  it('the WebSocket book: snapshot, diffs in sequence, a gap is refused', () => {
    const b = new BookState();
    assert.equal(b.apply({ snapshot: false, seq: 1, bids: [], asks: [] }), false);
    assert.ok(b.apply({ snapshot: true, seq: 10, bids: [['1.00', '5'], ['0.99', '2']], asks: [['1.01', '1']] }));
    assert.ok(b.apply({ snapshot: false, seq: 11, bids: [['1.00', '0'], ['0.98', '4']], asks: [] }));
    assert.deepEqual(b.levels('bids').map((l) => l[2]), ['0.99', '0.98']);
    assert.equal(b.apply({ snapshot: false, seq: 13, bids: [], asks: [] }), false);
    assert.equal(b.seq, 11);
  });
});
