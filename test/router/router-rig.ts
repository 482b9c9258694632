/**
 * A test rig for the hybrid router: a Harness on a market with an AMM pool that keeps its own ledger
 * of what each asset's supply must be (deposits − withdrawals + initial reserves + liquidity changes)
 * and checks after every command that the books are sound, every asset is conserved and the pool's
 * k = baseReserve × quoteReserve did not fall on a trade.
 */
import assert from 'node:assert/strict';
import type { ConstantProductPool } from '../../src/engine/amm/uniswap-v2-math.js';
import type { CommandResult, EngineEvent, PlaceOrderResult } from '../../src/engine/events.js';
import type { MarketSpec } from '../../src/engine/market.js';
import { Harness, ok, type OrderOptions } from '../support/harness.js';
import { assertInvariants } from '../support/invariants.js';
import { holdings, kOf, marketsOf, PAIR, poolNow, specOf, type MarketShape } from './router-fixtures.js';

export class RouterRig {
  readonly h: Harness;
  readonly spec: MarketSpec;
  /** what engine.supply() must say, per asset */
  readonly ledger: Record<string, number> = {};
  private lastK: bigint;

  constructor(shape: MarketShape, pool: { baseReserve: bigint; quoteReserve: bigint; feeBps: number } | null) {
    this.h = new Harness(marketsOf(shape, pool));
    this.spec = specOf(this.h.engine);
    for (const a of this.h.engine.catalogue.assets) this.ledger[a.name] = 0;
    if (pool !== null) {
      this.ledger.IDX += Number(pool.baseReserve);
      this.ledger.USDC += Number(pool.quoteReserve);
    }
    this.lastK = pool === null ? 0n : kOf(this.pool());
    this.check();
  }

  get engine() {
    return this.h.engine;
  }

  get events(): EngineEvent[] {
    return this.h.events;
  }

  pool(): ConstantProductPool {
    return poolNow(this.h.engine);
  }

  deposit(userId: string, asset: string, amount: number): void {
    this.h.deposit(userId, asset, amount);
    this.ledger[asset] += amount;
    this.check();
  }

  withdraw(userId: string, asset: string, amount: number): CommandResult {
    const r = this.h.withdraw(userId, asset, amount);
    if (r.ok) this.ledger[asset] -= amount;
    this.check();
    return r;
  }

  liquidity(type: 'addLiquidity' | 'removeLiquidity', baseAmount: number, quoteAmount: number, pair = PAIR): CommandResult {
    const r = this.h.run({ type, pair, baseAmount, quoteAmount });
    if (r.ok) {
      const sign = type === 'addLiquidity' ? 1 : -1;
      this.ledger.IDX += sign * baseAmount;
      this.ledger.USDC += sign * quoteAmount;
      // the operator may lower k on purpose; trades may not
      this.lastK = kOf(this.pool());
    }
    this.check();
    return r;
  }

  place(userId: string, side: 'buy' | 'sell', o: OrderOptions & { orderType?: 'limit' | 'market' }): CommandResult {
    const r = this.h.place(userId, PAIR, side, o);
    this.check();
    return r;
  }

  limit(userId: string, side: 'buy' | 'sell', price: number, amount: number, o: OrderOptions = {}): PlaceOrderResult {
    return ok(this.place(userId, side, { price, amount, ...o }));
  }

  market(userId: string, side: 'buy' | 'sell', o: OrderOptions): PlaceOrderResult {
    return ok(this.place(userId, side, { orderType: 'market', ...o }));
  }

  bal(userId: string, asset: string): { available: number; locked: number } {
    return this.h.bal(userId, asset);
  }

  /** Invariants, conservation against the ledger, and k never falling outside liquidity changes. */
  check(): void {
    const engine = this.h.engine;
    assertInvariants(engine);
    const supply = engine.supply();
    assert.deepEqual(supply, this.ledger, 'supply = deposits − withdrawals + initial reserves + liquidity changes');
    assert.deepEqual(holdings(engine), supply, 'sum of all accounts + pool reserves = supply');
    if (engine.depth(PAIR)!.pool !== null) {
      const k = kOf(this.pool());
      assert.ok(k >= this.lastK, `k fell from ${this.lastK} to ${k}`);
      this.lastK = k;
    }
  }
}
