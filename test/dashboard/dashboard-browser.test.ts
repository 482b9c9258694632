/**
 * The dashboard in a real browser: Debian's headless Chromium (driven by playwright-core) opens
 * /dashboard on a real test server; orders placed through the API must show in the depth chart (its
 * rebuilt book and caption), trades from the book and from the AMM in the tape, and the metrics tiles.
 * Saves docs/dashboard.png. Skips when /usr/bin/chromium is not installed.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { call, fund, sleep, type Server } from '../api/helpers.js';
import { startDashboardServer } from './dashboard-server.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const PAIR = 'HYPERINDEX-USDC';
// the committed screenshot is refreshed only on request (HOOATS_UPDATE_SCREENSHOT=1), so a test run
// leaves the working tree as it found it
const SCREENSHOT =
  process.env.HOOATS_UPDATE_SCREENSHOT === '1'
    ? join(import.meta.dirname, '..', '..', 'docs', 'dashboard.png')
    : join(tmpdir(), `hooats-dashboard-${process.pid}.png`);
const skip = existsSync(CHROMIUM) ? false : `${CHROMIUM} is not installed (apt-get install -y chromium); browser test skipped`;

interface PageState {
  bids: number;
  asks: number;
  seq: number | null;
  trades: Array<{ venue: string; price: string }>;
  metrics: boolean;
}

const pageState = (page: Page) =>
  page.evaluate(() => {
    const s = (window as any).hooatsDashboard;
    return {
      bids: s.book.bids.size,
      asks: s.book.asks.size,
      seq: s.book.seq,
      trades: s.trades.map((t: any) => ({ venue: t.venue, price: t.price })),
      metrics: s.lastMetrics !== null,
    } as PageState;
  });

async function until(page: Page, what: string, check: (s: PageState) => boolean, timeoutMs = 10_000): Promise<PageState> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await pageState(page);
    if (check(s)) return s;
    if (Date.now() > deadline) throw new Error(`dashboard never showed ${what}: ${JSON.stringify(s)}`);
    await sleep(50);
  }
}

describe('dashboard in headless Chromium', { skip }, () => {
  let server: Server;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  before(async () => {
    server = await startDashboardServer();
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true, timeout: 30_000 });
    page = await browser.newPage({ viewport: { width: 1280, height: 1060 } });
    page.on('pageerror', (err) => pageErrors.push(err.message));
    page.on('console', (msg) => msg.type() === 'error' && pageErrors.push(msg.text()));
    page.on('response', (res) => res.status() >= 400 && pageErrors.push(`${res.status()} ${res.url()}`));
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('serves the page with its assets and connects to the WebSocket', async () => {
    const res = await page.goto(`${server.url}/dashboard?pair=${PAIR}`);
    assert.equal(res?.status(), 200);
    await page.waitForFunction(() => document.getElementById('ws-status')?.textContent?.startsWith('live'), null, { timeout: 10_000 });
    const s = await until(page, 'the book snapshot', (x) => x.seq !== null);
    assert.equal(s.bids + s.asks, 0, 'a new server has an empty book');
    assert.equal(await page.locator('.uplot').count(), 4, 'four uPlot charts');
  });

  it('shows orders placed through the API in the depth chart, trades (book and AMM) in the tape', async () => {
    await fund(server, 'maker', { HYPERINDEX: '100000', USDC: '100000' });
    await fund(server, 'taker', { HYPERINDEX: '100000', USDC: '100000' });
    const maker = await server.token('maker');
    const taker = await server.token('taker');
    const place = async (token: string, body: object) => {
      const r = await call(server, 'POST', '/api/trading/v2/orders', token, { pair: PAIR, ...body });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      return r.body;
    };
    for (let i = 1; i <= 5; i++) {
      await place(maker, { side: 'buy', type: 'limit', price: (1 - i * 0.001).toFixed(4), amount: String(100 * i) });
      await place(maker, { side: 'sell', type: 'limit', price: (1 + i * 0.001).toFixed(4), amount: String(100 * i) });
    }
    const withBook = await until(page, '5 bid and 5 ask levels', (x) => x.bids === 5 && x.asks === 5);
    assert.ok(withBook.seq! >= 10);
    await page.waitForFunction(() => /5 bid levels/.test(document.getElementById('depth-caption')?.textContent ?? ''), null, { timeout: 5000 });
    const caption = await page.textContent('#depth-caption');
    assert.match(caption!, /best bid 0\.9990/);
    assert.match(caption!, /best ask 1\.0010/);
    assert.match(caption!, /AMM 1\.0+ \(reserves/);

    // takes the best ask (a book trade), then a market sell larger than the bids above the pool's bid (0.997 with its fee)
    const bookTrade = await place(taker, { side: 'buy', type: 'limit', price: '1.0010', amount: '100', timeInForce: 'IOC' });
    assert.equal(bookTrade.route.book, '100.000');
    const ammTrade = await place(taker, { side: 'sell', type: 'market', amount: '1000' });
    assert.ok(Number(ammTrade.route.amm) > 0, JSON.stringify(ammTrade.route));
    const withTrades = await until(page, 'a book trade and an AMM trade in the tape', (x) => x.trades.some((t) => t.venue === 'book') && x.trades.some((t) => t.venue === 'amm'));
    assert.equal(withTrades.asks, 4, 'the taken ask level is gone from the rebuilt book');
    const tape = await page.locator('#tape tbody tr').allTextContents();
    assert.ok(tape.some((row) => row.includes('book') && row.includes('1.0010')), tape.join('\n'));
    assert.ok(tape.some((row) => row.includes('AMM')), tape.join('\n'));

    // a few seconds of light traffic so the time series have something to show
    for (let i = 0; i < 50; i++) {
      const side = i % 2 === 0 ? 'buy' : 'sell';
      const off = 0.0015 + (i % 4) * 0.0005;
      await place(taker, { side, type: 'limit', price: (side === 'buy' ? 1 - off : 1 + off).toFixed(4), amount: String(5 + (i % 7) * 10) });
      if (i % 5 === 4) await place(taker, { side: i % 10 === 4 ? 'buy' : 'sell', type: 'market', amount: String(20 + i) });
      await sleep(120);
    }
    // the book the page rebuilt from the WebSocket is the server's book
    const rest = await call(server, 'GET', `/api/orderbook/${PAIR}?depth=1000`);
    const rebuilt = await until(page, `the book at sequence ${rest.body.sequence}`, (x) => x.seq === rest.body.sequence);
    const levels = await page.evaluate(() => {
      const b = (window as any).hooatsDashboard.book;
      return { bids: b.levels('bids').map((l: any[]) => [l[2], l[3]]), asks: b.levels('asks').map((l: any[]) => [l[2], l[3]]) };
    });
    assert.deepEqual(levels, { bids: rest.body.bids, asks: rest.body.asks }, `rebuilt at seq ${rebuilt.seq}`);
    await until(page, 'metrics', (x) => x.metrics);
    await page.waitForFunction(() => (window as any).hooatsDashboard.series.t.length >= 2, null, { timeout: 10_000 });
    const tiles = await page.evaluate(() => ({
      ops: document.getElementById('t-ops')?.textContent,
      clients: document.getElementById('t-clients')?.textContent,
      jlag: document.getElementById('t-jlag')?.textContent,
    }));
    assert.notEqual(tiles.ops, '–');
    assert.ok(Number(tiles.clients) >= 1, `connected clients ${tiles.clients}`);
    assert.match(tiles.jlag ?? '', /^\d+$/);
    await page.screenshot({ path: SCREENSHOT, type: 'png' });
    assert.deepEqual(pageErrors, [], 'no script errors on the page');
  });
});
