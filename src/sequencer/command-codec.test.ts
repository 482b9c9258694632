/**
 * The journal's command codec: every command type with every optional field present and absent, strings
 * beyond ASCII, and a fast-check property over arbitrary commands. HOOATS_SEED=<int> replays a property run.
 */
import { describe, it, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Command, PlaceOrderCommand } from '../engine/commands.js';
import { CommandEncoder, UnencodableCommandError, decodeCommand, decodeTransient } from './command-codec.js';

const TIME = 1_700_000_000_123;

function roundTrip(encoder: CommandEncoder, cmd: Command): Command {
  // a copy: the encoder's view is only valid until its next call
  return withoutUndefined(decodeCommand(Buffer.from(encoder.encode(cmd))));
}

/** Decoded orders list absent fields as undefined (one object shape); to the engine that is the same. */
function withoutUndefined(cmd: Command): Command {
  return Object.fromEntries(Object.entries(cmd).filter(([, v]) => v !== undefined)) as unknown as Command;
}

/** Each optional field of placeOrder, with the values it can take. */
const OPTIONAL: ReadonlyArray<[keyof PlaceOrderCommand, readonly unknown[]]> = [
  ['price', [1, 123_456, Number.MAX_SAFE_INTEGER]],
  ['amount', [1, 99, 2 ** 40]],
  ['quoteAmount', [7, 1_000_000_007]],
  ['timeInForce', ['GTC', 'IOC', 'FOK']],
  ['postOnly', [false, true]],
  ['clientOrderId', ['c', 'client-42', 'ключ-🔑', 'x'.repeat(64)]],
  ['maxSlippageBps', [0, 50, 10_000]],
  ['selfTradePrevention', ['cancel_maker', 'cancel_taker', 'cancel_both']],
];

test('placeOrder: every subset of the optional fields survives a round trip', () => {
  const encoder = new CommandEncoder();
  let cases = 0;
  for (let mask = 0; mask < 1 << OPTIONAL.length; mask++) {
    for (const side of ['buy', 'sell'] as const) {
      for (const orderType of ['limit', 'market'] as const) {
        // walk each field's values with the mask so every value of every field shows up somewhere
        const cmd: Record<string, unknown> = { type: 'placeOrder', time: TIME + mask, userId: `u${mask}`, pair: 'BTC-USD', side, orderType };
        OPTIONAL.forEach(([field, values], i) => {
          if ((mask & (1 << i)) !== 0) cmd[field] = values[(mask >> 1) % values.length];
        });
        assert.deepEqual(roundTrip(encoder, cmd as unknown as Command), cmd);
        cases++;
      }
    }
  }
  assert.equal(cases, 1024);
});

test('every value of every placeOrder enum and flag survives a round trip', () => {
  const encoder = new CommandEncoder();
  for (const [field, values] of OPTIONAL) {
    for (const value of values) {
      const cmd = { type: 'placeOrder', time: TIME, userId: 'u', pair: 'ETH-BTC', side: 'sell', orderType: 'limit', [field]: value };
      assert.deepEqual(roundTrip(encoder, cmd as unknown as Command), cmd, `${String(field)} = ${String(value)}`);
    }
  }
});

test('cancelOrder, cancelByClientOrderId, cancelAll (one pair or every pair), deposit, withdraw and pool liquidity survive a round trip', () => {
  const encoder = new CommandEncoder();
  const commands: Command[] = [
    { type: 'cancelOrder', time: TIME, userId: 'alice', orderId: 1 },
    { type: 'cancelOrder', time: 0, userId: 'bob', orderId: Number.MAX_SAFE_INTEGER },
    { type: 'cancelByClientOrderId', time: TIME, userId: 'alice', clientOrderId: 'my-order-1' },
    { type: 'cancelAll', time: TIME, userId: 'alice', pair: 'BTC-USD' },
    { type: 'cancelAll', time: TIME, userId: 'alice', pair: null },
    { type: 'cancelAll', time: TIME, userId: 'alice', pair: '' },
    { type: 'deposit', time: TIME, userId: 'carol', asset: 'USD', amount: Number.MAX_SAFE_INTEGER },
    { type: 'withdraw', time: TIME, userId: 'carol', asset: 'BTC', amount: 1 },
    { type: 'addLiquidity', time: TIME, pair: 'BTC-USD', baseAmount: 1_000, quoteAmount: 2 ** 52 },
    { type: 'removeLiquidity', time: TIME, pair: 'ETH-USD', baseAmount: 0, quoteAmount: 7 },
  ];
  for (const cmd of commands) assert.deepEqual(roundTrip(encoder, cmd), cmd);
});

test('user ids and other strings beyond ASCII survive a round trip', () => {
  const encoder = new CommandEncoder();
  const ids = ['ü', 'Zoë', '用户-7', '🚀🌕', 'a\u0000b', 'e\u0301', '\u{10FFFF}', '', 'x'.repeat(21_000) + '€'];
  for (const userId of ids) {
    const commands: Command[] = [
      { type: 'deposit', time: TIME, userId, asset: 'USD', amount: 5 },
      { type: 'withdraw', time: TIME, userId, asset: 'USD', amount: 5 },
      { type: 'cancelOrder', time: TIME, userId, orderId: 3 },
      { type: 'cancelByClientOrderId', time: TIME, userId, clientOrderId: userId || 'c' },
      { type: 'cancelAll', time: TIME, userId, pair: null },
      { type: 'placeOrder', time: TIME, userId, pair: 'BTC-USD', side: 'buy', orderType: 'limit', price: 5, amount: 1, clientOrderId: userId.slice(0, 64) || 'c' },
    ];
    for (const cmd of commands) assert.deepEqual(roundTrip(encoder, cmd), cmd, `${cmd.type} for a ${userId.length}-unit id`);
  }
});

test('what the codec cannot store faithfully is refused, and the encoder stays usable', () => {
  const encoder = new CommandEncoder();
  const base = { type: 'deposit', time: TIME, asset: 'USD', amount: 5 } as const;
  // a lone surrogate would come back as U+FFFD: another user on replay
  for (const userId of ['\ud800', 'a\udc00b', 'x\ud83d']) {
    assert.throws(() => encoder.encode({ ...base, userId }), UnencodableCommandError);
  }
  assert.throws(() => encoder.encode({ ...base, userId: 'é'.repeat(40_000) }), UnencodableCommandError, 'over 65534 UTF-8 bytes');
  assert.throws(() => encoder.encode({ ...base, userId: 'a'.repeat(65_535) }), UnencodableCommandError, '65535 bytes');
  const longest: Command = { ...base, userId: 'a'.repeat(65_532) + 'é' };
  assert.deepEqual(roundTrip(encoder, longest), longest, '65534 bytes is the limit');
  assert.throws(() => encoder.encode({ ...base, userId: 42 as unknown as string }), UnencodableCommandError);
  const order = { type: 'placeOrder', time: TIME, userId: 'u', pair: 'BTC-USD', side: 'buy', orderType: 'limit' } as const;
  assert.throws(() => encoder.encode({ ...order, clientOrderId: 'id\udfff' }), UnencodableCommandError);
  assert.throws(() => encoder.encode({ ...order, maxSlippageBps: 2 ** 31 }), UnencodableCommandError);
  assert.throws(() => encoder.encode({ ...order, maxSlippageBps: 1.5 }), UnencodableCommandError);
  assert.throws(() => encoder.encode({ type: 'bogus', time: TIME } as unknown as Command), UnencodableCommandError);
  const ok: Command = { ...base, userId: 'after-errors' };
  assert.deepEqual(roundTrip(encoder, ok), ok);
});

test('a malformed payload is an error, not a command', () => {
  const encoder = new CommandEncoder();
  const good = Buffer.from(encoder.encode({ type: 'cancelOrder', time: TIME, userId: 'u', orderId: 9 }));
  const badVersion = Buffer.from(good);
  badVersion[0] = 99;
  assert.throws(() => decodeCommand(badVersion), /codec version/);
  const badType = Buffer.from(good);
  badType[1] = 77;
  assert.throws(() => decodeCommand(badType), /unknown command type 77/);
  assert.throws(() => decodeCommand(good.subarray(0, good.length - 3)));
});

test('a Uint8Array view that is not a Buffer decodes too', () => {
  const encoder = new CommandEncoder();
  const cmd: Command = { type: 'withdraw', time: TIME, userId: 'v', asset: 'BTC', amount: 12 };
  const bytes = encoder.encode(cmd);
  const padded = new Uint8Array(bytes.length + 5);
  padded.set(bytes, 3);
  assert.deepEqual(withoutUndefined(decodeCommand(padded.subarray(3, 3 + bytes.length))), cmd);
});

// --- property ---

const seed = process.env.HOOATS_SEED !== undefined ? Number(process.env.HOOATS_SEED) : Date.now() % 2 ** 31;

const text = fc.oneof(fc.string({ unit: 'binary', maxLength: 40 }), fc.string({ unit: 'grapheme', maxLength: 20 }));
/** any double but NaN, which the format uses for "absent" */
const number = fc.oneof(fc.maxSafeInteger(), fc.double({ noNaN: true }));
const time = fc.oneof(fc.integer({ min: 0, max: 2 ** 45 }), fc.double({ noNaN: true }));

const placeOrder = fc.record(
  {
    type: fc.constant('placeOrder' as const),
    time,
    userId: text,
    pair: text,
    side: fc.constantFrom('buy' as const, 'sell' as const),
    orderType: fc.constantFrom('limit' as const, 'market' as const),
    price: number,
    amount: number,
    quoteAmount: number,
    timeInForce: fc.constantFrom('GTC' as const, 'IOC' as const, 'FOK' as const),
    postOnly: fc.boolean(),
    clientOrderId: text,
    maxSlippageBps: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
    selfTradePrevention: fc.constantFrom('cancel_maker' as const, 'cancel_taker' as const, 'cancel_both' as const),
  },
  { requiredKeys: ['type', 'time', 'userId', 'pair', 'side', 'orderType'] },
);
const command: fc.Arbitrary<Command> = fc.oneof(
  placeOrder,
  fc.record({ type: fc.constant('cancelOrder' as const), time, userId: text, orderId: number }),
  fc.record({ type: fc.constant('cancelAll' as const), time, userId: text, pair: fc.option(text, { nil: null }) }),
  fc.record({ type: fc.constant('cancelByClientOrderId' as const), time, userId: text, clientOrderId: text }),
  fc.record({ type: fc.constantFrom('deposit' as const, 'withdraw' as const), time, userId: text, asset: text, amount: number }),
  fc.record({ type: fc.constantFrom('addLiquidity' as const, 'removeLiquidity' as const), time, pair: text, baseAmount: number, quoteAmount: number }),
);

test(`property: decode(encode(c)) equals c for arbitrary commands (seed ${seed})`, (t) => {
  t.diagnostic(`HOOATS_SEED=${seed}`);
  console.log(`command-codec property seed: HOOATS_SEED=${seed}`);
  const encoder = new CommandEncoder();
  fc.assert(
    fc.property(fc.array(command, { minLength: 1, maxLength: 8 }), (commands) => {
      // several in a row through one encoder: its buffer is reused between calls; fc.record builds
      // null-prototype objects, hence the spread before the strict comparison
      for (const cmd of commands) assert.deepEqual(roundTrip(encoder, cmd), { ...cmd });
    }),
    { seed, numRuns: 2000 },
  );
});

describe('decodeTransient', () => {
  it('reads a payload in place, the same as decodeCommand, and reuses its objects', () => {
    const encoder = new CommandEncoder();
    const a: Command = { type: 'placeOrder', time: 5, userId: 'ann', pair: 'IDX-USDC', side: 'buy', orderType: 'limit', price: 7, amount: 3, timeInForce: 'IOC' };
    const b: Command = { type: 'cancelOrder', time: 6, userId: 'bob', orderId: 42 };
    const c: Command = { ...a, userId: 'cy', side: 'sell', clientOrderId: 'x1' };
    const framed = Buffer.concat([Buffer.from([9, 9, 9]), Buffer.from(encoder.encode(a)), Buffer.from([8])]);
    const first = decodeTransient(framed, 3, framed.length - 1);
    assert.deepEqual(withoutUndefined({ ...first } as Command), a);
    const cancel = Buffer.from(encoder.encode(b));
    assert.deepEqual({ ...decodeTransient(cancel, 0, cancel.length) }, b);
    const other = Buffer.from(encoder.encode(c));
    assert.equal(decodeTransient(other, 0, other.length), first, 'the same object, refilled');
    assert.deepEqual(withoutUndefined({ ...first } as Command), c);
    assert.throws(() => decodeTransient(framed, 3, framed.length - 2), RangeError);
  });
});
