/**
 * Test harness: a real server on a real socket (port 0) over its own temp data dir, tokens, and small
 * fetch/WebSocket helpers. Every test file uses these, so each test talks HTTP exactly like a client.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { WebSocket } from 'ws';
import { buildApp } from '../../src/api/app.js';
import { signToken, type Scope } from '../../src/api/auth.js';
import { HistoryService, journalHistoryFeed, type HistoryServiceOptions } from '../../src/api/history-service.js';
import { configFor, type AppConfig } from '../../src/config/config.js';
import type { MarketConfig } from '../../src/engine/market.js';
import type { HistoryStore } from '../../src/history/types.js';
import { Sequencer, type SequencerOptions } from '../../src/sequencer/sequencer.js';

export const SECRET = 'test-secret-test-secret-test-secret-0123456789';

/** One book-only market with fees, and the default HYPERINDEX-USDC (with its AMM pool). */
export const MARKETS: readonly MarketConfig[] = [
  {
    pair: 'IDX-USDC', base: 'IDX', quote: 'USDC', tickSize: '0.01', lotSize: '0.001', minNotional: '0',
    makerFeeBps: 10, takerFeeBps: 20, amm: null,
  },
  {
    pair: 'HYPERINDEX-USDC', base: 'HYPERINDEX', quote: 'USDC', tickSize: '0.0001', lotSize: '0.001', minNotional: '0',
    makerFeeBps: 0, takerFeeBps: 0, amm: { baseReserve: '1000000', quoteReserve: '1000000', feeBps: 30 },
  },
];

export interface Server {
  readonly url: string;
  readonly wsUrl: string;
  readonly app: FastifyInstance;
  readonly sequencer: Sequencer;
  readonly history: HistoryService;
  readonly dataDir: string;
  readonly config: AppConfig;
  token(userId: string, scopes?: Scope[]): Promise<string>;
  /** closes the app, the sequencer and the history (as main.ts does); removes the data dir unless keepData */
  close(keepData?: boolean): Promise<void>;
}

export interface StartOptions {
  env?: Record<string, string>;
  dataDir?: string;
  sequencer?: Partial<SequencerOptions>;
  /** the history store (closed with the server); default: from the config, i.e. SQLite in the data dir */
  historyStore?: HistoryStore;
  historyWriter?: HistoryServiceOptions['writer'];
  /** the clock of the sequencer (command times) and of the app (24 h ticker window) */
  now?: () => number;
}

export async function startServer(options: StartOptions = {}): Promise<Server> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'hooats-api-'));
  const config = configFor({ HOOATS_JWT_SECRET: SECRET, HOOATS_DATA_DIR: dataDir, HOOATS_FSYNC: 'none', PORT: '0', ...options.env });
  const sequencer = await Sequencer.open({
    markets: MARKETS,
    dataDir,
    fsyncMode: config.fsyncMode,
    ...(options.now === undefined ? {} : { now: options.now }),
    ...options.sequencer,
  });
  const history = await HistoryService.start({
    feed: journalHistoryFeed(sequencer),
    dataDir,
    databaseUrl: config.history.databaseUrl,
    store: options.historyStore,
    writer: options.historyWriter,
  });
  const app = buildApp({ sequencer, history, now: options.now }, config);
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  let closed = false;
  return {
    url: address,
    wsUrl: address.replace(/^http/, 'ws') + '/ws',
    app,
    sequencer,
    history,
    dataDir,
    config,
    token: (userId, scopes = ['trade']) => signToken(SECRET, userId, scopes),
    async close(keepData = false) {
      if (closed) return;
      closed = true;
      await app.close();
      await sequencer.close().catch(() => undefined);
      await history.close(2_000);
      if (!keepData) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface Reply {
  status: number;
  body: any;
  headers: Headers;
}

export async function call(server: Server, method: string, path: string, token?: string | null, body?: unknown): Promise<Reply> {
  const headers: Record<string, string> = {};
  if (token !== undefined && token !== null) headers.authorization = `Bearer ${token}`;
  let payload: string | undefined;
  if (body !== undefined) {
    headers['content-type'] = 'application/json';
    payload = typeof body === 'string' ? body : JSON.stringify(body);
  }
  const res = await fetch(server.url + path, { method, headers, body: payload });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, body: parsed, headers: res.headers };
}

/** Deposits through the admin endpoint. */
export async function fund(server: Server, userId: string, amounts: Record<string, string>): Promise<void> {
  const admin = await server.token('admin', ['admin']);
  for (const [asset, amount] of Object.entries(amounts)) {
    const r = await call(server, 'POST', '/api/admin/deposits', admin, { userId, asset, amount });
    if (r.status !== 200) throw new Error(`deposit failed: ${JSON.stringify(r.body)}`);
  }
}

/** A WebSocket client that queues every message it receives. */
export class WsClient {
  readonly messages: any[] = [];
  private waiters: Array<{ pred: (m: any) => boolean; resolve: (m: any) => void }> = [];
  closeInfo: { code: number; reason: string } | null = null;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const m = JSON.parse(data.toString());
      this.messages.push(m);
      this.waiters = this.waiters.filter((w) => {
        if (!w.pred(m)) return true;
        w.resolve(m);
        return false;
      });
    });
    ws.on('close', (code, reason) => (this.closeInfo = { code, reason: reason.toString() }));
  }

  static open(url: string): Promise<WsClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      const client = new WsClient(ws);
      ws.once('open', () => resolve(client));
      ws.once('error', reject);
    });
  }

  send(msg: unknown): void {
    this.ws.send(typeof msg === 'string' ? msg : JSON.stringify(msg));
  }

  /** The first message (already received or coming) matching pred. */
  next(pred: (m: any) => boolean, timeoutMs = 5000): Promise<any> {
    const seen = this.messages.find(pred);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('timed out waiting for a WebSocket message')), timeoutMs);
      this.waiters.push({ pred, resolve: (m) => (clearTimeout(timer), resolve(m)) });
    });
  }

  /** Sends a request and waits for its answer (matched by reqId; pushed messages carry none). */
  async request(msg: Record<string, unknown>): Promise<any> {
    this.send(msg);
    return this.next((m) => m.reqId === msg.reqId);
  }

  close(): void {
    this.ws.close();
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until `check` is true (polling), for state that arrives asynchronously. */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(10);
  }
}
