/** Single orders and cancels over HTTP/1.1 keep-alive, `connections` sockets shared by every user. */
import { errorCode, HttpClient } from './http-client.js';
import type { Op } from './order-flow.js';
import { errorOutcome, okOutcome, thrownOutcome, type Transport, type TransportOutcome } from './transport.js';

export const ORDERS_PATH = '/api/trading/v2/orders';

export class HttpTransport implements Transport {
  readonly kind = 'http' as const;
  private readonly client: HttpClient;

  constructor(url: string, connections: number, timeoutMs: number, private readonly tokens: readonly string[]) {
    this.client = new HttpClient(url, connections, timeoutMs);
  }

  async send(op: Op): Promise<TransportOutcome> {
    return sendOne(this.client, this.tokens[op.user], op);
  }

  async close(): Promise<void> {
    this.client.close();
  }
}

export async function sendOne(client: HttpClient, token: string, op: Op): Promise<TransportOutcome> {
  try {
    const reply =
      op.kind === 'cancel'
        ? await client.send('DELETE', `${ORDERS_PATH}/${encodeURIComponent(op.orderId)}`, token)
        : await client.send('POST', ORDERS_PATH, token, op.body);
    return reply.status >= 200 && reply.status < 300 ? okOutcome(reply.body) : errorOutcome(op, errorCode(reply));
  } catch (err) {
    return thrownOutcome(err);
  }
}
