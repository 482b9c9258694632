/**
 * A slow, plain reference implementation of the engine's command semantics, for differential tests.
 * Written from shared/API.md and the rules in the engine's brief, not from the engine's code: resting
 * orders are one plain array per market side in arrival order, the best maker is found by a scan for
 * the smallest (price, id) key, fill-or-kill is decided by running the order on a deep copy of the
 * state, and fees use bigint. Only the market scales (ticks, lots, atoms) come from the engine's
 * catalogue (market.ts has its own tests).
 *
 * Events follow the engine's contract: orderAccepted, then per step (self-trade cancel | trade + maker
 * update), then the taker's update (none when it rests with nothing filled); then one balance event per (account, asset) changed, in the order
 * first changed, with its final value; then one book diff per market changed, listing each changed
 * level once (in the order first changed) with its final total.
 */
import type {
  CancelAllCommand,
  CancelByClientOrderIdCommand,
  CancelOrderCommand,
  Command,
  DepositCommand,
  PlaceOrderCommand,
  SelfTradePrevention,
  Side,
  TimeInForce,
  WithdrawCommand,
} from '../../src/engine/commands.js';
import type { CancelReason, CommandResult, EngineEvent, Fill, OrderStatus, OrderView } from '../../src/engine/events.js';
import { buildCatalogue, type MarketConfig, type MarketSpec } from '../../src/engine/market.js';
import type { ErrorCode, Rejection } from '../../src/errors.js';

const MAX = Number.MAX_SAFE_INTEGER;
const FEES = 'fees';

interface RefOrder {
  id: number;
  userId: string;
  side: Side;
  price: number;
  amount: number;
  remaining: number;
  postOnly: boolean;
  clientOrderId: string | null;
  createdAt: number;
}

interface RefAccount {
  userId: string;
  available: number[];
  locked: number[];
}

interface RefMarket {
  spec: MarketSpec;
  seq: number;
  /** resting orders in arrival order */
  bids: RefOrder[];
  asks: RefOrder[];
}

interface RefState {
  accounts: RefAccount[];
  markets: RefMarket[];
  supply: number[];
  nextOrderId: number;
  nextTradeId: number;
}

/** What one command is doing: its events and the balances and levels it changed. */
interface Ctx {
  time: number;
  events: EngineEvent[];
  balances: Array<[string, number]>;
  levels: Array<[number, Side, number]>;
}

function rejection(code: ErrorCode): Rejection {
  return { ok: false, code, message: code };
}

function feeOf(atoms: number, bps: number): number {
  const f = (BigInt(atoms) * BigInt(bps) + 9999n) / 10000n;
  return Number(f);
}

export class ReferenceEngine {
  private st: RefState;
  private readonly assets: string[];

  constructor(configs: readonly MarketConfig[]) {
    const catalogue = buildCatalogue(configs);
    this.assets = catalogue.assets.map((a) => a.name);
    this.st = {
      accounts: [{ userId: FEES, available: this.assets.map(() => 0), locked: this.assets.map(() => 0) }],
      markets: catalogue.markets.map((spec) => ({ spec, seq: 0, bids: [], asks: [] })),
      supply: this.assets.map(() => 0),
      nextOrderId: 1,
      nextTradeId: 1,
    };
  }

  execute(cmd: Command, out: EngineEvent[]): CommandResult {
    const ctx: Ctx = { time: cmd.time, events: [], balances: [], levels: [] };
    let result: CommandResult;
    switch (cmd.type) {
      case 'placeOrder':
        result = this.place(cmd, ctx);
        break;
      case 'cancelOrder':
        result = this.cancel(cmd, ctx);
        break;
      case 'cancelByClientOrderId':
        result = this.cancelByClientOrderId(cmd, ctx);
        break;
      case 'cancelAll':
        result = this.cancelAll(cmd, ctx);
        break;
      case 'deposit':
        result = this.deposit(cmd, ctx);
        break;
      case 'withdraw':
        result = this.withdraw(cmd, ctx);
        break;
      default:
        result = rejection('VALIDATION_ERROR');
    }
    this.flush(ctx);
    out.push(...ctx.events);
    return result;
  }

  // --- reads ---

  depth(pair: string): { seq: number; bids: Array<[number, number]>; asks: Array<[number, number]> } | null {
    const m = this.st.markets.find((x) => x.spec.pair === pair);
    if (m === undefined) return null;
    return { seq: m.seq, bids: aggregate(m.bids, 'buy'), asks: aggregate(m.asks, 'sell') };
  }

  balances(userId: string): Record<string, { available: number; locked: number }> {
    const acc = this.account(userId);
    const out: Record<string, { available: number; locked: number }> = {};
    this.assets.forEach((name, a) => (out[name] = { available: acc?.available[a] ?? 0, locked: acc?.locked[a] ?? 0 }));
    return out;
  }

  userIds(): string[] {
    return this.st.accounts.map((a) => a.userId);
  }

  supply(): Record<string, number> {
    return Object.fromEntries(this.assets.map((name, a) => [name, this.st.supply[a]]));
  }

  openOrderIds(): number[] {
    return this.st.markets.flatMap((m) => [...m.bids, ...m.asks].map((o) => o.id)).sort((a, b) => a - b);
  }

  // --- commands ---

  private deposit(cmd: DepositCommand, ctx: Ctx): CommandResult {
    const a = this.assets.indexOf(cmd.asset);
    if (a < 0) return rejection('VALIDATION_ERROR');
    if (typeof cmd.userId !== 'string' || cmd.userId === '') return rejection('VALIDATION_ERROR');
    if (!Number.isSafeInteger(cmd.amount) || cmd.amount <= 0) return rejection('INVALID_AMOUNT');
    if (BigInt(this.st.supply[a]) + BigInt(cmd.amount) > BigInt(MAX)) return rejection('INVALID_AMOUNT');
    const acc = this.accountOrCreate(cmd.userId);
    acc.available[a] += cmd.amount;
    this.st.supply[a] += cmd.amount;
    touch(ctx, acc.userId, a);
    return { ok: true, available: acc.available[a], locked: acc.locked[a] };
  }

  private withdraw(cmd: WithdrawCommand, ctx: Ctx): CommandResult {
    const a = this.assets.indexOf(cmd.asset);
    if (a < 0) return rejection('VALIDATION_ERROR');
    if (!Number.isSafeInteger(cmd.amount) || cmd.amount <= 0) return rejection('INVALID_AMOUNT');
    const acc = this.account(cmd.userId);
    if (acc === undefined || acc.available[a] < cmd.amount) return rejection('INSUFFICIENT_BALANCE');
    acc.available[a] -= cmd.amount;
    this.st.supply[a] -= cmd.amount;
    touch(ctx, acc.userId, a);
    return { ok: true, available: acc.available[a], locked: acc.locked[a] };
  }

  private cancel(cmd: CancelOrderCommand, ctx: Ctx): CommandResult {
    for (let mi = 0; mi < this.st.markets.length; mi++) {
      const m = this.st.markets[mi];
      const o = m.bids.find((x) => x.id === cmd.orderId) ?? m.asks.find((x) => x.id === cmd.orderId);
      if (o === undefined) continue;
      if (o.userId !== cmd.userId) return rejection('NOT_FOUND');
      const view = this.cancelResting(mi, o, 'user', ctx);
      return { ok: true, order: view };
    }
    return rejection('NOT_FOUND');
  }

  private cancelByClientOrderId(cmd: CancelByClientOrderIdCommand, ctx: Ctx): CommandResult {
    for (let mi = 0; mi < this.st.markets.length; mi++) {
      const m = this.st.markets[mi];
      const o = [...m.bids, ...m.asks].find((x) => x.userId === cmd.userId && x.clientOrderId === cmd.clientOrderId);
      if (o !== undefined) return { ok: true, order: this.cancelResting(mi, o, 'user', ctx) };
    }
    return rejection('NOT_FOUND');
  }

  private cancelAll(cmd: CancelAllCommand, ctx: Ctx): CommandResult {
    let only = -1;
    if (cmd.pair !== null) {
      only = this.st.markets.findIndex((m) => m.spec.pair === cmd.pair);
      if (only < 0) return rejection('UNKNOWN_PAIR');
    }
    const victims: Array<[number, RefOrder]> = [];
    this.st.markets.forEach((m, mi) => {
      if (only >= 0 && mi !== only) return;
      for (const o of [...m.bids, ...m.asks]) if (o.userId === cmd.userId) victims.push([mi, o]);
    });
    victims.sort((x, y) => x[1].id - y[1].id);
    for (const [mi, o] of victims) this.cancelResting(mi, o, 'user', ctx);
    return { ok: true, cancelled: victims.map(([, o]) => o.id) };
  }

  private place(cmd: PlaceOrderCommand, ctx: Ctx): CommandResult {
    const mi = this.st.markets.findIndex((m) => m.spec.pair === cmd.pair);
    if (mi < 0) return rejection('UNKNOWN_PAIR');
    const spec = this.st.markets[mi].spec;
    const v = validate(cmd, spec);
    if ('ok' in v) return v;
    if (typeof cmd.userId !== 'string' || cmd.userId === '') return rejection('VALIDATION_ERROR');
    if (v.clientOrderId !== null && this.openOrdersOf(cmd.userId).some((o) => o.clientOrderId === v.clientOrderId)) {
      return rejection('DUPLICATE_CLIENT_ORDER_ID');
    }
    const lockAsset = v.side === 'buy' ? spec.quoteAsset : spec.baseAsset;
    if (v.lock > 0 && (this.account(cmd.userId)?.available[lockAsset] ?? 0) < v.lock) return rejection('INSUFFICIENT_BALANCE');

    this.accountOrCreate(cmd.userId);
    const taker: Taker = {
      ...v,
      id: this.st.nextOrderId++,
      userId: cmd.userId,
      pair: spec.pair,
      filled: 0,
      budget: v.quoteAmount ?? 0,
      createdAt: ctx.time,
    };
    ctx.events.push({ type: 'orderAccepted', order: takerView(taker, 'open', null) });

    const arrival = this.st.markets[mi];
    const opposite = v.side === 'buy' ? arrival.asks : arrival.bids;
    const best = bestOf(opposite, v.side === 'buy' ? 'sell' : 'buy');
    // bound: the worst price the taker may trade at
    let bound = v.isMarket ? (v.side === 'buy' ? Infinity : 0) : v.price;
    let boundIsSlippage = false;
    if (v.maxSlippageBps !== null && best !== null) {
      const move = Number((BigInt(best.price) * BigInt(v.maxSlippageBps)) / 10_000n);
      const slip = v.side === 'buy' ? best.price + move : best.price - move;
      if (v.side === 'buy' ? slip < bound : slip > bound) {
        bound = slip;
        boundIsSlippage = true;
      }
    }

    if (v.postOnly && best !== null && (v.side === 'buy' ? best.price <= v.price : best.price >= v.price)) {
      return this.end(taker, [], 'cancelled', 'post_only_would_take', ctx);
    }
    if (v.timeInForce === 'FOK') {
      // run it on a copy: fully filled there, or nothing happens here
      const saved = structuredClone(this.st);
      const trial: Ctx = { time: ctx.time, events: [], balances: [], levels: [] };
      const trialTaker = { ...taker };
      this.lock(trialTaker, mi, trial);
      this.take(trialTaker, mi, bound, boundIsSlippage, trial);
      const ok = trialTaker.filled === trialTaker.amount;
      this.st = saved;
      if (!ok) return this.end(taker, [], 'cancelled', 'fok_not_fillable', ctx);
    }
    this.lock(taker, mi, ctx);
    const { stop, fills } = this.take(taker, mi, bound, boundIsSlippage, ctx);
    const book = this.st.markets[mi];

    let status: OrderStatus;
    let reason: CancelReason | null = null;
    if (taker.filled === taker.amount || (stop === 'budget_spent' && taker.filled > 0)) {
      status = 'filled';
    } else if (stop === null && !v.isMarket && v.timeInForce === 'GTC') {
      const rest: RefOrder = {
        id: taker.id,
        userId: taker.userId,
        side: taker.side,
        price: taker.price,
        amount: taker.amount,
        remaining: taker.amount - taker.filled,
        postOnly: taker.postOnly,
        clientOrderId: taker.clientOrderId,
        createdAt: taker.createdAt,
      };
      (taker.side === 'buy' ? book.bids : book.asks).push(rest);
      touchLevel(ctx, mi, rest.side, rest.price);
      status = taker.filled > 0 ? 'partially_filled' : 'open';
    } else {
      status = 'cancelled';
      reason = stop === null || stop === 'budget_spent' ? 'ioc_remainder' : stop;
      if (!v.isMarket) {
        const acc = this.account(taker.userId)!;
        const left = taker.amount - taker.filled;
        const release = taker.side === 'buy' ? left * taker.price * spec.quoteAtomsPerTickLot : left * spec.baseAtomsPerLot;
        acc.locked[lockAsset] -= release;
        acc.available[lockAsset] += release;
        touch(ctx, taker.userId, lockAsset);
      }
    }
    return this.end(taker, fills, status, reason, ctx);
  }

  private end(taker: Taker, fills: Fill[], status: OrderStatus, reason: CancelReason | null, ctx: Ctx): CommandResult {
    const order = takerView(taker, status, reason);
    // an order that rests untouched is fully described by its orderAccepted event
    if (status !== 'open') ctx.events.push({ type: 'orderUpdated', order });
    return { ok: true, order, fills, route: { book: taker.filled, amm: 0 } };
  }

  private lock(taker: Taker, mi: number, ctx: Ctx): void {
    if (taker.lock === 0) return;
    const spec = this.st.markets[mi].spec;
    const a = taker.side === 'buy' ? spec.quoteAsset : spec.baseAsset;
    const acc = this.account(taker.userId)!;
    acc.available[a] -= taker.lock;
    acc.locked[a] += taker.lock;
    touch(ctx, acc.userId, a);
  }

  /** The matching loop: best maker first, one step at a time. */
  private take(taker: Taker, mi: number, bound: number, boundIsSlippage: boolean, ctx: Ctx): { stop: Stop; fills: Fill[] } {
    const m = this.st.markets[mi];
    const spec = m.spec;
    const isBuy = taker.side === 'buy';
    const fills: Fill[] = [];
    const acc = this.account(taker.userId)!;
    while (taker.filled < taker.amount) {
      if (taker.quoteAmount !== null && taker.budget < spec.quoteAtomsPerTickLot && taker.budget <= acc.available[spec.quoteAsset]) {
        // the budget left cannot buy one lot at any price
        return { stop: 'budget_spent', fills };
      }
      const opposite = isBuy ? m.asks : m.bids;
      const maker = bestOf(opposite, isBuy ? 'sell' : 'buy');
      if (maker === null) return { stop: null, fills };
      if (isBuy ? maker.price > bound : maker.price < bound) return { stop: boundIsSlippage ? 'slippage_limit' : null, fills };
      if (maker.userId === taker.userId) {
        if (taker.selfTradePrevention !== 'cancel_taker') this.cancelResting(mi, maker, 'self_trade', ctx);
        if (taker.selfTradePrevention !== 'cancel_maker') return { stop: 'self_trade', fills };
        continue;
      }
      let lots = Math.min(taker.amount - taker.filled, maker.remaining);
      if (taker.isMarket) {
        if (isBuy) {
          const perLot = maker.price * spec.quoteAtomsPerTickLot;
          const avail = acc.available[spec.quoteAsset];
          const canPay = taker.quoteAmount === null ? avail : Math.min(avail, taker.budget);
          lots = Math.min(lots, Math.floor(canPay / perLot));
          if (lots === 0) {
            const budgetIsTheLimit = taker.quoteAmount !== null && taker.budget <= avail;
            return { stop: budgetIsTheLimit ? 'budget_spent' : 'insufficient_balance', fills };
          }
        } else {
          lots = Math.min(lots, Math.floor(acc.available[spec.baseAsset] / spec.baseAtomsPerLot));
          if (lots === 0) return { stop: 'insufficient_balance', fills };
        }
      }
      fills.push(this.trade(taker, maker, mi, lots, ctx));
    }
    return { stop: null, fills };
  }

  private trade(taker: Taker, maker: RefOrder, mi: number, lots: number, ctx: Ctx): Fill {
    const m = this.st.markets[mi];
    const spec = m.spec;
    const q = spec.quoteAsset;
    const b = spec.baseAsset;
    const price = maker.price;
    const quote = price * lots * spec.quoteAtomsPerTickLot;
    const base = lots * spec.baseAtomsPerLot;
    const t = this.account(taker.userId)!;
    const mk = this.account(maker.userId)!;
    const fees = this.account(FEES)!;
    let takerFee: number;
    let makerFee: number;
    if (taker.side === 'buy') {
      if (taker.isMarket) {
        t.available[q] -= quote;
        taker.budget -= quote;
      } else {
        const lockedForThese = taker.price * lots * spec.quoteAtomsPerTickLot;
        t.locked[q] -= lockedForThese;
        t.available[q] += lockedForThese - quote;
      }
      takerFee = feeOf(base, spec.takerFeeBps);
      makerFee = feeOf(quote, spec.makerFeeBps);
      t.available[b] += base - takerFee;
      mk.locked[b] -= base;
      mk.available[q] += quote - makerFee;
      fees.available[b] += takerFee;
      fees.available[q] += makerFee;
    } else {
      if (taker.isMarket) t.available[b] -= base;
      else t.locked[b] -= base;
      takerFee = feeOf(quote, spec.takerFeeBps);
      makerFee = feeOf(base, spec.makerFeeBps);
      t.available[q] += quote - takerFee;
      mk.locked[q] -= quote;
      mk.available[b] += base - makerFee;
      fees.available[q] += takerFee;
      fees.available[b] += makerFee;
    }
    touch(ctx, t.userId, q);
    touch(ctx, t.userId, b);
    touch(ctx, mk.userId, q);
    touch(ctx, mk.userId, b);
    const takerFeeAsset = taker.side === 'buy' ? b : q;
    if (takerFee !== 0) touch(ctx, FEES, takerFeeAsset);
    if (makerFee !== 0) touch(ctx, FEES, taker.side === 'buy' ? q : b);

    taker.filled += lots;
    maker.remaining -= lots;
    touchLevel(ctx, mi, maker.side, maker.price);
    if (maker.remaining === 0) removeOrder(m, maker);
    const id = this.st.nextTradeId++;
    ctx.events.push({
      type: 'trade',
      pair: spec.pair,
      id,
      price,
      amount: lots,
      quote,
      takerSide: taker.side,
      venue: 'book',
      takerOrderId: taker.id,
      takerUserId: taker.userId,
      makerOrderId: maker.id,
      makerUserId: maker.userId,
      takerFee,
      makerFee,
      time: ctx.time,
    });
    ctx.events.push({
      type: 'orderUpdated',
      order: restingView(maker, spec.pair, maker.remaining === 0 ? 'filled' : 'partially_filled', null),
    });
    return {
      tradeId: id,
      price,
      amount: lots,
      quote,
      venue: 'book',
      fee: takerFee,
      feeAsset: this.assets[takerFeeAsset],
      liquidity: 'taker',
    };
  }

  private cancelResting(mi: number, o: RefOrder, reason: CancelReason, ctx: Ctx): OrderView {
    const m = this.st.markets[mi];
    const spec = m.spec;
    const acc = this.account(o.userId)!;
    const a = o.side === 'buy' ? spec.quoteAsset : spec.baseAsset;
    const release = o.side === 'buy' ? o.remaining * o.price * spec.quoteAtomsPerTickLot : o.remaining * spec.baseAtomsPerLot;
    acc.locked[a] -= release;
    acc.available[a] += release;
    touch(ctx, o.userId, a);
    removeOrder(m, o);
    touchLevel(ctx, mi, o.side, o.price);
    const view = restingView(o, spec.pair, 'cancelled', reason);
    ctx.events.push({ type: 'orderUpdated', order: view });
    return view;
  }

  /** Appends the balance events, then the book diffs. */
  private flush(ctx: Ctx): void {
    for (const [userId, a] of ctx.balances) {
      const acc = this.account(userId)!;
      ctx.events.push({ type: 'balance', userId, asset: this.assets[a], available: acc.available[a], locked: acc.locked[a] });
    }
    const marketOrder: number[] = [];
    for (const [mi] of ctx.levels) if (!marketOrder.includes(mi)) marketOrder.push(mi);
    for (const mi of marketOrder) {
      const m = this.st.markets[mi];
      const bids: Array<[number, number]> = [];
      const asks: Array<[number, number]> = [];
      for (const [lmi, side, price] of ctx.levels) {
        if (lmi !== mi) continue;
        const orders = side === 'buy' ? m.bids : m.asks;
        const total = orders.filter((o) => o.price === price).reduce((sum, o) => sum + o.remaining, 0);
        (side === 'buy' ? bids : asks).push([price, total]);
      }
      m.seq++;
      ctx.events.push({ type: 'book', pair: m.spec.pair, seq: m.seq, bids, asks });
    }
  }

  private account(userId: string): RefAccount | undefined {
    return this.st.accounts.find((a) => a.userId === userId);
  }

  private accountOrCreate(userId: string): RefAccount {
    let acc = this.account(userId);
    if (acc === undefined) {
      acc = { userId, available: this.assets.map(() => 0), locked: this.assets.map(() => 0) };
      this.st.accounts.push(acc);
    }
    return acc;
  }

  private openOrdersOf(userId: string): RefOrder[] {
    const out: RefOrder[] = [];
    for (const m of this.st.markets) for (const list of [m.bids, m.asks]) for (const o of list) if (o.userId === userId) out.push(o);
    return out;
  }
}

type Stop = CancelReason | 'budget_spent' | null;

interface Valid {
  side: Side;
  isMarket: boolean;
  timeInForce: TimeInForce;
  price: number;
  /** lots; Infinity for a market buy sized by quoteAmount */
  amount: number;
  quoteAmount: number | null;
  postOnly: boolean;
  clientOrderId: string | null;
  maxSlippageBps: number | null;
  selfTradePrevention: SelfTradePrevention;
  lock: number;
}

interface Taker extends Valid {
  id: number;
  userId: string;
  pair: string;
  filled: number;
  budget: number;
  createdAt: number;
}

const posInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v > 0;

function validate(cmd: PlaceOrderCommand, spec: MarketSpec): Valid | Rejection {
  if (cmd.side !== 'buy' && cmd.side !== 'sell') return rejection('VALIDATION_ERROR');
  if (cmd.orderType !== 'limit' && cmd.orderType !== 'market') return rejection('VALIDATION_ERROR');
  const isMarket = cmd.orderType === 'market';
  const timeInForce = cmd.timeInForce ?? (isMarket ? 'IOC' : 'GTC');
  if (!['GTC', 'IOC', 'FOK'].includes(timeInForce) || (isMarket && timeInForce === 'GTC')) return rejection('VALIDATION_ERROR');
  const postOnly = cmd.postOnly ?? false;
  if (typeof postOnly !== 'boolean' || (postOnly && (isMarket || timeInForce !== 'GTC'))) return rejection('VALIDATION_ERROR');
  const stp = cmd.selfTradePrevention ?? 'cancel_maker';
  if (!['cancel_maker', 'cancel_taker', 'cancel_both'].includes(stp)) return rejection('VALIDATION_ERROR');
  const slip = cmd.maxSlippageBps ?? null;
  if (slip !== null && !(Number.isInteger(slip) && slip >= 0 && slip <= 10_000)) return rejection('VALIDATION_ERROR');
  const cid = cmd.clientOrderId ?? null;
  if (cid !== null && !(typeof cid === 'string' && cid.length >= 1 && cid.length <= 64)) return rejection('VALIDATION_ERROR');
  const common = { isMarket, timeInForce, postOnly, clientOrderId: cid, maxSlippageBps: slip, selfTradePrevention: stp };
  const side = cmd.side;
  if (!isMarket) {
    if (cmd.quoteAmount !== undefined) return rejection('VALIDATION_ERROR');
    if (!posInt(cmd.price)) return rejection('INVALID_PRICE');
    if (!posInt(cmd.amount)) return rejection('INVALID_AMOUNT');
    const notional = BigInt(cmd.price) * BigInt(cmd.amount) * BigInt(spec.quoteAtomsPerTickLot);
    const baseAtoms = BigInt(cmd.amount) * BigInt(spec.baseAtomsPerLot);
    if (notional > BigInt(MAX) || baseAtoms > BigInt(MAX)) return rejection('INVALID_AMOUNT');
    if (notional < BigInt(spec.minNotionalAtoms)) return rejection('INVALID_AMOUNT');
    const lock = Number(side === 'buy' ? notional : baseAtoms);
    return { ...common, side, price: cmd.price, amount: cmd.amount, quoteAmount: null, lock };
  }
  if (cmd.price !== undefined) return rejection('VALIDATION_ERROR');
  if ((cmd.amount === undefined) === (cmd.quoteAmount === undefined)) return rejection('VALIDATION_ERROR');
  if (cmd.quoteAmount !== undefined) {
    if (side !== 'buy' || timeInForce === 'FOK') return rejection('VALIDATION_ERROR');
    if (!posInt(cmd.quoteAmount)) return rejection('INVALID_AMOUNT');
    return { ...common, side, price: 0, amount: Infinity, quoteAmount: cmd.quoteAmount, lock: 0 };
  }
  if (!posInt(cmd.amount) || BigInt(cmd.amount) * BigInt(spec.baseAtomsPerLot) > BigInt(MAX)) return rejection('INVALID_AMOUNT');
  return { ...common, side, price: 0, amount: cmd.amount, quoteAmount: null, lock: 0 };
}

function takerView(t: Taker, status: OrderStatus, cancelReason: CancelReason | null): OrderView {
  return {
    id: t.id,
    clientOrderId: t.clientOrderId,
    userId: t.userId,
    pair: t.pair,
    side: t.side,
    type: t.isMarket ? 'market' : 'limit',
    price: t.price,
    amount: t.quoteAmount === null ? t.amount : t.filled,
    filled: t.filled,
    status,
    cancelReason,
    timeInForce: t.timeInForce,
    postOnly: t.postOnly,
    quoteAmount: t.quoteAmount,
    createdAt: t.createdAt,
  };
}

function restingView(o: RefOrder, pair: string, status: OrderStatus, cancelReason: CancelReason | null): OrderView {
  return {
    id: o.id,
    clientOrderId: o.clientOrderId,
    userId: o.userId,
    pair,
    side: o.side,
    type: 'limit',
    price: o.price,
    amount: o.amount,
    filled: o.amount - o.remaining,
    status,
    cancelReason,
    timeInForce: 'GTC',
    postOnly: o.postOnly,
    quoteAmount: null,
    createdAt: o.createdAt,
  };
}

/** The best resting order of a side: best price, then earliest id. */
function bestOf(orders: RefOrder[], side: Side): RefOrder | null {
  let best: RefOrder | null = null;
  for (const o of orders) {
    if (best === null) best = o;
    else if (side === 'buy' ? o.price > best.price : o.price < best.price) best = o;
    else if (o.price === best.price && o.id < best.id) best = o;
  }
  return best;
}

function removeOrder(m: RefMarket, o: RefOrder): void {
  const list = o.side === 'buy' ? m.bids : m.asks;
  const i = list.indexOf(o);
  if (i < 0) throw new Error(`reference bug: order ${o.id} not resting`);
  list.splice(i, 1);
}

/** [price, lots] per level, best first. */
function aggregate(orders: RefOrder[], side: Side): Array<[number, number]> {
  const totals = new Map<number, number>();
  for (const o of orders) totals.set(o.price, (totals.get(o.price) ?? 0) + o.remaining);
  return [...totals.entries()].sort((x, y) => (side === 'buy' ? y[0] - x[0] : x[0] - y[0]));
}

function touch(ctx: Ctx, userId: string, asset: number): void {
  if (!ctx.balances.some(([u, a]) => u === userId && a === asset)) ctx.balances.push([userId, asset]);
}

function touchLevel(ctx: Ctx, mi: number, side: Side, price: number): void {
  if (!ctx.levels.some(([m, s, p]) => m === mi && s === side && p === price)) ctx.levels.push([mi, side, price]);
}
