/**
 * Hostile command lists for property tests of the engine's own validation: commands of every type
 * whose fields are, now and then, replaced by values no API would let through (fractions next to
 * valid ids, prices and amounts, 0, -0, negatives, NaN, ±Infinity, 2^53 and around, numeric strings,
 * numbers for strings, null, undefined, missing fields, extra fields, objects, arrays, prototype keys,
 * empty, very long and lone-surrogate strings, unknown enum values, non-boolean postOnly...), mixed
 * with valid commands. Commands come from the journal and other callers too, so the engine must
 * reject each bad one with a code and change nothing.
 *
 * The engine starts from hostileSetup() (funded users, resting orders in both markets, one with an AMM
 * pool), so ids, users, balances and clientOrderIds exist to be hit.
 */
import fc from 'fast-check';
import type { Command } from '../../src/engine/commands.js';
import type { MarketConfig } from '../../src/engine/market.js';
import { TEST_MARKETS } from './markets.js';

/** IDX-USDC with an AMM pool at 1 USDC (10 000 ticks), BTC-USDC without one (liquidity is refused there). */
export const HOSTILE_MARKETS: readonly MarketConfig[] = [
  { ...TEST_MARKETS[0], amm: { baseReserve: '50000', quoteReserve: '50000', feeBps: 30 } },
  TEST_MARKETS[1],
];

const USERS = ['a', 'b', 'c'];
const PAIRS = ['IDX-USDC', 'BTC-USDC'];
const ASSETS = ['IDX', 'BTC', 'USDC'];
/** mid price in ticks and the lots an order needs at least (BTC-USDC's minNotional) */
const MIDS = [10_000, 4_000];
const MIN_LOTS = [1, 20];
/** clientOrderIds of setup's resting orders, so duplicates are tried */
const CIDS = ['r1', 'r4', 'c1', 'c2'];

/** Funding and seven resting orders (ids 1..7); every one must be accepted (and rest). */
export function hostileSetup(): Command[] {
  const out: Command[] = [];
  let time = 1;
  for (const userId of USERS) {
    out.push({ type: 'deposit', time: time++, userId, asset: 'USDC', amount: 10_000_000_000 });
    out.push({ type: 'deposit', time: time++, userId, asset: 'IDX', amount: 10_000_000 });
    out.push({ type: 'deposit', time: time++, userId, asset: 'BTC', amount: 1_000_000 });
  }
  const limit = (userId: string, pair: string, side: 'buy' | 'sell', price: number, amount: number, clientOrderId?: string): Command => ({
    type: 'placeOrder',
    time: time++,
    userId,
    pair,
    side,
    orderType: 'limit',
    price,
    amount,
    ...(clientOrderId === undefined ? {} : { clientOrderId }),
  });
  out.push(
    limit('a', 'IDX-USDC', 'buy', 9_950, 10, 'r1'),
    limit('b', 'IDX-USDC', 'buy', 9_900, 20),
    limit('b', 'IDX-USDC', 'sell', 10_100, 10),
    limit('c', 'IDX-USDC', 'sell', 10_200, 15, 'r4'),
    limit('a', 'BTC-USDC', 'buy', 3_990, 25),
    limit('c', 'BTC-USDC', 'sell', 4_010, 25, 'r1'),
    limit('b', 'BTC-USDC', 'sell', 4_020, 30),
  );
  return out;
}

/** Time of the first generated command; setup's commands come before it. */
const FIRST_TIME = 1_000;

// --- hostile values ---

const NULL_PROTO: unknown = Object.freeze(Object.create(null));
const LONG = 'x'.repeat(70_000);

/** Values for a number field whose valid value is `v`, the ones nearest to it first (shrinking goes towards the front). */
function hostileNumbers(v: number): unknown[] {
  return [
    v + 0.5, v - 0.5, v + 1e-9, -v, 0, -0, -1, 1.5, NaN, Infinity, -Infinity,
    2 ** 53, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 2, -Number.MAX_SAFE_INTEGER, 2 ** 31, 2 ** 32, 1e21, 1e300,
    Number.MIN_VALUE, Number.EPSILON,
    String(v), `${v}.0`, '0x10', '1', '1e3', ' 1', '', 'NaN',
    true, false, null, undefined, [v], [], {}, { valueOf: () => v }, BigInt(Math.trunc(v)), NULL_PROTO,
  ];
}

/** Values for a string field (userId, pair, asset, clientOrderId) whose valid value is `v`. */
function hostileStrings(v: string): unknown[] {
  return [
    `${v} `, ` ${v}`, v.toLowerCase(), v.toUpperCase(), `${v}\u0000`, '',
    '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'prototype', 'fees',
    LONG, '\ud800', '\udc00', `${v}\ud800`, '😀', 'é', 'e\u0301',
    0, 1, -0, NaN, 1.5, null, undefined, true, [], [v], {}, { toString: () => v }, NULL_PROTO, Symbol('x'),
  ];
}

/** Values for an enum field whose valid values are `values`. */
function hostileEnum(values: readonly string[]): unknown[] {
  const v = values[0];
  return [
    v.toUpperCase(), `${v[0].toUpperCase()}${v.slice(1)}`, `${v} `, '', 'other', '__proto__', 'toString', 'constructor',
    0, 1, null, undefined, true, false, [v], { v }, NULL_PROTO,
  ];
}

const HOSTILE_BOOLEANS: unknown[] = ['true', 'false', 1, 0, -0, NaN, null, 'yes', '', [], [true], {}, new Boolean(false), NULL_PROTO];

const HOSTILE_TYPES: unknown[] = [
  'PlaceOrder', 'placeorder', 'place_order', '', 'foo', '__proto__', 'constructor', 'toString', 'hasOwnProperty',
  0, null, undefined, true, ['placeOrder'], { type: 'deposit' }, NULL_PROTO,
];

type Kind = 'type' | 'time' | 'number' | 'string' | 'side' | 'orderType' | 'timeInForce' | 'stp' | 'boolean' | 'pairOrNull';

function hostileFor(kind: Kind, valid: unknown): unknown[] {
  switch (kind) {
    case 'type':
      return HOSTILE_TYPES;
    case 'time':
      return hostileNumbers(FIRST_TIME);
    case 'number':
      return hostileNumbers(typeof valid === 'number' ? valid : 1_000);
    case 'string':
      return hostileStrings(typeof valid === 'string' ? valid : 'a');
    case 'pairOrNull':
      return hostileStrings(typeof valid === 'string' ? valid : PAIRS[0]);
    case 'side':
      return hostileEnum(['buy', 'sell']);
    case 'orderType':
      return hostileEnum(['limit', 'market']);
    case 'timeInForce':
      return hostileEnum(['GTC', 'IOC', 'FOK']);
    case 'stp':
      return hostileEnum(['cancel_maker', 'cancel_taker', 'cancel_both']);
    case 'boolean':
      return HOSTILE_BOOLEANS;
  }
}

/** Any hostile value at all (extra fields). */
const ANY_HOSTILE: unknown[] = [...hostileNumbers(7), ...hostileStrings('a'), ...HOSTILE_TYPES];

// --- valid templates ---

/** Marks an optional field the template leaves out. */
const ABSENT = Symbol('absent');
/** Marks where the command's time goes (its index in the list decides it). */
const TIME_SLOT = Symbol('time');

interface Template {
  readonly fields: Record<string, unknown>;
  readonly kinds: Record<string, Kind>;
}

const opt = <T>(...values: T[]): fc.Arbitrary<T | typeof ABSENT> => fc.constantFrom<T | typeof ABSENT>(ABSENT, ...values);

const PLACE_KINDS: Record<string, Kind> = {
  type: 'type',
  time: 'time',
  userId: 'string',
  pair: 'string',
  side: 'side',
  orderType: 'orderType',
  price: 'number',
  amount: 'number',
  quoteAmount: 'number',
  timeInForce: 'timeInForce',
  postOnly: 'boolean',
  clientOrderId: 'string',
  maxSlippageBps: 'number',
  selfTradePrevention: 'stp',
};

const placeTemplate: fc.Arbitrary<Template> = fc
  .record({
    userId: fc.constantFrom(...USERS, 'newcomer'),
    market: fc.constantFrom(0, 1),
    side: fc.constantFrom('buy', 'sell'),
    kind: fc.constantFrom('limit', 'limit', 'limit', 'market', 'quote'),
    offset: fc.integer({ min: -150, max: 150 }),
    lots: fc.integer({ min: 1, max: 30 }),
    quote: fc.integer({ min: 1, max: 2_000_000 }),
    timeInForce: opt('GTC', 'IOC', 'FOK'),
    postOnly: opt(true, false),
    clientOrderId: opt(...CIDS),
    maxSlippageBps: opt(0, 25, 10_000),
    selfTradePrevention: opt('cancel_maker', 'cancel_taker', 'cancel_both'),
  })
  .map((p): Template => {
    const isLimit = p.kind === 'limit';
    const side = p.kind === 'quote' ? 'buy' : p.side;
    const tif = !isLimit && p.timeInForce === 'GTC' ? 'IOC' : p.timeInForce;
    return {
      kinds: PLACE_KINDS,
      fields: {
        type: 'placeOrder',
        time: TIME_SLOT,
        userId: p.userId,
        pair: PAIRS[p.market],
        side,
        orderType: isLimit ? 'limit' : 'market',
        price: isLimit ? MIDS[p.market] + p.offset : ABSENT,
        amount: p.kind === 'quote' ? ABSENT : MIN_LOTS[p.market] + p.lots - 1,
        quoteAmount: p.kind === 'quote' ? p.quote : ABSENT,
        timeInForce: p.kind === 'quote' && tif === 'FOK' ? ABSENT : tif,
        postOnly: isLimit && (tif === ABSENT || tif === 'GTC') ? p.postOnly : ABSENT,
        clientOrderId: p.clientOrderId,
        maxSlippageBps: p.maxSlippageBps,
        selfTradePrevention: p.selfTradePrevention,
      },
    };
  });

const cancelTemplate: fc.Arbitrary<Template> = fc
  .record({ userId: fc.constantFrom(...USERS), orderId: fc.integer({ min: 1, max: 30 }) })
  .map((c) => ({
    kinds: { type: 'type', time: 'time', userId: 'string', orderId: 'number' },
    fields: { type: 'cancelOrder', time: TIME_SLOT, ...c },
  }));

const cancelByClientIdTemplate: fc.Arbitrary<Template> = fc
  .record({ userId: fc.constantFrom(...USERS), clientOrderId: fc.constantFrom(...CIDS) })
  .map((c) => ({
    kinds: { type: 'type', time: 'time', userId: 'string', clientOrderId: 'string' },
    fields: { type: 'cancelByClientOrderId', time: TIME_SLOT, ...c },
  }));

const cancelAllTemplate: fc.Arbitrary<Template> = fc
  .record({ userId: fc.constantFrom(...USERS), pair: fc.constantFrom(null, ...PAIRS) })
  .map((c) => ({
    kinds: { type: 'type', time: 'time', userId: 'string', pair: 'pairOrNull' },
    fields: { type: 'cancelAll', time: TIME_SLOT, ...c },
  }));

const fundingTemplate: fc.Arbitrary<Template> = fc
  .record({
    type: fc.constantFrom('deposit', 'withdraw'),
    userId: fc.constantFrom(...USERS, 'newcomer'),
    asset: fc.constantFrom(...ASSETS),
    amount: fc.integer({ min: 1, max: 20_000_000 }),
  })
  .map(({ type, ...c }) => ({
    kinds: { type: 'type', time: 'time', userId: 'string', asset: 'string', amount: 'number' },
    fields: { type, time: TIME_SLOT, ...c },
  }));

const liquidityTemplate: fc.Arbitrary<Template> = fc
  .record({
    type: fc.constantFrom('addLiquidity', 'removeLiquidity'),
    pair: fc.constantFrom(PAIRS[0], PAIRS[0], PAIRS[1]),
    // now and then the whole reserve (50 000 IDX, 50 000 USDC in atoms): a removal must leave one atom
    baseAmount: fc.oneof({ weight: 5, arbitrary: fc.integer({ min: 0, max: 5_000 }) }, fc.constant(5_000_000)),
    quoteAmount: fc.oneof({ weight: 5, arbitrary: fc.integer({ min: 0, max: 5_000_000 }) }, fc.constant(50_000_000_000)),
  })
  .map(({ type, ...c }) => ({
    kinds: { type: 'type', time: 'time', pair: 'string', baseAmount: 'number', quoteAmount: 'number' },
    fields: { type, time: TIME_SLOT, ...c },
  }));

const templateArb: fc.Arbitrary<Template> = fc.oneof(
  { weight: 5, arbitrary: placeTemplate },
  { weight: 3, arbitrary: cancelTemplate },
  { weight: 2, arbitrary: cancelByClientIdTemplate },
  { weight: 1, arbitrary: cancelAllTemplate },
  { weight: 2, arbitrary: fundingTemplate },
  { weight: 1, arbitrary: liquidityTemplate },
);

// --- mutation ---

const KEEP = Symbol('keep');
const DELETE = Symbol('delete');
/** keep the template's value, remove the field, or put the `pick`-th hostile value of its kind (modulo) */
type Change = typeof KEEP | typeof DELETE | { readonly pick: number };

const FIELDS = [...new Set([...Object.keys(PLACE_KINDS), 'orderId', 'asset', 'baseAmount'])];
const EXTRA_KEYS = ['extra', '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'id', 'orderId', 'price', 'amount', 'pair', 'userId', 'asset'];

/** Sets an own, enumerable property (a plain assignment to `__proto__` would set the prototype). */
function put(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

const changeArb: fc.Arbitrary<Change> = fc.oneof(
  { withCrossShrink: true },
  { weight: 10, arbitrary: fc.constant(KEEP) },
  { weight: 2, arbitrary: fc.nat(1_000).map((pick) => ({ pick })) },
  { weight: 1, arbitrary: fc.constant(DELETE) },
);

/**
 * A template with some fields replaced by hostile values or removed, and maybe extra fields. Changes
 * are drawn for every field name independently of the template (no `chain`), so fast-check shrinks
 * each one back to KEEP and a counterexample keeps only the changes that matter.
 */
const hostileCommand = fc
  .tuple(
    templateArb,
    fc.tuple(...FIELDS.map(() => changeArb)),
    fc.array(fc.tuple(fc.constantFrom(...EXTRA_KEYS), fc.nat(ANY_HOSTILE.length - 1)), { maxLength: 2 }),
  )
  .map(([t, changes, extras]) => {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(t.kinds)) {
      const change = changes[FIELDS.indexOf(key)];
      if (change === KEEP) {
        if (t.fields[key] !== ABSENT) put(out, key, t.fields[key]);
      } else if (change !== DELETE) {
        const values = hostileFor(t.kinds[key], t.fields[key]);
        put(out, key, values[change.pick % values.length]);
      }
    }
    for (const [key, pick] of extras) if (!Object.prototype.hasOwnProperty.call(out, key)) put(out, key, ANY_HOSTILE[pick]);
    return out;
  });

const validCommand = templateArb.map((t) => {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(t.fields)) if (t.fields[key] !== ABSENT) put(out, key, t.fields[key]);
  return out;
});

/** Fills TIME_SLOT with FIRST_TIME + index, in a copy (generated values are shared by fast-check). */
function stamp(list: ReadonlyArray<Record<string, unknown>>): Command[] {
  return list.map((c, i) => {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(c)) put(out, key, key === 'time' && c.time === TIME_SLOT ? FIRST_TIME + i : c[key]);
    return out as unknown as Command;
  });
}

/** Lists of 1 to `maxLength` commands, about half of them hostile. */
export function hostileCommandLists(maxLength = 40): fc.Arbitrary<Command[]> {
  const command = fc.oneof({ withCrossShrink: true }, { weight: 4, arbitrary: validCommand }, { weight: 5, arbitrary: hostileCommand });
  return fc.array(command, { minLength: 1, maxLength, size: 'max' }).map(stamp);
}

/** A command as readable text (fast-check's printer shows NaN, -0, undefined, bigint, symbols; long strings cut). */
export function show(value: unknown): string {
  return fc.stringify(value).replace(/x{40,}/g, (run) => `x…(${run.length} chars)`);
}
