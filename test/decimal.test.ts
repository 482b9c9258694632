import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decimalsOf, formatUnits, parseUnits, pow10, toDecimalText } from '../src/engine/money/decimal.js';
import { seedFromEnv } from './support/prng.js';

const MAX = Number.MAX_SAFE_INTEGER;

describe('toDecimalText', () => {
  test('plain decimal strings pass through unchanged', () => {
    for (const s of ['0', '1', '1.05', '0.0001', '00012.50', '123456789012345678901234567890']) assert.equal(toDecimalText(s), s);
  });

  test('anything else as a string is refused', () => {
    for (const s of ['', ' 1', '1 ', '-1', '+1', '1.', '.5', '1e5', '1E-3', '0x10', '1,5', '1.2.3', 'NaN', 'Infinity', '١']) {
      assert.equal(toDecimalText(s), null, JSON.stringify(s));
    }
  });

  test('JSON numbers become their shortest decimal text, exponents written out', () => {
    assert.equal(toDecimalText(1.05), '1.05');
    assert.equal(toDecimalText(0), '0');
    assert.equal(toDecimalText(-0), '0');
    assert.equal(toDecimalText(1e-7), '0.0000001');
    assert.equal(toDecimalText(1.5e-7), '0.00000015');
    assert.equal(toDecimalText(1e21), '1000000000000000000000');
    assert.equal(toDecimalText(1.25e22), '12500000000000000000000');
    assert.equal(toDecimalText(0.1 + 0.2), '0.30000000000000004', 'the float as it is: parseUnits then rejects it');
  });

  test('non-finite, negative and non-numeric values are refused', () => {
    for (const v of [-1, -1e-7, Number.NaN, Infinity, -Infinity, null, undefined, true, {}, [], 1n]) {
      assert.equal(toDecimalText(v), null, String(v));
    }
  });
});

describe('parseUnits', () => {
  test('exact integer units at a scale', () => {
    assert.equal(parseUnits('1.05', 2), 105);
    assert.equal(parseUnits('1.05', 4), 10_500);
    assert.equal(parseUnits('10', 0), 10);
    assert.equal(parseUnits('0', 6), 0);
    assert.equal(parseUnits('0.000001', 6), 1);
    assert.equal(parseUnits(1e-7, 7), 1);
    assert.equal(parseUnits(1.05, 2), 105);
    assert.equal(parseUnits('00012.5', 1), 125);
  });

  test('trailing zeros do not count as precision', () => {
    assert.equal(parseUnits('1.0500000000', 2), 105);
    assert.equal(parseUnits('5.000', 0), 5);
    assert.equal(parseUnits('0.10', 1), 1);
  });

  test('digits finer than the scale are refused, never rounded', () => {
    assert.equal(parseUnits('1.051', 2), null);
    assert.equal(parseUnits('0.1', 0), null);
    assert.equal(parseUnits('0.0000001', 6), null);
    assert.equal(parseUnits(0.1 + 0.2, 2), null);
    assert.equal(parseUnits(1e-7, 6), null);
  });

  test('results beyond 2^53 - 1 are refused', () => {
    assert.equal(parseUnits('9007199254740991', 0), MAX);
    assert.equal(parseUnits('9007199254740992', 0), null);
    assert.equal(parseUnits('90071992547.40991', 5), MAX);
    assert.equal(parseUnits('90071992547.40992', 5), null);
    assert.equal(parseUnits('1', 16), null);
    assert.equal(parseUnits(1e21, 0), null);
    assert.equal(parseUnits('123456789012345678901234567890', 0), null);
  });

  test('malformed input is refused', () => {
    for (const v of ['', '-1', '1e3', 'abc', null, undefined, Number.NaN, -0.5]) assert.equal(parseUnits(v, 2), null, String(v));
  });

  test('round trip: formatUnits then parseUnits gives the units back (property)', () => {
    const seed = seedFromEnv(Math.floor(Math.random() * 2_147_483_647));
    console.log(`decimal round-trip seed=${seed}`);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: MAX }), fc.integer({ min: 0, max: 12 }), (units, scale) => {
        assert.equal(parseUnits(formatUnits(units, scale), scale), units);
      }),
      { seed, numRuns: 2_000 },
    );
  });
});

/** The text-based definition of parseUnits for strings, the oracle of its one-pass scanner. */
function parseUnitsByText(text: string, scale: number): number | null {
  if (!/^(\d+)(?:\.(\d+))?$/.test(text)) return null;
  const dot = text.indexOf('.');
  const fraction = (dot < 0 ? '' : text.slice(dot + 1)).replace(/0+$/, '');
  if (fraction.length > scale) return null;
  const whole = (dot < 0 ? text : text.slice(0, dot)).replace(/^0+(?=\d)/, '');
  const digits = whole + fraction.padEnd(scale, '0');
  if (digits.length > 16) return null;
  const units = Number(digits);
  return Number.isSafeInteger(units) ? units : null;
}

describe('parseUnits of strings (one-pass scanner)', () => {
  test('agrees with the text-based definition on random strings (property)', () => {
    const seed = seedFromEnv(Math.floor(Math.random() * 2_147_483_647));
    console.log(`decimal scanner seed=${seed}`);
    const decimalish = fc.string({ unit: fc.constantFrom('0', '0', '1', '5', '9', '.', 'e', '-', ' '), maxLength: 24 });
    const plain = fc.tuple(fc.stringMatching(/^[0-9]{1,20}$/), fc.option(fc.stringMatching(/^[0-9]{1,20}$/))).map(
      ([w, f]) => (f === null ? w : `${w}.${f}`),
    );
    fc.assert(
      fc.property(fc.oneof(decimalish, plain), fc.integer({ min: 0, max: 18 }), (text, scale) => {
        assert.equal(parseUnits(text, scale), parseUnitsByText(text, scale), JSON.stringify(text));
      }),
      { seed, numRuns: 50_000 },
    );
  });

  test('edge cases', () => {
    for (const [text, scale] of [['0', 0], ['00', 3], ['0.0', 0], ['1.', 2], ['.5', 2], ['1.2.3', 4], ['9007199254740991', 0],
      ['9007199254740992', 0], ['0000000000000000000001', 0], ['1.10000000000000000000', 1], ['900719925474099.1', 1]] as const) {
      assert.equal(parseUnits(text, scale), parseUnitsByText(text, scale), `${text} @${scale}`);
    }
  });
});

describe('formatUnits', () => {
  test('exactly `scale` decimals', () => {
    assert.equal(formatUnits(105, 2), '1.05');
    assert.equal(formatUnits(5, 3), '0.005');
    assert.equal(formatUnits(0, 2), '0.00');
    assert.equal(formatUnits(123, 0), '123');
    assert.equal(formatUnits(10_000, 4), '1.0000');
    assert.equal(formatUnits(MAX, 6), '9007199254.740991');
  });

  test('negative values keep their sign', () => {
    assert.equal(formatUnits(-5, 2), '-0.05');
    assert.equal(formatUnits(-123, 0), '-123');
  });
});

describe('decimalsOf and pow10', () => {
  test('decimalsOf ignores trailing zeros', () => {
    assert.equal(decimalsOf('0.0100'), 2);
    assert.equal(decimalsOf('5'), 0);
    assert.equal(decimalsOf('5.000'), 0);
    assert.equal(decimalsOf('0.000001'), 6);
  });

  test('pow10 is exact from 0 to 15 and throws beyond', () => {
    for (let n = 0; n <= 15; n++) assert.equal(pow10(n), Number(10n ** BigInt(n)));
    for (const n of [-1, 16, 1.5, Number.NaN]) assert.throws(() => pow10(n), RangeError);
  });
});
