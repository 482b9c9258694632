/**
 * The WebSocket server on /ws (same port: the HTTP server's upgrade event) and the fan-out of durable
 * events to subscribers: `book:PAIR` diffs, `trades:PAIR`, and each user's own `orders`. Every message is
 * serialised once and sent to all its subscribers.
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { BookEvent, EngineEvent, OrderView, TradeEvent } from '../../engine/events.js';
import type { AppContext } from '../context.js';
import { orderText } from '../json-text.js';
import { tradeJson } from '../views.js';
import { serializeTrade } from './ws-messages.js';
import { WsSession } from './ws-session.js';

export const WS_PATH = '/ws';

export class WsHub {
  private readonly wss: WebSocketServer;
  private readonly sessions = new Set<WsSession>();
  private readonly book = new Map<string, Set<WsSession>>();
  private readonly trades = new Map<string, Set<WsSession>>();
  private readonly orders = new Map<string, Set<WsSession>>();
  private closing = false;

  constructor(private readonly ctx: AppContext, server: Server) {
    this.wss = new WebSocketServer({ noServer: true, maxPayload: ctx.config.bodyLimitBytes, perMessageDeflate: false });
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.upgrade(req, socket, head));
    ctx.feed.add((_seq, events) => this.publish(events));
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const path = (req.url ?? '').split('?')[0];
    if (path !== WS_PATH || this.closing) {
      const body = JSON.stringify({ error: { code: 'NOT_FOUND', message: `no WebSocket endpoint at ${path.slice(0, 100)}` } });
      socket.end(`HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
      const session = new WsSession(this.ctx, this, ws, req.socket.remoteAddress ?? 'unknown');
      this.sessions.add(session);
      this.ctx.stats.wsClients = this.sessions.size;
      ws.on('close', () => this.forget(session));
    });
  }

  /** Subscribes a session; returns an error text for a channel that does not exist. */
  subscribe(session: WsSession, channel: string): string | null {
    const [kind, pair] = splitChannel(channel);
    if (kind === 'orders' && pair === null) {
      if (session.principal === null) return 'the orders channel needs {"op":"auth"} first';
      join(this.orders, session.principal.userId, session);
      return null;
    }
    if ((kind === 'book' || kind === 'trades') && pair !== null && this.ctx.markets.get(pair) !== undefined) {
      join(kind === 'book' ? this.book : this.trades, pair, session);
      return null;
    }
    return `unknown channel ${channel}`;
  }

  unsubscribe(session: WsSession, channel: string): void {
    const [kind, pair] = splitChannel(channel);
    if (kind === 'orders' && session.principal !== null) leave(this.orders, session.principal.userId, session);
    else if (kind === 'book' && pair !== null) leave(this.book, pair, session);
    else if (kind === 'trades' && pair !== null) leave(this.trades, pair, session);
  }

  forget(session: WsSession): void {
    if (!this.sessions.delete(session)) return;
    for (const channel of session.channels) this.unsubscribe(session, channel);
    this.ctx.stats.wsClients = this.sessions.size;
  }

  private publish(events: readonly EngineEvent[]): void {
    for (const e of events) {
      if (e.type === 'book') this.sendBook(e);
      else if (e.type === 'trade') this.sendTrade(e);
      else if (e.type === 'orderAccepted' || e.type === 'orderUpdated') this.sendOrder(e.order);
    }
  }

  private sendBook(e: BookEvent): void {
    const subs = this.book.get(e.pair);
    if (subs === undefined || subs.size === 0) return;
    const m = this.ctx.markets.get(e.pair)!;
    const text = JSON.stringify({
      type: 'book',
      pair: e.pair,
      seq: e.seq,
      snapshot: false,
      bids: e.bids.map(([p, a]) => [m.price(p), m.amount(a)]),
      asks: e.asks.map(([p, a]) => [m.price(p), m.amount(a)]),
    });
    for (const s of subs) s.send(text);
  }

  private sendTrade(e: TradeEvent): void {
    const subs = this.trades.get(e.pair);
    if (subs === undefined || subs.size === 0) return;
    const text = serializeTrade({ type: 'trade', pair: e.pair, ...tradeJson(this.ctx.markets.get(e.pair)!, e) });
    for (const s of subs) s.send(text);
  }

  private sendOrder(view: OrderView): void {
    const subs = this.orders.get(view.userId);
    if (subs === undefined || subs.size === 0) return;
    const text = '{"type":"order","order":' + orderText(this.ctx.markets.get(view.pair)!, view) + '}';
    for (const s of subs) s.send(text);
  }

  /** Closes every connection (1001 going away); those that do not finish the handshake are cut. */
  async close(): Promise<void> {
    this.closing = true;
    for (const s of this.sessions) s.close(1001, 'server shutting down');
    const deadline = Date.now() + 1000;
    while (this.sessions.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    for (const s of this.sessions) s.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}

function splitChannel(channel: string): [string, string | null] {
  const colon = channel.indexOf(':');
  return colon < 0 ? [channel, null] : [channel.slice(0, colon), channel.slice(colon + 1)];
}

function join(map: Map<string, Set<WsSession>>, key: string, session: WsSession): void {
  let set = map.get(key);
  if (set === undefined) map.set(key, (set = new Set()));
  set.add(session);
}

function leave(map: Map<string, Set<WsSession>>, key: string, session: WsSession): void {
  const set = map.get(key);
  if (set === undefined) return;
  set.delete(session);
  if (set.size === 0) map.delete(key);
}
