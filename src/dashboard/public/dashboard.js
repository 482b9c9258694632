// The live dashboard. Data sources, all on this origin:
//   WebSocket /ws          book:PAIR (snapshot + diffs → depth chart, mid), trades:PAIR (tape, trades count)
//   GET /api/orderbook     every second: AMM reserves and price, and the book mid at the same instant
//   GET /api/performance/metrics  every second: orders/trades counts (→ rates), server latency p50/p99
//   GET /api/health        every 2 s: journal lag, history lag (when the server reports one), clients
// Nothing is computed that the server did not give, beyond rates from its counts and the AMM's depth
// curve from its reserves.
import { BookState } from './book-state.js';
import { depthSeries } from './depth-math.js';

const uPlot = window.uPlot;
const HISTORY_POINTS = 600; // 10 minutes at one point per second
const TAPE_ROWS = 60;
const COLORS = { bid: '#26a269', ask: '#e5534b', amm: '#c678dd', mid: '#58a6ff', text: '#d8dee6', grid: '#2a323c', orders: '#58a6ff', trades: '#e5c07b' };

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const state = {
  pair: params.get('pair'),
  market: null,
  book: new BookState(),
  amm: null, // {baseReserve, quoteReserve, price} numbers + strings
  trades: [],
  tradeIds: new Set(),
  lastMetrics: null,
  series: { t: [], ordersPs: [], tradesPs: [], p50: [], p99: [], priceT: [], mid: [], ammPrice: [] },
  depthDirty: false,
};
// for tests and curious operators: the page's state, read-only by convention
window.hooatsDashboard = state;

// ---------------------------------------------------------------- formatting

function fmt(n, digits = 2) {
  if (n === null || n === undefined || Number.isNaN(n)) return '–';
  if (digits === 2 && Math.abs(n) >= 10) digits = 1;
  if (Math.abs(n) >= 1e6) return (n / 1e6).toFixed(2) + 'M';
  if (Math.abs(n) >= 1e4) return (n / 1e3).toFixed(1) + 'k';
  return Number(n).toFixed(digits);
}

function timeOf(ms) {
  const d = new Date(ms);
  return d.toTimeString().slice(0, 8) + '.' + String(d.getMilliseconds()).padStart(3, '0');
}

function setText(id, text) {
  const el = $(id);
  if (el.textContent !== text) el.textContent = text;
}

async function getJson(path) {
  const res = await fetch(path, { headers: { accept: 'application/json' }, cache: 'no-store' });
  const body = await res.json().catch(() => null);
  return { status: res.status, body };
}

// ---------------------------------------------------------------- charts

function chartSize(el, height) {
  return { width: Math.max(200, el.clientWidth), height };
}

const axis = (extra = {}) => ({ stroke: COLORS.text, grid: { stroke: COLORS.grid, width: 1 }, ticks: { stroke: COLORS.grid }, ...extra });

function timeChart(el, series, height = 190, yDecimals = null) {
  const yAxis = yDecimals === null ? axis({ size: 56 }) : axis({ size: 64, values: (_u, ticks) => ticks.map((v) => v.toFixed(yDecimals)) });
  const opts = {
    ...chartSize(el, height),
    cursor: { drag: { x: false, y: false } },
    scales: { x: { time: true } },
    axes: [axis(), yAxis],
    series: [{}, ...series.map((s) => ({ label: s.label, stroke: s.color, width: 1.6, dash: s.dash, spanGaps: true, value: (_u, v) => fmt(v, s.digits ?? 2) }))],
  };
  return new uPlot(opts, [[], ...series.map(() => [])], el);
}

let rateChart, latencyChart, priceChart, depthChart;

function makeCharts() {
  rateChart = timeChart($('rate-chart'), [
    { label: 'orders/s', color: COLORS.orders, digits: 0 },
    { label: 'trades/s', color: COLORS.trades, digits: 0 },
  ]);
  latencyChart = timeChart($('latency-chart'), [
    { label: 'p50 ms', color: COLORS.mid, digits: 2 },
    { label: 'p99 ms', color: COLORS.ask, digits: 2 },
  ]);
  const decimals = state.market?.priceDecimals ?? 4;
  priceChart = timeChart($('price-chart'), [
    { label: 'book mid', color: COLORS.mid, digits: decimals },
    { label: 'AMM price', color: COLORS.amm, digits: decimals, dash: [6, 3] },
  ], 190, decimals);
  const depthEl = $('depth-chart');
  const stepAfter = uPlot.paths.stepped({ align: 1 });
  const stepBefore = uPlot.paths.stepped({ align: -1 });
  depthChart = new uPlot(
    {
      ...chartSize(depthEl, 260),
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: false } },
      axes: [axis({ values: (_u, ticks) => ticks.map((v) => v.toFixed(decimals)) }), axis({ size: 64 })],
      series: [
        { label: 'price', value: (_u, v) => (v === null ? '–' : v.toFixed(decimals)) },
        { label: 'bids', stroke: COLORS.bid, fill: 'rgba(38,162,105,0.18)', width: 1.6, paths: stepBefore, value: (_u, v) => fmt(v, 3) },
        { label: 'asks', stroke: COLORS.ask, fill: 'rgba(229,83,75,0.18)', width: 1.6, paths: stepAfter, value: (_u, v) => fmt(v, 3) },
        { label: 'AMM bid side', stroke: COLORS.amm, width: 1.4, dash: [6, 3], value: (_u, v) => fmt(v, 3) },
        { label: 'AMM ask side', stroke: COLORS.amm, width: 1.4, dash: [2, 3], value: (_u, v) => fmt(v, 3) },
      ],
    },
    [[], [], [], [], []],
    depthEl,
  );
  window.addEventListener('resize', () => {
    for (const [chart, el, h] of [[rateChart, 'rate-chart', 190], [latencyChart, 'latency-chart', 190], [priceChart, 'price-chart', 190], [depthChart, 'depth-chart', 260]]) {
      chart.setSize(chartSize($(el), h));
    }
  });
}

function pushPoint(keys, values) {
  const s = state.series;
  keys.forEach((k, i) => {
    s[k].push(values[i]);
    if (s[k].length > HISTORY_POINTS) s[k].shift();
  });
}

// ---------------------------------------------------------------- book and depth

function bookMid() {
  const bids = state.book.levels('bids');
  const asks = state.book.levels('asks');
  if (bids.length === 0 || asks.length === 0) return null;
  return (bids[0][0] + asks[0][0]) / 2;
}

function renderDepth() {
  state.depthDirty = false;
  const bids = state.book.levels('bids');
  const asks = state.book.levels('asks');
  const feeBps = state.market?.amm?.feeBps ?? 0;
  const amm = state.amm === null ? null : { baseReserve: state.amm.baseReserve, quoteReserve: state.amm.quoteReserve, feeBps };
  const d = depthSeries(bids, asks, amm);
  if (d === null) {
    depthChart.setData([[], [], [], [], []]);
    setText('depth-caption', `book empty (seq ${state.book.seq ?? '–'}), no AMM pool`);
    return;
  }
  depthChart.setData([d.x, d.bidDepth, d.askDepth, d.ammBid, d.ammAsk]);
  const bidTotal = bids.reduce((a, l) => a + l[1], 0);
  const askTotal = asks.reduce((a, l) => a + l[1], 0);
  const parts = [
    `seq ${state.book.seq}`,
    `${bids.length} bid levels (${fmt(bidTotal, 3)} ${state.market?.base ?? ''})`,
    `${asks.length} ask levels (${fmt(askTotal, 3)})`,
    `best bid ${bids[0]?.[2] ?? '–'}`,
    `best ask ${asks[0]?.[2] ?? '–'}`,
  ];
  if (state.amm !== null) parts.push(`AMM ${state.amm.priceText} (reserves ${state.amm.baseText} / ${state.amm.quoteText}, fee ${feeBps} bps)`);
  setText('depth-caption', parts.join(' · '));
  const mid = bookMid();
  const decimals = state.market?.priceDecimals ?? 4;
  setText('t-prices', mid === null ? '–' : mid.toFixed(decimals + 1));
  const spread = bids.length > 0 && asks.length > 0 ? `spread ${(asks[0][0] - bids[0][0]).toFixed(decimals)}` : 'one side empty';
  setText('t-spread', `AMM ${state.amm?.priceText ?? '–'} · ${spread}`);
}

function scheduleDepth() {
  if (state.depthDirty) return;
  state.depthDirty = true;
  // at most ~5 redraws a second however fast diffs come
  setTimeout(() => requestAnimationFrame(renderDepth), 200);
}

// ---------------------------------------------------------------- trades tape

function addTrades(trades) {
  const tbody = $('tape').tBodies[0];
  for (const t of trades) {
    if (state.tradeIds.has(t.id)) continue;
    state.tradeIds.add(t.id);
    state.trades.unshift(t);
    const tr = document.createElement('tr');
    tr.innerHTML =
      `<td>${timeOf(t.time)}</td><td class="${t.takerSide}">${t.takerSide}</td>` +
      `<td class="num">${t.price}</td><td class="num">${t.amount}</td><td><span class="venue ${t.venue}">${t.venue === 'amm' ? 'AMM' : 'book'}</span></td>`;
    tr.dataset.venue = t.venue;
    tbody.insertBefore(tr, tbody.firstChild);
  }
  while (state.trades.length > TAPE_ROWS) state.tradeIds.delete(state.trades.pop().id);
  while (tbody.rows.length > TAPE_ROWS) tbody.deleteRow(tbody.rows.length - 1);
}

// ---------------------------------------------------------------- WebSocket

let ws = null;
let retryMs = 500;

function connect() {
  ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`);
  const channels = [`book:${state.pair}`, `trades:${state.pair}`];
  ws.onopen = () => {
    retryMs = 500;
    $('ws-status').className = 'status on';
    $('ws-status').textContent = `live: ${channels.join(', ')}`;
    ws.send(JSON.stringify({ op: 'subscribe', reqId: 'sub', channels }));
  };
  ws.onmessage = (ev) => {
    const m = JSON.parse(ev.data);
    if (m.type === 'book' && m.pair === state.pair) {
      if (!state.book.apply(m)) {
        // a gap: the rebuilt book would be wrong; start again from a snapshot
        state.book.reset();
        ws.send(JSON.stringify({ op: 'unsubscribe', reqId: 'unsub', channels: [`book:${state.pair}`] }));
        ws.send(JSON.stringify({ op: 'subscribe', reqId: 'resub', channels: [`book:${state.pair}`] }));
        return;
      }
      scheduleDepth();
    } else if (m.type === 'trade' && m.pair === state.pair) {
      addTrades([m]);
    } else if (m.type === 'error') {
      $('ws-status').textContent = `error: ${m.error?.code} ${m.error?.message ?? ''}`;
    }
  };
  ws.onclose = () => {
    $('ws-status').className = 'status off';
    $('ws-status').textContent = `disconnected; retrying in ${(retryMs / 1000).toFixed(1)} s`;
    state.book.reset();
    setTimeout(connect, retryMs);
    retryMs = Math.min(10_000, retryMs * 2);
  };
}

// ---------------------------------------------------------------- polling

async function pollOrderbook() {
  try {
    const { status, body } = await getJson(`/api/orderbook/${encodeURIComponent(state.pair)}?depth=1`);
    if (status !== 200) return;
    const now = Date.now() / 1000;
    const bid = body.bids[0]?.[0];
    const ask = body.asks[0]?.[0];
    const mid = bid !== undefined && ask !== undefined ? (Number(bid) + Number(ask)) / 2 : null;
    if (body.amm) {
      state.amm = {
        baseReserve: Number(body.amm.baseReserve), quoteReserve: Number(body.amm.quoteReserve),
        baseText: body.amm.baseReserve, quoteText: body.amm.quoteReserve, priceText: body.amm.price,
      };
    }
    pushPoint(['priceT', 'mid', 'ammPrice'], [now, mid, body.amm ? Number(body.amm.price) : null]);
    const s = state.series;
    priceChart.setData([s.priceT, s.mid, s.ammPrice]);
    scheduleDepth();
  } catch {
    // the server is away; the status badges say so
  }
}

async function pollMetrics() {
  try {
    const { status, body } = await getJson('/api/performance/metrics');
    if (status !== 200) return;
    const prev = state.lastMetrics;
    state.lastMetrics = body;
    setText('t-ops', fmt(body.ordersPerSecond.current, 0));
    setText('t-ops-peak', `peak ${fmt(body.ordersPerSecond.peak, 0)}/s`);
    setText('t-lat', `${fmt(body.latencyMs.p50)} / ${fmt(body.latencyMs.p99)} ms`);
    setText('t-lat-n', `over the last ${body.latencyMs.samples} requests`);
    setText('t-trades', `${body.counts.trades} trades in all`);
    setText('t-orders', `${body.counts.orders} orders, ${body.counts.ordersRejected} rejected`);
    setText('t-open', String(body.counts.openOrders));
    if (prev !== null && body.time > prev.time) {
      const dt = (body.time - prev.time) / 1000;
      const ordersPs = (body.counts.orders - prev.counts.orders) / dt;
      const tradesPs = (body.counts.trades - prev.counts.trades) / dt;
      setText('t-tps', fmt(tradesPs, 0));
      pushPoint(['t', 'ordersPs', 'tradesPs', 'p50', 'p99'], [body.time / 1000, ordersPs, tradesPs, body.latencyMs.p50, body.latencyMs.p99]);
      const s = state.series;
      rateChart.setData([s.t, s.ordersPs, s.tradesPs]);
      latencyChart.setData([s.t, s.p50, s.p99]);
    }
  } catch {
    // see pollOrderbook
  }
}

async function pollHealth() {
  const badge = $('health-status');
  try {
    const { status, body } = await getJson('/api/health');
    const ok = status === 200 && body?.status === 'ok';
    badge.className = `status ${ok ? 'on' : 'off'}`;
    badge.textContent = `health: ${body?.status ?? status}`;
    if (typeof body?.uptimeSeconds === 'number') setText('uptime', `up ${Math.floor(body.uptimeSeconds / 60)} min`);
    if (typeof body?.wsClients === 'number') setText('t-clients', String(body.wsClients));
    const j = body?.journal;
    if (j && typeof j.lastSeq === 'number' && typeof j.durableSeq === 'number') {
      setText('t-jlag', `${j.lastSeq - j.durableSeq}`);
      setText('t-jlag-sub', `commands not yet durable (seq ${j.durableSeq}, fsync ${j.fsyncMode ?? '?'})`);
    }
    const h = body?.history;
    if (h && typeof h === 'object' && typeof h.lag === 'number') {
      setText('t-hlag', String(h.lag));
      setText('t-hlag-sub', `commands behind the journal (${h.store ?? 'store'} ${h.state ?? ''})`);
    } else {
      setText('t-hlag', '–');
      setText('t-hlag-sub', 'not reported by this server');
    }
  } catch {
    badge.className = 'status off';
    badge.textContent = 'health: unreachable';
  }
}

// ---------------------------------------------------------------- start

async function start() {
  const { body } = await getJson('/api/trading/v2/markets');
  const markets = body?.markets ?? [];
  const select = $('pair');
  for (const m of markets) select.add(new Option(m.pair, m.pair));
  if (state.pair === null || !markets.some((m) => m.pair === state.pair)) {
    state.pair = (markets.find((m) => m.amm !== null) ?? markets[0])?.pair ?? null;
  }
  if (state.pair === null) {
    setText('depth-caption', 'the server lists no markets');
    return;
  }
  select.value = state.pair;
  select.onchange = () => {
    location.search = `?pair=${encodeURIComponent(select.value)}`;
  };
  state.market = markets.find((m) => m.pair === state.pair);
  makeCharts();
  // recent trades first, then live ones (the history may be unavailable: then the tape starts empty)
  getJson(`/api/trading/v2/trades/${encodeURIComponent(state.pair)}?limit=${TAPE_ROWS}`)
    .then(({ status, body: t }) => status === 200 && Array.isArray(t?.trades) && addTrades([...t.trades].reverse()))
    .catch(() => undefined);
  connect();
  pollOrderbook();
  pollMetrics();
  pollHealth();
  setInterval(pollOrderbook, 1000);
  setInterval(pollMetrics, 1000);
  setInterval(pollHealth, 2000);
}

start();
