/**
 * Orders through POST /api/trading/v2/batch. A batch belongs to one user (one token), so consecutive
 * orders of the same user are gathered until `batchSize`, until an order of another user arrives, or until
 * `windowMs` after the first one, whichever is first; the batch's answer resolves each of its orders.
 * The batch endpoint carries no cancels: those go as single DELETEs on the same connections.
 */
import { errorCode, HttpClient } from './http-client.js';
import type { Op } from './order-flow.js';
import { errorOutcome, okOutcome, thrownOutcome, type Transport, type TransportOutcome } from './transport.js';
import { sendOne } from './transport-http.js';

export const BATCH_PATH = '/api/trading/v2/batch';

interface Pending {
  readonly op: Op & { kind: 'limit' | 'market' };
  readonly resolve: (outcome: TransportOutcome) => void;
}

export class BatchTransport implements Transport {
  readonly kind = 'batch' as const;
  private readonly client: HttpClient;
  private current: Pending[] = [];
  private currentUser = -1;
  private timer: NodeJS.Timeout | null = null;
  /** batches sent so far */
  batches = 0;

  constructor(
    url: string,
    connections: number,
    timeoutMs: number,
    private readonly tokens: readonly string[],
    private readonly batchSize: number,
    private readonly windowMs: number,
  ) {
    this.client = new HttpClient(url, connections, timeoutMs);
  }

  send(op: Op): Promise<TransportOutcome> {
    if (op.kind === 'cancel') return sendOne(this.client, this.tokens[op.user], op);
    if (op.user !== this.currentUser) this.flush();
    return new Promise((resolve) => {
      this.currentUser = op.user;
      this.current.push({ op, resolve });
      if (this.current.length >= this.batchSize) this.flush();
      else if (this.timer === null) this.timer = setTimeout(() => this.flush(), this.windowMs);
    });
  }

  private flush(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    const batch = this.current;
    const user = this.currentUser;
    this.current = [];
    this.currentUser = -1;
    if (batch.length === 0) return;
    this.batches++;
    void this.post(user, batch);
  }

  private async post(user: number, batch: Pending[]): Promise<void> {
    try {
      const reply = await this.client.send('POST', BATCH_PATH, this.tokens[user], { orders: batch.map((p) => p.op.body) });
      if (reply.status !== 200 || !Array.isArray(reply.body?.results)) {
        const code = errorCode(reply);
        for (const p of batch) p.resolve(errorOutcome(p.op, code));
        return;
      }
      const results: any[] = reply.body.results;
      batch.forEach((p, i) => {
        const r = results[i];
        if (r?.ok === true) p.resolve(okOutcome(r));
        else p.resolve(errorOutcome(p.op, typeof r?.error?.code === 'string' ? r.error.code : 'MISSING_RESULT'));
      });
    } catch (err) {
      const outcome = thrownOutcome(err);
      for (const p of batch) p.resolve(outcome);
    }
  }

  async close(): Promise<void> {
    this.flush();
    this.client.close();
  }
}
