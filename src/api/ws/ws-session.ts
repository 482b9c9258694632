/**
 * One WebSocket connection: authenticate, subscribe, enter orders. Order results are sent once durable
 * (the same OrderEntry as HTTP). Messages that arrive while a token is being verified wait for it, so a
 * client may send auth and its first order back to back. A connection whose unsent data passes the limit
 * is closed (1008): a slow reader must not make the server buffer without bound.
 */
import type { Duplex } from 'node:stream';
import type { RawData, WebSocket } from 'ws';
import type { OrderView } from '../../engine/events.js';
import type { ErrorCode } from '../../errors.js';
import { toApiError } from '../api-error.js';
import type { Principal } from '../auth.js';
import type { AppContext } from '../context.js';
import type { CancelRequest } from '../cancel-request.js';
import { parseOrderId, type OrderRequest } from '../order-request.js';
import type { WsHub } from './ws-hub.js';
import { orderText, reqIdText, writeBatchResults, writeCancelResults, writePlaceOrderMembers } from '../json-text.js';
import { JsonWriter } from '../json-writer.js';
import { UNKNOWN_OP_MESSAGE, validationMessage, validatorFor } from './ws-messages.js';

type ReqId = string | number | null;
type Message = Record<string, unknown> & { op: string };

/** messages held while a token is verified; more than this and the client is misbehaving */
const MAX_QUEUED = 10_000;
const TERMINATE_AFTER_MS = 2000;

export class WsSession {
  principal: Principal | null = null;
  readonly channels = new Set<string>();
  private queue: Array<[RawData, number]> | null = null;
  private closed = false;
  private corked = false;
  private readonly socket: Duplex;

  constructor(
    private readonly ctx: AppContext,
    private readonly hub: WsHub,
    private readonly ws: WebSocket,
    private readonly ip: string,
  ) {
    this.socket = (ws as unknown as { _socket: Duplex })._socket;
    ws.on('message', (data: RawData) => this.onMessage(data));
    ws.on('error', () => this.terminate());
  }

  /** A message: text, or its UTF-8 bytes (sent as a text frame all the same). */
  send(text: string | Buffer): void {
    if (this.closed || this.ws.readyState !== 1) return;
    // results are released together when a journal flush completes: one write for all of this turn's
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      setImmediate(this.flush);
    }
    this.ws.send(text, { binary: false });
  }

  /** Uncorks; what the kernel did not take stays buffered, and too much of it means a slow reader. */
  private readonly flush = (): void => {
    this.corked = false;
    this.socket.uncork();
    if (!this.closed && this.ws.bufferedAmount > this.ctx.config.wsMaxBufferedBytes) {
      this.ctx.stats.wsSlowConsumersClosed++;
      this.close(1008, `slow consumer: more than ${this.ctx.config.wsMaxBufferedBytes} bytes unsent`);
    }
  };

  close(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.hub.forget(this);
    this.ws.close(code, reason);
    // the close frame waits behind the unsent data; a client that never reads is cut off
    setTimeout(() => this.ws.terminate(), TERMINATE_AFTER_MS).unref();
  }

  terminate(): void {
    this.closed = true;
    this.hub.forget(this);
    this.ws.terminate();
  }

  private onMessage(data: RawData): void {
    const started = performance.now();
    if (this.queue !== null) {
      if (this.queue.length >= MAX_QUEUED) return this.close(1008, 'too many messages while authenticating');
      this.queue.push([data, started]);
      return;
    }
    this.handle(data, started);
  }

  private handle(data: RawData, started: number): void {
    let msg: unknown;
    try {
      msg = JSON.parse(data.toString());
    } catch {
      return this.error(null, 'VALIDATION_ERROR', 'message is not valid JSON');
    }
    if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) {
      return this.error(null, 'VALIDATION_ERROR', 'message must be a JSON object');
    }
    const m = msg as Message;
    const reqId: ReqId =
      (typeof m.reqId === 'string' && m.reqId.length <= 64) || Number.isSafeInteger(m.reqId) ? (m.reqId as string | number) : null;
    const validate = validatorFor(m.op);
    if (validate === undefined) return this.error(reqId, 'VALIDATION_ERROR', UNKNOWN_OP_MESSAGE);
    if (!validate(m)) return this.error(reqId, 'VALIDATION_ERROR', validationMessage(validate));
    if (m.op === 'cancel' && (m.orderId === undefined) === (m.clientOrderId === undefined)) {
      return this.error(reqId, 'VALIDATION_ERROR', 'cancel takes exactly one of orderId and clientOrderId');
    }
    if (this.ctx.limiter !== null) {
      const wait = this.ctx.limiter.take(this.principal === null ? 'ip:' + this.ip : this.principal.userId);
      if (wait > 0) return this.error(reqId, 'RATE_LIMITED', `too many requests; retry after ${wait} s`);
    }
    switch (m.op) {
      case 'auth':
        return this.auth(reqId, m.token as string);
      case 'subscribe':
        return this.subscribe(reqId, m.channels as string[]);
      case 'unsubscribe':
        for (const c of m.channels as string[]) {
          this.hub.unsubscribe(this, c);
          this.channels.delete(c);
        }
        return this.send(JSON.stringify({ type: 'unsubscribed', reqId, channels: [...this.channels] }));
      case 'ping':
        return this.send(JSON.stringify({ type: 'pong', reqId }));
      default:
        return this.trade(m, reqId, started);
    }
  }

  private auth(reqId: ReqId, token: string): void {
    const accept = (p: Principal) => {
      if (this.principal !== null && this.principal.userId !== p.userId && this.channels.has('orders')) {
        this.hub.unsubscribe(this, 'orders');
        this.channels.delete('orders');
      }
      this.principal = p;
      this.send(JSON.stringify({ type: 'auth', reqId, userId: p.userId, scopes: [...p.scopes] }));
    };
    const cached = this.ctx.auth.cached(token);
    if (cached !== null) return accept(cached);
    this.queue = [];
    this.ctx.auth.verify(token).then(accept, (err: unknown) => this.fail(reqId, err)).finally(() => this.drain());
  }

  private drain(): void {
    const queued = this.queue ?? [];
    this.queue = null;
    for (let i = 0; i < queued.length; i++) {
      if (this.queue !== null) {
        // another auth started: the rest waits for it
        (this.queue as Array<[RawData, number]>).push(...queued.slice(i));
        return;
      }
      this.handle(queued[i][0], queued[i][1]);
    }
  }

  private subscribe(reqId: ReqId, channels: string[]): void {
    for (const c of channels) {
      const problem = this.hub.subscribe(this, c);
      if (problem !== null) return this.error(reqId, c === 'orders' ? 'UNAUTHORIZED' : 'VALIDATION_ERROR', problem);
      this.channels.add(c);
    }
    this.send(JSON.stringify({ type: 'subscribed', reqId, channels: [...this.channels] }));
    for (const c of channels) if (c.startsWith('book:')) this.sendSnapshot(c.slice(5));
  }

  /** The book as of the last durable event; the diffs that follow carry seq + 1, + 2, ... */
  private sendSnapshot(pair: string): void {
    const snap = this.ctx.mirror.snapshot(pair);
    const m = this.ctx.markets.get(pair);
    if (snap === null || m === undefined) return;
    this.send(
      JSON.stringify({
        type: 'book',
        pair,
        seq: snap.seq,
        snapshot: true,
        bids: snap.bids.map(([p, a]) => [m.price(p), m.amount(a)]),
        asks: snap.asks.map(([p, a]) => [m.price(p), m.amount(a)]),
      }),
    );
  }

  private trade(m: Message, reqId: ReqId, started: number): void {
    const p = this.principal;
    if (p === null) return this.error(reqId, 'UNAUTHORIZED', 'send {"op":"auth","token":...} first');
    if (!p.scopes.has('trade')) return this.error(reqId, 'FORBIDDEN', 'token lacks the "trade" scope');
    const op = m.op;
    const done = () => this.ctx.stats.latency(performance.now() - started);
    if (op === 'order') {
      const { op: _op, reqId: _reqId, ...order } = m;
      this.ctx.entry.place(p.userId, order as unknown as OrderRequest).then(
        (result) => {
          const w = new JsonWriter(512).raw('{"type":"result","reqId":').raw(reqIdText(reqId)).raw(',');
          this.send(writePlaceOrderMembers(w, this.ctx.markets, result).raw('}').bytes());
          done();
        },
        (err: unknown) => this.fail(reqId, err),
      );
    } else if (op === 'cancel') {
      let cancelling: Promise<OrderView>;
      if (m.orderId !== undefined) {
        const id = parseOrderId(String(m.orderId));
        if (id === null) return this.error(reqId, 'NOT_FOUND', 'no such open order');
        cancelling = this.ctx.entry.cancel(p.userId, id);
      } else {
        cancelling = this.ctx.entry.cancelByClientOrderId(p.userId, m.clientOrderId as string);
      }
      cancelling.then(
        (order) => {
          this.send('{"type":"result","reqId":' + reqIdText(reqId) + ',"order":' + orderText(this.ctx.markets.get(order.pair)!, order) + '}');
          done();
        },
        (err: unknown) => this.fail(reqId, err),
      );
    } else if (op === 'batch') {
      this.ctx.entry.batch(p.userId, m.orders as OrderRequest[]).then(
        (outcomes) => {
          const w = new JsonWriter(512 * outcomes.length + 64).raw('{"type":"result","reqId":').raw(reqIdText(reqId)).raw(',"results":');
          this.send(writeBatchResults(w, this.ctx.markets, outcomes).raw('}').bytes());
          done();
        },
        (err: unknown) => this.fail(reqId, err),
      );
    } else if (op === 'cancelBatch') {
      this.ctx.entry.cancelBatch(p.userId, m.cancels as CancelRequest[]).then(
        (outcomes) => {
          const w = new JsonWriter(400 * outcomes.length + 64).raw('{"type":"result","reqId":').raw(reqIdText(reqId)).raw(',"results":');
          this.send(writeCancelResults(w, this.ctx.markets, outcomes).raw('}').bytes());
          done();
        },
        (err: unknown) => this.fail(reqId, err),
      );
    }
  }

  private fail(reqId: ReqId, err: unknown): void {
    const { error, internal } = toApiError(err);
    if (internal) this.ctx.log.error({ err }, 'WebSocket request failed');
    this.error(reqId, error.code, error.message);
  }

  private error(reqId: ReqId, code: ErrorCode, message: string): void {
    this.ctx.stats.rejection(code);
    this.send(JSON.stringify({ type: 'error', reqId, error: { code, message } }));
  }
}
