/**
 * Errors are thrown as ApiError and counted where they are sent (HTTP error handler, WebSocket), except
 * the per-entry errors of a batch (of orders or of cancels), which are counted here.
 *
 * Everything that changes state goes through here, for HTTP and WebSocket alike: convert the request,
 * hand it to the backend, and answer once the backend says it is durable. A batch (of orders or of
 * cancels) goes to the backend as one list, so on the journal it costs one group commit.
 */
import { parseUnits } from '../engine/money/decimal.js';
import type { CommandResult, OrderView, PlaceOrderResult } from '../engine/events.js';
import type { CommandInput } from '../sequencer/sequencer.js';
import { ApiError } from './api-error.js';
import type { ApiStats } from './api-stats.js';
import type { Backend } from './backend.js';
import { toCancels, type CancelRequest } from './cancel-request.js';
import type { Markets } from './markets.js';
import { toPlaceOrder, type OrderRequest } from './order-request.js';
import { balancesJson } from './views.js';

export type BatchOutcome = PlaceOrderResult | ApiError;
/** a cancel's cancelled order, or why it was not cancelled */
export type CancelOutcome = OrderView | ApiError;

export interface FundingJson {
  userId: string;
  asset: string;
  balance: { available: string; locked: string };
}

export class OrderEntry {
  constructor(
    private readonly backend: Backend,
    private readonly markets: Markets,
    private readonly stats: ApiStats,
  ) {}

  /** The order's result; a rejection is thrown as ApiError. */
  async place(userId: string, body: OrderRequest): Promise<PlaceOrderResult> {
    this.stats.countRate(1);
    const cmd = toPlaceOrder(this.markets, userId, body);
    // a request refused here is answered after what came before is durable, like an engine refusal
    const [result] = await this.backend.executeAll(cmd instanceof ApiError ? [] : [cmd]);
    const outcome = this.outcome(body, cmd instanceof ApiError ? cmd : result);
    if (outcome instanceof ApiError) throw outcome;
    return outcome;
  }

  /** Each order's result or rejection, in order (write them with writeBatchResults). */
  async batch(userId: string, bodies: readonly OrderRequest[]): Promise<BatchOutcome[]> {
    this.stats.countRate(bodies.length);
    const results = await this.executeConverted(bodies.map((body) => toPlaceOrder(this.markets, userId, body)));
    const outcomes: BatchOutcome[] = new Array(bodies.length);
    for (let i = 0; i < bodies.length; i++) {
      const outcome = this.outcome(bodies[i], results[i]);
      if (outcome instanceof ApiError) this.stats.rejection(outcome.code);
      outcomes[i] = outcome;
    }
    return outcomes;
  }

  /**
   * Each cancel's cancelled order or rejection, in order (write them with writeCancelResults); a batch
   * with a cancel naming no order or two is refused whole (VALIDATION_ERROR), before any runs.
   */
  async cancelBatch(userId: string, cancels: readonly CancelRequest[]): Promise<CancelOutcome[]> {
    const results = await this.executeConverted(toCancels(userId, cancels));
    const outcomes: CancelOutcome[] = new Array(cancels.length);
    for (let i = 0; i < cancels.length; i++) {
      const r = results[i];
      let outcome: CancelOutcome;
      if (r instanceof ApiError) outcome = r;
      else if (!r.ok) outcome = new ApiError(r.code, r.message);
      else if ('order' in r) outcome = r.order;
      else throw new Error('cancel returned no order');
      // counted as the single cancel's error answer is
      if (outcome instanceof ApiError) this.stats.rejection(outcome.code);
      outcomes[i] = outcome;
    }
    return outcomes;
  }

  /** The cancelled order. */
  async cancel(userId: string, orderId: number): Promise<OrderView> {
    const r = await this.run({ type: 'cancelOrder', userId, orderId });
    if (!('order' in r)) throw new Error('cancelOrder returned no order');
    return r.order;
  }

  /**
   * The cancelled order: the caller's open order with this clientOrderId, found when the command runs in
   * sequence (so a cancel sent right after its placement finds it); NOT_FOUND when there is none.
   */
  async cancelByClientOrderId(userId: string, clientOrderId: string): Promise<OrderView> {
    const r = await this.run({ type: 'cancelByClientOrderId', userId, clientOrderId });
    if (!('order' in r)) throw new Error('cancelByClientOrderId returned no order');
    return r.order;
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

  /** An order's result, or the error to answer with; counted in the stats. */
  private outcome(body: OrderRequest, r: CommandResult | ApiError): BatchOutcome {
    if (r instanceof ApiError) {
      this.stats.order(body.type, 'rejected');
      return r;
    }
    if (!r.ok) {
      this.stats.order(body.type, 'rejected');
      return new ApiError(r.code, r.message);
    }
    if (!('fills' in r)) throw new Error('placeOrder returned no fills');
    this.stats.order(body.type, r.order.status);
    return r;
  }

  /**
   * Runs the commands among `converted` in one executeAll (one group commit on the journal); each entry's
   * result, or its conversion error, in input order.
   */
  private async executeConverted(converted: ReadonlyArray<CommandInput | ApiError>): Promise<Array<CommandResult | ApiError>> {
    const valid = converted.filter((c): c is CommandInput => !(c instanceof ApiError));
    const results = await this.backend.executeAll(valid);
    let next = 0;
    return converted.map((c) => (c instanceof ApiError ? c : results[next++]));
  }

  private async run(cmd: CommandInput): Promise<Exclude<CommandResult, { ok: false }>> {
    const [r] = await this.backend.executeAll([cmd]);
    if (!r.ok) throw new ApiError(r.code, r.message);
    return r;
  }
}
