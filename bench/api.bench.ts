/**
 * npm run bench:api — the API's throughput against the machine's ceilings, in one run:
 *   1. a raw node:http server answering a similar POST, and a raw `ws` server acknowledging similar
 *      messages (what this machine can do at all with one server core);
 *   2. HOOATS (journal on, fsync batched, temp data dir, rate limit raised): single-order POSTs over
 *      keep-alive from many connections, the batch endpoint, and WebSocket order entry.
 * Server and load generator are separate processes (this file, forked in another mode), so each gets
 * one of the two cores. Orders alternate resting buys/sells just off a mid with crossing IOCs that take
 * them, so the book stays small. Latency is client-side. Last line: one JSON object.
 * BENCH_SECONDS (default 3) per scenario, BENCH_ROUNDS (default 3) alternating rounds, medians reported;
 * BENCH_CONNECTIONS (default 256) HTTP connections, BENCH_BATCH_CONNECTIONS (default 8); closed-loop
 * clients wait for each durable answer, so enough must be in flight to cover an fsync (~3 ms here).
 * The batch endpoint is compared with its own ceiling in the same round: the same orders straight into
 * the sequencer in one process ("core": engine with events and journal, no HTTP/JSON).
 * Knobs for investigation: BENCH_ONLY=raw-http,http,core,batch,raw-ws,ws; BENCH_PROFILE=1 (--cpu-prof of each
 * HOOATS server into .bench-tmp/profiles); BENCH_FSYNC=none (separates fsync latency from CPU cost);
 * BENCH_NODE_FLAGS (extra node flags for the children); BENCH_STORE=redis (the HOOATS server on the
 * Redis backend at REDIS_URL instead of the journal) with BENCH_REDIS_MAX_BATCH (its coalescing).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import { WebSocket, WebSocketServer } from 'ws';
import { median, percentile } from './support/stats.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const WARMUP_S = 1;
const HTTP_CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 256);
const BATCH_CONNECTIONS = Number(process.env.BENCH_BATCH_CONNECTIONS ?? 8);
const BATCH_SIZE = 1000;
const WS_CONNECTIONS = 50;
const WS_WINDOW = 16;
const USERS = 8;
const SECRET = 'bench-secret-bench-secret-bench-secret-01';
const PAIR = 'HYPERINDEX-USDC';
const SELF = new URL(import.meta.url).pathname;

type ServerKind = 'raw-http' | 'raw-ws' | 'hooats';
type LoadKind = 'http' | 'batch' | 'ws';
interface LoadJob { kind: LoadKind; port: number; tokens: string[]; path: string }
interface LoadResult { ops: number; seconds: number; errors: number; p50: number; p99: number; sample: string }

/** The i-th order of a stream that keeps the book small: resting orders 1-3 ticks off the mid, IOCs through it. */
function order(i: number): object {
  const side = i % 2 === 0 ? 'buy' : 'sell';
  const crossing = i % 4 >= 2;
  const off = crossing ? 0.001 : -0.0001 * (1 + (i % 3));
  const price = (side === 'buy' ? 1 + off : 1 - off).toFixed(4);
  return crossing
    ? { pair: PAIR, side, type: 'limit', price, amount: '1.5', timeInForce: 'IOC' }
    : { pair: PAIR, side, type: 'limit', price, amount: '1' };
}

// ---------------------------------------------------------------- servers (child mode "server")

const SIMILAR_REPLY = {
  order: { id: '1', clientOrderId: null, userId: 'u0', pair: PAIR, side: 'buy', type: 'limit', price: '1.0000', amount: '1.000',
    filled: '0.000', remaining: '1.000', quoteAmount: null, status: 'open', cancelReason: null, timeInForce: 'GTC', postOnly: false, createdAt: 0 },
  fills: [], averagePrice: null, route: { book: '0.000', amm: '0.000' },
};

async function runServer(kind: ServerKind): Promise<void> {
  if (kind === 'raw-http') {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString()) as { price?: string };
        const text = JSON.stringify({ ...SIMILAR_REPLY, order: { ...SIMILAR_REPLY.order, price: body.price ?? null } });
        res.writeHead(201, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
        res.end(text);
      });
    });
    server.keepAliveTimeout = 65_000;
    server.listen(0, '127.0.0.1', () => process.send!({ port: (server.address() as AddressInfo).port }));
    return;
  }
  if (kind === 'raw-ws') {
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false });
    wss.on('connection', (ws) => ws.on('message', (data) => {
      const m = JSON.parse(data.toString()) as { reqId: number; price?: string };
      ws.send(JSON.stringify({ type: 'result', reqId: m.reqId, ...SIMILAR_REPLY, order: { ...SIMILAR_REPLY.order, price: m.price ?? null } }));
    }));
    wss.on('listening', () => process.send!({ port: (wss.address() as AddressInfo).port }));
    return;
  }
  const { configFor } = await import('../src/config/config.js');
  const { buildApp } = await import('../src/api/app.js');
  if (process.env.BENCH_STORE === 'redis') return runRedisServer(configFor({ HOOATS_JWT_SECRET: SECRET, HOOATS_RATE_LIMIT_PER_SEC: '100000000' }), buildApp);
  const { Sequencer } = await import('../src/sequencer/sequencer.js');
  mkdirSync('.bench-tmp', { recursive: true });
  const dataDir = mkdtempSync(join('.bench-tmp', 'api-'));
  const config = configFor({ HOOATS_JWT_SECRET: SECRET, HOOATS_DATA_DIR: dataDir, HOOATS_FSYNC: process.env.BENCH_FSYNC ?? 'batched', HOOATS_RATE_LIMIT_PER_SEC: '100000000' });
  const sequencer = await Sequencer.open({ markets: config.markets, dataDir, fsyncMode: config.fsyncMode });
  const app = buildApp({ sequencer }, config);
  await app.listen({ port: 0, host: '127.0.0.1' });
  process.on('SIGTERM', async () => {
    await app.close();
    await sequencer.close();
    const { fileSyncs, flushes } = sequencer.journalStats;
    // the server's own CPU (all its threads: GC helpers, fsync) per command since it listened: a figure
    // the load generator competing for the cores distorts less than the wall-clock rate
    const { user, system } = process.cpuUsage(cpuAtListen);
    const cpuUsPerCommand = Math.round(((user + system) / Math.max(1, sequencer.lastSeq)) * 100) / 100;
    process.send!({ journal: { lastSeq: sequencer.lastSeq, fileSyncs, flushes, cpuUsPerCommand } }, () => {
      rmSync(dataDir, { recursive: true, force: true });
      process.exit(0);
    });
  });
  const cpuAtListen = process.cpuUsage();
  process.send!({ port: (app.server.address() as AddressInfo).port });
}

/**
 * BENCH_STORE=redis: the server on the Redis backend (REDIS_URL, a fresh key prefix deleted at the
 * end; BENCH_REDIS_MAX_BATCH sets the coalescing). Its report has the same shape as the journal's:
 * commands (FCALL'd), the FCALLs that carried them, and the server's CPU per command.
 */
async function runRedisServer(config: import('../src/config/config.js').AppConfig, buildApp: typeof import('../src/api/app.js').buildApp): Promise<void> {
  const { RedisBackend } = await import('../src/api/redis-backend.js');
  const quiet = { warn: () => {}, error: (obj: object, msg: string) => console.error(msg, obj) };
  const maxBatch = process.env.BENCH_REDIS_MAX_BATCH === undefined ? undefined : Number(process.env.BENCH_REDIS_MAX_BATCH);
  const backend = await RedisBackend.open({
    url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    prefix: `hooats-bench-api:${process.pid}.${Date.now().toString(36)}:`,
    markets: config.markets,
    maxBatch,
    log: quiet,
  });
  const app = buildApp({ backend }, config);
  await app.listen({ port: 0, host: '127.0.0.1' });
  process.on('SIGTERM', async () => {
    await app.close();
    const { user, system } = process.cpuUsage(cpuAtListen);
    const { calls, commands } = backend.engine.batching;
    const cpuUsPerCommand = Math.round(((user + system) / Math.max(1, commands)) * 100) / 100;
    await backend.engine.destroy();
    await backend.close();
    process.send!({ journal: { commands, fcalls: calls, cpuUsPerCommand } }, () => process.exit(0));
  });
  const cpuAtListen = process.cpuUsage();
  process.send!({ port: (app.server.address() as AddressInfo).port });
}

// ---------------------------------------------------------------- the core's ceiling (child mode "core")

/**
 * The batch endpoint's ceiling measured in the same run: the same orders (parsed once, up front)
 * straight into the sequencer, 1000 per group commit as the batch endpoint does, with a durable
 * listener so the engine builds its events as it does in the server. No HTTP, no JSON, no load
 * generator: what the engine and the journal alone do on this machine now.
 */
async function runCore(): Promise<{ ops: number; seconds: number }> {
  const { configFor } = await import('../src/config/config.js');
  const { Sequencer } = await import('../src/sequencer/sequencer.js');
  const { Markets } = await import('../src/api/markets.js');
  const { toPlaceOrder } = await import('../src/api/order-request.js');
  mkdirSync('.bench-tmp', { recursive: true });
  const dataDir = mkdtempSync(join('.bench-tmp', 'core-'));
  const config = configFor({ HOOATS_JWT_SECRET: SECRET, HOOATS_DATA_DIR: dataDir, HOOATS_FSYNC: process.env.BENCH_FSYNC ?? 'batched' });
  const sequencer = await Sequencer.open({ markets: config.markets, dataDir, fsyncMode: config.fsyncMode });
  try {
    sequencer.onDurable(() => {});
    const markets = new Markets(sequencer.engine.catalogue);
    for (let u = 0; u < USERS; u++) {
      for (const asset of ['USDC', 'HYPERINDEX']) sequencer.execute({ type: 'deposit', userId: `bench${u}`, asset, amount: 2 ** 45 });
    }
    const ring = Array.from({ length: 64 * BATCH_SIZE }, (_, i) => {
      const cmd = toPlaceOrder(markets, `bench${Math.floor(i / BATCH_SIZE) % USERS}`, order(i) as never);
      if (cmd instanceof Error) throw cmd;
      return cmd;
    });
    let ops = 0;
    let rejected = 0;
    const group = async (b: number) => {
      let last = 0;
      for (let i = b; i < b + BATCH_SIZE; i++) {
        const executed = sequencer.execute(ring[i % ring.length]);
        if (!executed.result.ok) rejected++;
        if (executed.ackAfter > last) last = executed.ackAfter;
      }
      await sequencer.whenDurable(last);
    };
    let next = 0;
    const until = async (ms: number) => {
      const end = performance.now() + ms;
      while (performance.now() < end) {
        await group(next);
        next += BATCH_SIZE;
        ops += BATCH_SIZE;
      }
    };
    await until(WARMUP_S * 1000);
    ops = 0;
    const t0 = performance.now();
    await until(SECONDS * 1000);
    if (rejected > 0) throw new Error(`${rejected} orders rejected: the core's figure would not be comparable`);
    return { ops, seconds: (performance.now() - t0) / 1000 };
  } finally {
    await sequencer.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- load generator (child mode "load")

function httpRequest(path: string, token: string, body: string): Buffer {
  return Buffer.from(
    `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\nAuthorization: Bearer ${token}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

/** A minimal keep-alive HTTP/1.1 client: one request in flight per connection, responses by Content-Length. */
function httpConnection(port: number, requests: Buffer[], onReply: (status: number, body: string) => void, running: () => boolean): void {
  const socket: Socket = connect(port, '127.0.0.1');
  socket.setNoDelay(true);
  let next = 0;
  let buf: Buffer = Buffer.alloc(0);
  const send = () => socket.write(requests[next++ % requests.length]);
  socket.on('connect', send);
  socket.on('data', (chunk: Buffer) => {
    buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
    for (;;) {
      const headerEnd = buf.indexOf('\r\n\r\n');
      if (headerEnd < 0) return;
      const head = buf.toString('latin1', 0, headerEnd);
      const length = Number(/content-length: *(\d+)/i.exec(head)?.[1] ?? 0);
      if (buf.length < headerEnd + 4 + length) return;
      onReply(Number(head.slice(9, 12)), buf.toString('utf8', headerEnd + 4, headerEnd + 4 + length));
      buf = buf.subarray(headerEnd + 4 + length);
      if (running()) send();
      else return void socket.destroy();
    }
  });
  socket.on('error', () => undefined);
}

async function runLoad(job: LoadJob): Promise<LoadResult> {
  const latencies: number[] = [];
  let ops = 0;
  let errors = 0;
  let sample = '';
  let measuring = false;
  let running = true;
  const perOp = job.kind === 'batch' ? BATCH_SIZE : 1;
  const record = (started: number, ok: boolean, body: string) => {
    if (!ok) {
      errors++;
      if (sample === '') sample = body.slice(0, 300);
    }
    if (!measuring) return;
    ops += perOp;
    latencies.push(performance.now() - started);
  };
  const connections = job.kind === 'http' ? HTTP_CONNECTIONS : job.kind === 'batch' ? BATCH_CONNECTIONS : WS_CONNECTIONS;
  for (let c = 0; c < connections; c++) {
    const token = job.tokens[c % job.tokens.length];
    if (job.kind === 'ws') {
      const ws = new WebSocket(`ws://127.0.0.1:${job.port}/ws`, { perMessageDeflate: false });
      const sent: number[] = [];
      let n = c * 1000;
      const push = () => {
        sent.push(performance.now());
        ws.send(JSON.stringify({ op: 'order', reqId: n, ...order(n++) }));
      };
      ws.on('open', () => {
        ws.send(JSON.stringify({ op: 'auth', reqId: -1, token }));
        for (let i = 0; i < WS_WINDOW; i++) push();
      });
      ws.on('message', (data) => {
        const text = data.toString();
        if (text.startsWith('{"type":"auth"')) return;
        record(sent.shift()!, text.startsWith('{"type":"result"'), text);
        if (running) push();
        else ws.terminate();
      });
      ws.on('error', () => undefined);
      continue;
    }
    const requests = Array.from({ length: 64 }, (_, k) => {
      const i = c * 64 + k;
      const body = job.kind === 'batch'
        ? JSON.stringify({ orders: Array.from({ length: BATCH_SIZE }, (_, j) => order(i * BATCH_SIZE + j)) })
        : JSON.stringify(order(i));
      return httpRequest(job.path, token, body);
    });
    let started = 0;
    const ok = job.kind === 'batch' ? 200 : 201;
    httpConnection(job.port, requests, (status, body) => {
      record(started, status === ok, body);
      started = performance.now();
    }, () => running);
    started = performance.now();
  }
  await new Promise((r) => setTimeout(r, WARMUP_S * 1000));
  measuring = true;
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  measuring = false;
  const seconds = (performance.now() - t0) / 1000;
  running = false;
  return { ops, seconds, errors, p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99), sample };
}

// ---------------------------------------------------------------- orchestration (parent)

function child(args: string[], profile: boolean): ChildProcess {
  const execArgv = [...process.execArgv, ...(process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean), ...(profile ? ['--cpu-prof', '--cpu-prof-dir=.bench-tmp/profiles'] : [])];
  return fork(SELF, args, { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

const message = <T>(p: ChildProcess, key: string): Promise<T> =>
  new Promise((resolve, reject) => {
    p.on('message', (m: Record<string, unknown>) => key in m && resolve(m as T));
    p.on('exit', (code) => reject(new Error(`child exited ${code} before sending ${key}`)));
  });

async function scenario(server: ServerKind, kind: LoadKind, path: string, tokens: string[], setup?: (port: number) => Promise<void>) {
  const srv = child(['server', server], server === 'hooats' && process.env.BENCH_PROFILE === '1');
  const { port } = await message<{ port: number }>(srv, 'port');
  if (setup !== undefined) await setup(port);
  const load = child(['load', JSON.stringify({ kind, port, tokens, path } satisfies LoadJob)], false);
  const result = await message<{ result: LoadResult }>(load, 'result');
  const journal = server === 'hooats' ? message<{ journal: object }>(srv, 'journal') : Promise.resolve(null);
  srv.kill('SIGTERM');
  const j = await journal;
  const r = result.result;
  const perSec = r.ops / r.seconds;
  console.log(`${server.padEnd(8)} ${kind.padEnd(5)} ${Math.round(perSec).toString().padStart(8)} ops/s  p50 ${r.p50.toFixed(2)} ms  p99 ${r.p99.toFixed(2)} ms  errors ${r.errors}` +
    (j === null ? '' : `  journal ${JSON.stringify(j.journal)}`) + (r.sample ? `\n  first error: ${r.sample}` : ''));
  return { perSec, ...r };
}

async function main(): Promise<void> {
  const { signToken } = await import('../src/api/auth.js');
  const tokens = await Promise.all(Array.from({ length: USERS }, (_, u) => signToken(SECRET, `bench${u}`, ['trade'])));
  const admin = await signToken(SECRET, 'bench-admin', ['admin']);
  const fundAll = async (port: number) => {
    for (let u = 0; u < USERS; u++) {
      for (const asset of ['USDC', 'HYPERINDEX']) {
        const res = await fetch(`http://127.0.0.1:${port}/api/admin/deposits`, {
          method: 'POST', headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
          body: JSON.stringify({ userId: `bench${u}`, asset, amount: '100000000' }),
        });
        if (res.status !== 200) throw new Error(`funding failed: ${await res.text()}`);
      }
    }
  };
  console.log(`bench:api — ${ROUNDS} rounds, ${SECONDS} s per scenario after ${WARMUP_S} s warm-up; HTTP ${HTTP_CONNECTIONS} connections, ` +
    `batch ${BATCH_CONNECTIONS}×${BATCH_SIZE}, WS ${WS_CONNECTIONS} connections × ${WS_WINDOW} in flight`);
  // Other work on the machine moves every figure, so scenarios alternate over rounds and each ratio is
  // the median of per-round ratios (a raw server and HOOATS measured back to back).
  // BENCH_ONLY=http,batch,ws runs a subset (for profiling).
  const only = (process.env.BENCH_ONLY ?? 'raw-http,http,core,batch,raw-ws,ws').split(',');
  const none = { perSec: NaN, p50: NaN, p99: NaN };
  const runs: Record<string, Array<typeof none>> = { 'raw-http': [], http: [], core: [], batch: [], 'raw-ws': [], ws: [] };
  for (let round = 1; round <= ROUNDS; round++) {
    console.log(`round ${round}/${ROUNDS}`);
    const run = async (name: string, go: () => Promise<typeof none>) => runs[name].push(only.includes(name) ? await go() : none);
    await run('raw-http', () => scenario('raw-http', 'http', '/', tokens));
    await run('http', () => scenario('hooats', 'http', '/api/trading/v2/orders', tokens, fundAll));
    await run('core', async () => {
      const r = await message<{ core: { ops: number; seconds: number } }>(child(['core', ''], false), 'core');
      const perSec = r.core.ops / r.core.seconds;
      console.log(`core     batch ${Math.round(perSec).toString().padStart(8)} ops/s  (the same orders straight into the sequencer: the batch endpoint's ceiling)`);
      return { perSec, p50: NaN, p99: NaN };
    });
    await run('batch', () => scenario('hooats', 'batch', '/api/trading/v2/batch', tokens, fundAll));
    await run('raw-ws', () => scenario('raw-ws', 'ws', '', tokens));
    await run('ws', () => scenario('hooats', 'ws', '', tokens, fundAll));
  }
  const med = (name: string, key: 'perSec' | 'p50' | 'p99') => median(runs[name].map((r) => r[key]));
  const ratio = (a: string, b: string) => median(runs[a].map((r, i) => r.perSec / runs[b][i].perSec));
  const round = (x: number, d = 2) => Number(x.toFixed(d));
  console.log(JSON.stringify({
    httpOrdersPerSec: Math.round(med('http', 'perSec')),
    httpVsRawHttp: round(ratio('http', 'raw-http')),
    batchOrdersPerSec: Math.round(med('batch', 'perSec')),
    coreOrdersPerSec: Math.round(med('core', 'perSec')),
    batchVsCore: round(ratio('batch', 'core')),
    wsOrdersPerSec: Math.round(med('ws', 'perSec')),
    wsVsRawWs: round(ratio('ws', 'raw-ws')),
    p50Ms: round(med('http', 'p50'), 3),
    p99Ms: round(med('http', 'p99'), 3),
  }));
}

const [mode, arg] = process.argv.slice(2);
if (mode === 'server') await runServer(arg as ServerKind);
else if (mode === 'core') process.send!({ core: await runCore() }, () => process.exit(0));
else if (mode === 'load') process.send!({ result: await runLoad(JSON.parse(arg) as LoadJob) }, () => process.exit(0));
else await main();
