import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  amountToLots,
  buildCatalogue,
  DEFAULT_MARKETS,
  MarketConfigError,
  priceToTicks,
  type MarketConfig,
} from '../src/engine/market.js';
import { TEST_MARKETS } from './support/markets.js';

const base: MarketConfig = {
  pair: 'IDX-USDC',
  base: 'IDX',
  quote: 'USDC',
  tickSize: '0.01',
  lotSize: '0.001',
  minNotional: '0',
  makerFeeBps: 0,
  takerFeeBps: 0,
  amm: null,
};

describe('buildCatalogue', () => {
  test('asset decimals: base = lot decimals, quote = tick + lot decimals, the max over markets', () => {
    const c = buildCatalogue(TEST_MARKETS);
    assert.deepEqual(
      c.assets.map((a) => [a.name, a.index, a.decimals]),
      [['BTC', 0, 5], ['IDX', 1, 2], ['USDC', 2, 6]],
    );
    const [idx, btc] = c.markets;
    assert.deepEqual(
      [idx.priceDecimals, idx.tickUnits, idx.amountDecimals, idx.lotUnits, idx.baseAtomsPerLot, idx.quoteAtomsPerTickLot, idx.minNotionalAtoms],
      [4, 1, 2, 5, 5, 5, 0],
    );
    assert.deepEqual(
      [btc.priceDecimals, btc.tickUnits, btc.amountDecimals, btc.lotUnits, btc.baseAtomsPerLot, btc.quoteAtomsPerTickLot, btc.minNotionalAtoms],
      [1, 5, 5, 25, 25, 125, 10_000_000],
    );
    assert.equal(idx.baseAsset, 1);
    assert.equal(idx.quoteAsset, 2);
    assert.equal(btc.takerFeeBps, 30);
  });

  test('the default market: HYPERINDEX 3 decimals, USDC 7, pool reserves in atoms', () => {
    const c = buildCatalogue(DEFAULT_MARKETS);
    assert.deepEqual(c.assets.map((a) => [a.name, a.decimals]), [['HYPERINDEX', 3], ['USDC', 7]]);
    const m = c.markets[0];
    assert.equal(m.baseAtomsPerLot, 1);
    assert.equal(m.quoteAtomsPerTickLot, 1);
    assert.deepEqual(m.amm, { baseReserve: 1_000_000_000, quoteReserve: 10_000_000_000_000, feeBps: 30 });
  });

  test('a minNotional or reserve with more decimals raises the asset decimals', () => {
    const c = buildCatalogue([{ ...base, minNotional: '0.0000001' }]);
    assert.equal(c.assets.find((a) => a.name === 'USDC')!.decimals, 7);
    assert.equal(c.markets[0].minNotionalAtoms, 1);
    assert.equal(c.markets[0].quoteAtomsPerTickLot, 100, '0.01 × 0.001 = 10^-5 USDC = 100 atoms at 7 decimals');
  });

  test('trailing zeros in sizes do not change the scales', () => {
    const a = buildCatalogue([base]).markets[0];
    const b = buildCatalogue([{ ...base, tickSize: '0.0100', lotSize: '0.00100', minNotional: '0.000' }]).markets[0];
    for (const key of ['priceDecimals', 'tickUnits', 'amountDecimals', 'lotUnits', 'baseAtomsPerLot', 'quoteAtomsPerTickLot'] as const) {
      assert.equal(b[key], a[key], key);
    }
  });

  test('sizes given as JSON numbers are accepted like their decimal text', () => {
    const m = buildCatalogue([{ ...base, tickSize: 0.01 as unknown as string, lotSize: 1e-3 as unknown as string }]).markets[0];
    assert.deepEqual([m.priceDecimals, m.tickUnits, m.amountDecimals, m.lotUnits], [2, 1, 3, 1]);
  });

  test('invalid configurations throw MarketConfigError', () => {
    const bad: Array<[string, MarketConfig[]]> = [
      ['no markets', []],
      ['pair not BASE-QUOTE', [{ ...base, pair: 'IDXUSDC' }]],
      ['lower-case asset', [{ ...base, base: 'idx', pair: 'idx-USDC' }]],
      ['base = quote', [{ ...base, quote: 'IDX', pair: 'IDX-IDX' }]],
      ['listed twice', [base, base]],
      ['zero tick', [{ ...base, tickSize: '0' }]],
      ['negative lot', [{ ...base, lotSize: '-0.001' }]],
      ['exponent text', [{ ...base, tickSize: '1e-2' }]],
      ['bad minNotional', [{ ...base, minNotional: 'abc' }]],
      ['fee over 10000 bps', [{ ...base, takerFeeBps: 10_001 }]],
      ['fractional fee', [{ ...base, makerFeeBps: 1.5 }]],
      ['negative fee', [{ ...base, makerFeeBps: -1 }]],
      ['more than 12 decimals', [{ ...base, tickSize: '0.0000001', lotSize: '0.000001' }]],
      ['zero AMM reserve', [{ ...base, amm: { baseReserve: '0', quoteReserve: '1', feeBps: 30 } }]],
      ['AMM fee over 10000', [{ ...base, amm: { baseReserve: '1', quoteReserve: '1', feeBps: 10_001 } }]],
    ];
    for (const [what, configs] of bad) assert.throws(() => buildCatalogue(configs), MarketConfigError, what);
  });
});

describe('priceToTicks and amountToLots', () => {
  const [idx, btc] = buildCatalogue(TEST_MARKETS).markets;

  test('decimal text to ticks, trailing zeros allowed', () => {
    assert.equal(priceToTicks(idx, '1.0001'), 10_001);
    assert.equal(priceToTicks(idx, '1.00010000'), 10_001);
    assert.equal(priceToTicks(idx, '2'), 20_000);
    assert.equal(priceToTicks(idx, 1.5), 15_000);
    assert.equal(priceToTicks(idx, 1e-4), 1, 'a JSON number in exponent form');
  });

  test('finer than the tick, off the tick grid, not positive or malformed: null', () => {
    assert.equal(priceToTicks(idx, '1.00005'), null);
    assert.equal(priceToTicks(btc, '2000.25'), null, 'BTC-USDC tick is 0.5');
    assert.equal(priceToTicks(btc, '2000.5'), 4_001);
    assert.equal(priceToTicks(btc, '2000.50'), 4_001);
    for (const v of ['0', '0.0000', '-1', '1e-4', '', 'abc', null, Number.NaN, -1]) assert.equal(priceToTicks(idx, v), null, String(v));
    assert.equal(priceToTicks(idx, '9999999999999'), null, 'beyond 2^53 - 1 units');
  });

  test('amounts to lots on a lot grid that is not a power of ten', () => {
    assert.equal(amountToLots(idx, '0.05'), 1);
    assert.equal(amountToLots(idx, '1'), 20);
    assert.equal(amountToLots(idx, '0.07'), null, 'IDX lot is 0.05');
    assert.equal(amountToLots(idx, '0.055'), null, 'finer than the amount decimals');
    assert.equal(amountToLots(btc, '0.00075'), 3);
    assert.equal(amountToLots(btc, '0.0001'), null);
    assert.equal(amountToLots(btc, 1e30), null);
    assert.equal(amountToLots(btc, '0'), null);
  });
});
