/**
 * Errors are thrown as ApiError and counted where they are sent (HTTP error handler, WebSocket), except
 * a batch's per-order errors, which are counted here.
 *
 * Everything that changes state goes through here, for HTTP and WebSocket alike: convert the request,
 * `sequencer.execute` it, and answer only once the journal holds it (`whenDurable(ackAfter)`). A batch
 * executes its orders one after another and waits once, for the last, so it costs one group commit.
 */
import { parseUnits } from '../engine/money/decimal.js';
import type { CommandResult } from '../engine/events.js';
import type { CommandInput, Sequencer } from '../sequencer/sequencer.js';
import { ApiError } from './api-error.js';
import type { ApiStats } from './api-stats.js';
import type { DurableFeed } from './durable-feed.js';
import type { Markets } from './markets.js';
import { toPlaceOrder, type OrderRequest } from './order-request.js';
import { errorMembers, orderText, placeOrderMembers } from './json-text.js';
import { balancesJson } from './views.js';

export interface FundingJson {
  userId: string;
  asset: string;
  balance: { available: string; locked: string };
}

export class OrderEntry {
  constructor(
    private readonly sequencer: Sequencer,
    private readonly markets: Markets,
    private readonly stats: ApiStats,
    private readonly feed: DurableFeed,
  ) {}

  /** The result's JSON members (no braces: HTTP wraps them, WebSocket puts type and reqId first). */
  async place(userId: string, body: OrderRequest): Promise<string> {
    this.stats.countRate(1);
    const { result, ackAfter } = this.placeNow(userId, body);
    await this.durable(ackAfter);
    if (result instanceof ApiError) throw result;
    return result;
  }

  /** One JSON object per order: {"ok":true,...body} or {"ok":false,"error":{...}}. */
  async batch(userId: string, bodies: readonly OrderRequest[]): Promise<string[]> {
    const results: string[] = new Array(bodies.length);
    this.stats.countRate(bodies.length);
    let last = 0;
    for (let i = 0; i < bodies.length; i++) {
      const { result, ackAfter } = this.placeNow(userId, bodies[i]);
      if (ackAfter > last) last = ackAfter;
      if (result instanceof ApiError) {
        this.stats.rejection(result.code);
        results[i] = '{"ok":false,' + errorMembers(result.code, result.message) + '}';
      } else {
        results[i] = '{"ok":true,' + result + '}';
      }
    }
    await this.durable(last);
    return results;
  }

  /** `"order":{...}` of the cancelled order (members, as for place). */
  async cancel(userId: string, orderId: number): Promise<string> {
    const r = await this.run({ type: 'cancelOrder', userId, orderId });
    if (!('order' in r)) throw new Error('cancelOrder returned no order');
    return '"order":' + orderText(this.markets.get(r.order.pair)!, r.order);
  }

  async cancelAll(userId: string, pair: string | null): Promise<{ cancelled: string[] }> {
    const r = await this.run({ type: 'cancelAll', userId, pair });
    if (!('cancelled' in r)) throw new Error('cancelAll returned no list');
    return { cancelled: r.cancelled.map(String) };
  }

  async fund(kind: 'deposit' | 'withdraw', userId: string, asset: string, amount: unknown): Promise<FundingJson> {
    if (this.markets.decimalsOf(asset) === undefined) throw new ApiError('VALIDATION_ERROR', `unknown asset ${asset}`);
    const atoms = this.markets.parseAsset(asset, amount);
    if (atoms === null) {
      const decimals = this.markets.decimalsOf(asset);
      throw new ApiError('INVALID_AMOUNT', `amount must be a positive decimal with at most ${decimals} decimals`);
    }
    const r = await this.run({ type: kind, userId, asset, amount: atoms });
    if (!('available' in r)) throw new Error(`${kind} returned no balance`);
    const balance = balancesJson(this.markets, { [asset]: r })[asset];
    return { userId, asset, balance };
  }

  /**
   * Adds to or takes from a market's AMM pool (operators only). Amounts are decimal strings at the
   * assets' decimals, either may be 0; returns the new reserves in atoms.
   */
  async changeLiquidity(
    action: 'add' | 'remove',
    pair: string,
    baseAmount: unknown,
    quoteAmount: unknown,
  ): Promise<{ baseReserve: number; quoteReserve: number }> {
    const m = this.markets.get(pair);
    if (m === undefined) throw new ApiError('UNKNOWN_PAIR', `unknown pair ${pair}`);
    const base = parseUnits(baseAmount, m.baseDecimals);
    const quote = parseUnits(quoteAmount, m.quoteDecimals);
    if (base === null || quote === null) {
      throw new ApiError('INVALID_AMOUNT', `amounts must be decimals with at most ${m.baseDecimals} (base) and ${m.quoteDecimals} (quote) decimals`);
    }
    const r = await this.run({ type: action === 'add' ? 'addLiquidity' : 'removeLiquidity', pair, baseAmount: base, quoteAmount: quote });
    if (!('pool' in r)) throw new Error('changeLiquidity returned no pool');
    return r.pool;
  }

  /** Executes one order now (no waiting); the caller must wait for `ackAfter` before telling anyone. */
  private placeNow(userId: string, body: OrderRequest): { result: string | ApiError; ackAfter: number } {
    const cmd = toPlaceOrder(this.markets, userId, body);
    if (cmd instanceof ApiError) {
      this.stats.order(body.type, 'rejected');
      // answered after what came before is durable, like an engine refusal
      return { result: cmd, ackAfter: this.sequencer.lastSeq };
    }
    const executed = this.sequencer.execute(cmd);
    const r = executed.result;
    if (!r.ok) {
      this.stats.order(body.type, 'rejected');
      return { result: new ApiError(r.code, r.message), ackAfter: executed.ackAfter };
    }
    if (!('fills' in r)) throw new Error('placeOrder returned no fills');
    this.stats.order(body.type, r.order.status);
    return { result: placeOrderMembers(this.markets, r), ackAfter: executed.ackAfter };
  }

  private async run(cmd: CommandInput): Promise<Exclude<CommandResult, { ok: false }>> {
    const executed = this.sequencer.execute(cmd);
    await this.durable(executed.ackAfter);
    const r = executed.result;
    if (!r.ok) throw new ApiError(r.code, r.message);
    return r;
  }

  private durable(seq: number): Promise<void> {
    return this.feed.settle(seq);
  }
}
