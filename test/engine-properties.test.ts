/**
 * Property tests (fast-check) over random command lists on the two test markets. The seed is printed;
 * HOOATS_SEED=<int> replays it, HOOATS_RUNS=<int> changes the number of runs per property.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Command, PlaceOrderCommand, SelfTradePrevention } from '../src/engine/commands.js';
import { Engine } from '../src/engine/engine.js';
import type { CommandResult, EngineEvent, OrderView } from '../src/engine/events.js';
import { assertInvariants } from './support/invariants.js';
import { TEST_MARKETS } from './support/markets.js';
import { seedFromEnv } from './support/prng.js';

const seed = seedFromEnv(Math.floor(Math.random() * 2_147_483_647));
const numRuns = Number(process.env.HOOATS_RUNS ?? 150);
console.log(`engine-properties seed=${seed} numRuns=${numRuns} (replay with HOOATS_SEED=${seed})`);
const params = { seed, numRuns };

const USERS = ['a', 'b', 'c', 'd'];
const PAIRS = ['IDX-USDC', 'BTC-USDC'];
const MIDS = [1_000, 4_000];
const ASSETS = ['IDX', 'BTC', 'USDC'];

/** Everyone starts with some of everything; some runs leave a user short. */
const FUNDING: Command[] = USERS.flatMap((userId, i) =>
  ASSETS.map((asset): Command => ({ type: 'deposit', time: 0, userId, asset, amount: (i + 1) * (asset === 'USDC' ? 20_000_000 : 3_000) })),
);

const placeArb = fc.record({
  userId: fc.constantFrom(...USERS),
  market: fc.constantFrom(0, 1),
  side: fc.constantFrom<'buy' | 'sell'>('buy', 'sell'),
  kind: fc.constantFrom('gtc', 'gtc', 'gtc', 'ioc', 'fok', 'post', 'market', 'marketFok', 'quote'),
  offset: fc.integer({ min: -6, max: 6 }),
  lots: fc.integer({ min: 1, max: 40 }),
  quote: fc.integer({ min: 1, max: 20_000_000 }),
  stp: fc.constantFrom<SelfTradePrevention | undefined>(undefined, 'cancel_maker', 'cancel_taker', 'cancel_both'),
  slip: fc.option(fc.constantFrom(0, 5, 20, 100, 1_000), { nil: undefined }),
  cid: fc.option(fc.constantFrom('x', 'y'), { nil: undefined }),
});

type PlaceSpec = typeof placeArb extends fc.Arbitrary<infer T> ? T : never;

function toPlace(p: PlaceSpec): Omit<PlaceOrderCommand, 'time'> {
  const pair = PAIRS[p.market];
  // BTC-USDC needs ≥ 20 lots at ~4000 ticks for its minNotional; smaller ones are rejected (also tested)
  const amount = p.market === 1 ? p.lots + 15 : p.lots;
  const price = MIDS[p.market] + (p.side === 'buy' ? p.offset : -p.offset);
  const common = {
    type: 'placeOrder' as const,
    userId: p.userId,
    pair,
    side: p.side,
    ...(p.stp === undefined ? {} : { selfTradePrevention: p.stp }),
    ...(p.slip === undefined ? {} : { maxSlippageBps: p.slip }),
    ...(p.cid === undefined ? {} : { clientOrderId: p.cid }),
  };
  switch (p.kind) {
    case 'ioc':
      return { ...common, orderType: 'limit', price, amount, timeInForce: 'IOC' };
    case 'fok':
      return { ...common, orderType: 'limit', price, amount, timeInForce: 'FOK' };
    case 'post':
      return { ...common, orderType: 'limit', price, amount, postOnly: true };
    case 'market':
      return { ...common, orderType: 'market', amount };
    case 'marketFok':
      return { ...common, orderType: 'market', amount, timeInForce: 'FOK' };
    case 'quote':
      return { ...common, side: 'buy', orderType: 'market', quoteAmount: p.quote };
    default:
      return { ...common, orderType: 'limit', price, amount };
  }
}

const commandArb: fc.Arbitrary<Omit<Command, 'time'>> = fc.oneof(
  { weight: 12, arbitrary: placeArb.map(toPlace) },
  { weight: 3, arbitrary: fc.record({ type: fc.constant('cancelOrder' as const), userId: fc.constantFrom(...USERS), orderId: fc.integer({ min: 1, max: 60 }) }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('cancelAll' as const), userId: fc.constantFrom(...USERS), pair: fc.constantFrom(null, ...PAIRS) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      type: fc.constantFrom('deposit' as const, 'withdraw' as const),
      userId: fc.constantFrom(...USERS),
      asset: fc.constantFrom(...ASSETS),
      amount: fc.integer({ min: 1, max: 30_000_000 }),
    }),
  },
);

/** Random command lists, each command stamped with its index as time. */
const commandsArb = fc.array(commandArb, { minLength: 1, maxLength: 80 }).map((list) => list.map((c, i) => ({ ...c, time: i + 1 }) as Command));

function fresh(): Engine {
  const engine = new Engine(TEST_MARKETS);
  for (const cmd of FUNDING) engine.execute(cmd, []);
  return engine;
}

/** Runs each command, calling `check` after each with what it did. */
function runAll(
  commands: readonly Command[],
  check: (engine: Engine, cmd: Command, result: CommandResult, events: EngineEvent[], before: OrderView[]) => void,
): Engine {
  const engine = fresh();
  for (const cmd of commands) {
    const before = USERS.flatMap((u) => engine.openOrders(u));
    const events: EngineEvent[] = [];
    const result = engine.execute(cmd, events);
    check(engine, cmd, result, events, before);
  }
  return engine;
}

describe('engine properties', () => {
  test('the command generator reaches the interesting outcomes', () => {
    const seen = new Map<string, number>();
    for (const commands of fc.sample(commandsArb, { seed, numRuns: 300 })) {
      runAll(commands, (_engine, cmd, result, events) => {
        const key = !result.ok ? result.code : 'order' in result && cmd.type === 'placeOrder' ? `${result.order.status}/${result.order.cancelReason}` : cmd.type;
        seen.set(key, (seen.get(key) ?? 0) + 1);
        if (events.some((e) => e.type === 'trade')) seen.set('trade', (seen.get('trade') ?? 0) + 1);
      });
    }
    for (const key of ['trade', 'open/null', 'filled/null', 'cancelled/self_trade', 'cancelled/fok_not_fillable', 'cancelled/post_only_would_take', 'cancelled/ioc_remainder', 'DUPLICATE_CLIENT_ORDER_ID']) {
      assert.ok((seen.get(key) ?? 0) > 0, `never reached ${key}: ${JSON.stringify([...seen])}`);
    }
  });

  test('asset conservation: accounts (fees included) add up to supply', () => {
    fc.assert(
      fc.property(commandsArb, (commands) => {
        runAll(commands, (engine) => {
          const supply = engine.supply();
          for (const asset of ASSETS) {
            let sum = 0;
            for (const u of engine.userIds()) sum += engine.balances(u)[asset].available + engine.balances(u)[asset].locked;
            assert.equal(sum, supply[asset], asset);
          }
        });
      }),
      params,
    );
  });

  test('no crossed book at rest', () => {
    fc.assert(
      fc.property(commandsArb, (commands) => {
        runAll(commands, (engine) => {
          for (const pair of PAIRS) {
            const d = engine.depth(pair)!;
            if (d.bids.length > 0 && d.asks.length > 0) assert.ok(d.bids[0][0] < d.asks[0][0], `${pair} crossed`);
          }
        });
      }),
      params,
    );
  });

  test('price-time priority: a maker trades only when no better-placed maker is left; at its own price', () => {
    fc.assert(
      fc.property(commandsArb, (commands) => {
        runAll(commands, (engine, cmd, result, events, before) => {
          if (cmd.type !== 'placeOrder' || !result.ok || !('fills' in result)) return;
          const side = cmd.side === 'buy' ? 'sell' : 'buy';
          const left = new Map(before.filter((o) => o.pair === cmd.pair && o.side === side).map((o) => [o.id, o]));
          const remaining = new Map([...left.values()].map((o) => [o.id, o.amount - o.filled]));
          const better = (x: OrderView, y: OrderView): boolean =>
            x.price === y.price ? x.id < y.id : side === 'sell' ? x.price < y.price : x.price > y.price;
          for (const e of events) {
            if (e.type === 'orderUpdated' && e.order.status === 'cancelled' && left.has(e.order.id)) left.delete(e.order.id);
            if (e.type !== 'trade') continue;
            const maker = left.get(e.makerOrderId!);
            assert.ok(maker !== undefined, `trade with maker ${e.makerOrderId} which was not resting`);
            assert.equal(e.price, maker.price, 'trade at the maker price');
            if (cmd.orderType === 'limit') assert.ok(cmd.side === 'buy' ? e.price <= cmd.price! : e.price >= cmd.price!, 'within the limit');
            for (const o of left.values()) assert.ok(!better(o, maker), `maker ${maker.id} traded before ${o.id}`);
            const rest = remaining.get(maker.id)! - e.amount;
            assert.ok(rest >= 0);
            remaining.set(maker.id, rest);
            if (rest === 0) left.delete(maker.id);
          }
        });
      }),
      params,
    );
  });

  test('locked = exactly what open orders need; no negative or unsafe balance', () => {
    const specs = new Engine(TEST_MARKETS).catalogue.markets;
    fc.assert(
      fc.property(commandsArb, (commands) => {
        runAll(commands, (engine) => {
          for (const u of engine.userIds()) {
            const need: Record<string, number> = { IDX: 0, BTC: 0, USDC: 0 };
            for (const o of engine.openOrders(u)) {
              const spec = specs.find((m) => m.pair === o.pair)!;
              const remaining = o.amount - o.filled;
              if (o.side === 'buy') need[spec.quote] += remaining * o.price * spec.quoteAtomsPerTickLot;
              else need[spec.base] += remaining * spec.baseAtomsPerLot;
            }
            const balances = engine.balances(u);
            for (const asset of ASSETS) {
              assert.equal(balances[asset].locked, need[asset], `${u} ${asset} locked`);
              for (const v of [balances[asset].available, balances[asset].locked]) {
                assert.ok(Number.isSafeInteger(v) && v >= 0, `${u} ${asset} balance ${v}`);
              }
            }
          }
        });
      }),
      params,
    );
  });

  test('all internal invariants hold after every command', () => {
    fc.assert(
      fc.property(commandsArb, (commands) => {
        runAll(commands, (engine) => assertInvariants(engine));
      }),
      params,
    );
  });

  test('replay: the same commands give the same results, events and stateHash', () => {
    fc.assert(
      fc.property(commandsArb, (commands) => {
        const one = fresh();
        const two = fresh();
        for (const cmd of commands) {
          const e1: EngineEvent[] = [];
          const e2: EngineEvent[] = [];
          assert.deepEqual(one.execute(cmd, e1), two.execute(cmd, e2));
          assert.deepEqual(e1, e2);
          assert.equal(one.stateHash(), two.stateHash());
        }
      }),
      params,
    );
  });

  test('snapshot: fromSnapshot(snapshot()) continued with the same commands matches the original', () => {
    fc.assert(
      fc.property(commandsArb, commandsArb, (prefix, suffix) => {
        const original = fresh();
        for (const cmd of prefix) original.execute(cmd, []);
        // through JSON, as a snapshot file would be
        const snap = JSON.parse(JSON.stringify(original.snapshot()));
        const restored = Engine.fromSnapshot(TEST_MARKETS, snap);
        assert.equal(restored.stateHash(), original.stateHash());
        assertInvariants(restored);
        for (const cmd of suffix) {
          const later = { ...cmd, time: cmd.time + 1_000 } as Command;
          const e1: EngineEvent[] = [];
          const e2: EngineEvent[] = [];
          assert.deepEqual(restored.execute(later, e2), original.execute(later, e1));
          assert.deepEqual(e2, e1);
        }
        assert.equal(restored.stateHash(), original.stateHash());
        assertInvariants(restored);
      }),
      params,
    );
  });
});
