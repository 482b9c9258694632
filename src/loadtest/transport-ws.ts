/**
 * Orders and cancels as WebSocket messages ({"op": "order"|"cancel", reqId, ...}): one connection per
 * user, authenticated with the user's token, answers matched by reqId. A request unanswered after
 * `timeoutMs` counts as TIMEOUT (checked by a sweep, not a timer per request); a connection that closes
 * fails its outstanding requests with WS_CLOSED_<code>.
 */
import { WebSocket } from 'ws';
import type { Op } from './order-flow.js';
import { errorOutcome, okOutcome, type Transport, type TransportOutcome } from './transport.js';

interface Waiting {
  readonly op: Op;
  readonly resolve: (outcome: TransportOutcome) => void;
  readonly sentAt: number;
}

class Connection {
  readonly waiting = new Map<number, Waiting>();
  closedCode: number | null = null;

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => this.onMessage(data.toString()));
    ws.on('close', (code) => {
      this.closedCode = code;
      this.failAll(`WS_CLOSED_${code}`);
    });
    ws.on('error', () => undefined); // followed by close
  }

  private onMessage(text: string): void {
    let m: any;
    try {
      m = JSON.parse(text);
    } catch {
      return;
    }
    if (typeof m?.reqId !== 'number') return; // pushed messages and the auth answer
    const w = this.waiting.get(m.reqId);
    if (w === undefined) return;
    this.waiting.delete(m.reqId);
    if (m.type === 'result') w.resolve(okOutcome(m));
    else w.resolve(errorOutcome(w.op, typeof m.error?.code === 'string' ? m.error.code : 'WS_BAD_ANSWER'));
  }

  failAll(code: string): void {
    for (const w of this.waiting.values()) w.resolve({ ok: false, code });
    this.waiting.clear();
  }
}

export class WsTransport implements Transport {
  readonly kind = 'ws' as const;
  private nextReqId = 1;
  private readonly sweep: NodeJS.Timeout;

  private constructor(private readonly connections: Connection[], private readonly timeoutMs: number) {
    this.sweep = setInterval(() => this.expire(), Math.min(1000, Math.max(50, timeoutMs / 4)));
    this.sweep.unref();
  }

  /** Opens one connection per token and authenticates each (waiting for the server's answer). */
  static async open(wsUrl: string, tokens: readonly string[], timeoutMs: number): Promise<WsTransport> {
    const connections = await Promise.all(tokens.map((token) => openAuthenticated(wsUrl, token, timeoutMs)));
    return new WsTransport(connections, timeoutMs);
  }

  send(op: Op): Promise<TransportOutcome> {
    const conn = this.connections[op.user % this.connections.length];
    if (conn.closedCode !== null) return Promise.resolve({ ok: false, code: `WS_CLOSED_${conn.closedCode}` });
    const reqId = this.nextReqId++;
    const msg = op.kind === 'cancel' ? { op: 'cancel', reqId, orderId: op.orderId } : { op: 'order', reqId, ...op.body };
    return new Promise((resolve) => {
      conn.waiting.set(reqId, { op, resolve, sentAt: Date.now() });
      conn.ws.send(JSON.stringify(msg));
    });
  }

  private expire(): void {
    const cutoff = Date.now() - this.timeoutMs;
    for (const conn of this.connections) {
      for (const [reqId, w] of conn.waiting) {
        if (w.sentAt > cutoff) break; // insertion order = send order
        conn.waiting.delete(reqId);
        w.resolve({ ok: false, code: 'TIMEOUT' });
      }
    }
  }

  async close(): Promise<void> {
    clearInterval(this.sweep);
    await Promise.all(
      this.connections.map(
        (c) =>
          new Promise<void>((resolve) => {
            c.failAll('WS_CLOSED_1000');
            if (c.ws.readyState === WebSocket.CLOSED) return resolve();
            c.ws.once('close', () => resolve());
            c.ws.close(1000, 'load test done');
            setTimeout(() => (c.ws.terminate(), resolve()), 2000).unref();
          }),
      ),
    );
  }
}

function openAuthenticated(wsUrl: string, token: string, timeoutMs: number): Promise<Connection> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(wsUrl, { perMessageDeflate: false });
    const timer = setTimeout(() => (ws.terminate(), reject(new Error(`WebSocket ${wsUrl}: no auth answer within ${timeoutMs} ms`))), timeoutMs);
    ws.once('error', (err) => (clearTimeout(timer), reject(err)));
    ws.once('open', () => ws.send(JSON.stringify({ op: 'auth', reqId: 'auth', token })));
    const onAuth = (data: Buffer) => {
      let m: any;
      try {
        m = JSON.parse(data.toString());
      } catch {
        return;
      }
      if (m?.reqId !== 'auth') return;
      ws.off('message', onAuth);
      clearTimeout(timer);
      if (m.type === 'auth') resolve(new Connection(ws));
      else {
        ws.close();
        reject(new Error(`WebSocket auth refused: ${m.error?.code ?? 'unknown'} ${m.error?.message ?? ''}`));
      }
    };
    ws.on('message', onAuth);
  });
}
