/**
 * Everything a load test needs from the server before and after its phases: the market and its grids,
 * tokens for the load users (minted with the JWT secret, or the one token given), funding them through the
 * admin API (topping each up to a target, so repeated runs do not pile up balances), the current mid, the
 * server's own performance figures, and cancelling the users' resting orders at the end.
 */
import { signToken } from '../api/auth.js';
import { MarketGrid, type MarketInfo } from './grid.js';
import { HttpClient } from './http-client.js';

export interface Credentials {
  /** HOOATS_JWT_SECRET: mints a token per load user and an admin token */
  readonly secret: string | null;
  /** one ready token (single user; needs `admin` too for funding) */
  readonly token: string | null;
}

export interface LoadUsers {
  readonly ids: readonly string[];
  readonly tokens: readonly string[];
  readonly adminToken: string | null;
}

export interface ServerPerformance {
  readonly orders: number | null;
  readonly trades: number | null;
  readonly p50: number | null;
  readonly p99: number | null;
  readonly peak: number | null;
}

const CONTROL_CONNECTIONS = 8;

export class ServerControl {
  readonly http: HttpClient;

  constructor(readonly url: string, timeoutMs: number) {
    this.http = new HttpClient(url, CONTROL_CONNECTIONS, timeoutMs);
  }

  async health(): Promise<any> {
    const reply = await this.http.send('GET', '/api/health', null);
    return reply.body;
  }

  async market(pair: string | null): Promise<MarketInfo> {
    const { markets } = (await this.http.json('GET', '/api/trading/v2/markets', null)) as { markets: MarketInfo[] };
    if (!Array.isArray(markets) || markets.length === 0) throw new Error('the server lists no markets');
    if (pair !== null) {
      const m = markets.find((x) => x.pair === pair);
      if (m === undefined) throw new Error(`pair ${pair} is not listed (markets: ${markets.map((x) => x.pair).join(', ')})`);
      return m;
    }
    return markets.find((m) => m.amm !== null) ?? markets[0];
  }

  /**
   * The price orders should gather around, in ticks: the book's mid when both sides have orders, else
   * the AMM price, else the one best price there is; null for an empty market without a pool.
   */
  async midTicks(grid: MarketGrid): Promise<number | null> {
    const book = await this.http.json('GET', `/api/orderbook/${encodeURIComponent(grid.info.pair)}?depth=1`, null);
    const bid = book.bids?.[0]?.[0];
    const ask = book.asks?.[0]?.[0];
    if (bid !== undefined && ask !== undefined) return (grid.price.nearest(bid) + grid.price.nearest(ask)) / 2;
    if (book.amm?.price != null) return grid.price.nearest(book.amm.price);
    if (bid !== undefined) return grid.price.nearest(bid);
    if (ask !== undefined) return grid.price.nearest(ask);
    return null;
  }

  async performance(): Promise<ServerPerformance | null> {
    try {
      const m = await this.http.json('GET', '/api/performance/metrics', null);
      const num = (v: unknown) => (typeof v === 'number' ? v : null);
      return { orders: num(m.counts?.orders), trades: num(m.counts?.trades), p50: num(m.latencyMs?.p50), p99: num(m.latencyMs?.p99), peak: num(m.ordersPerSecond?.peak) };
    } catch {
      return null;
    }
  }

  async users(credentials: Credentials, count: number, prefix: string): Promise<LoadUsers> {
    if (credentials.secret !== null) {
      const ids = Array.from({ length: count }, (_, i) => `${prefix}${i}`);
      const tokens = await Promise.all(ids.map((id) => signToken(credentials.secret!, id, ['trade'], 6 * 3600)));
      const adminToken = await signToken(credentials.secret, `${prefix}admin`, ['admin'], 6 * 3600);
      return { ids, tokens, adminToken };
    }
    if (credentials.token !== null) {
      const claims = decodeClaims(credentials.token);
      const scopes = String(claims.scope ?? '').split(' ');
      return { ids: [String(claims.sub)], tokens: [credentials.token], adminToken: scopes.includes('admin') ? credentials.token : null };
    }
    throw new Error('give --secret (or HOOATS_JWT_SECRET) to mint tokens, or --token');
  }

  /** Tops every user up to `target` of each asset (available + locked), `concurrency` deposits at a time. */
  async fund(users: LoadUsers, target: Record<string, number>, concurrency = CONTROL_CONNECTIONS): Promise<number> {
    if (users.adminToken === null) throw new Error('funding needs a token with the admin scope (or use --no-fund)');
    const admin = users.adminToken;
    let deposits = 0;
    await forEachLimited(users.ids, concurrency, async (userId) => {
      const { balances } = await this.http.json('GET', `/api/admin/balances/${encodeURIComponent(userId)}`, admin);
      for (const [asset, want] of Object.entries(target)) {
        const have = Number(balances?.[asset]?.available ?? 0) + Number(balances?.[asset]?.locked ?? 0);
        const missing = Math.ceil(want - have);
        if (missing <= 0) continue;
        await this.http.json('POST', '/api/admin/deposits', admin, { userId, asset, amount: String(missing) });
        deposits++;
      }
    });
    return deposits;
  }

  /** Cancels every resting order of the load users in the pair; returns how many were cancelled. */
  async cancelAll(users: LoadUsers, pair: string): Promise<number> {
    let cancelled = 0;
    await forEachLimited(users.tokens, CONTROL_CONNECTIONS, async (token) => {
      const body = await this.http.json('DELETE', `/api/trading/v2/orders?pair=${encodeURIComponent(pair)}`, token);
      cancelled += Array.isArray(body?.cancelled) ? body.cancelled.length : 0;
    });
    return cancelled;
  }

  close(): void {
    this.http.close();
  }
}

function decodeClaims(token: string): Record<string, unknown> {
  const part = token.split('.')[1];
  if (part === undefined) throw new Error('--token is not a JWT');
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    throw new Error('--token is not a JWT');
  }
}

export async function forEachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
