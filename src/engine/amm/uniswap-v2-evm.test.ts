/**
 * Differential test: our pure pool against the real, compiled Uniswap V2 pair (the bytecode shipped in
 * @uniswap/v2-core) on an in-process EVM. Every swap's output and the reserves after it must agree to
 * the atom, and asking one atom more than getAmountOut must fail the pair's K check.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createEVM, type EVM, type ExecResult } from '@ethereumjs/evm';
import { bytesToHex, createAddressFromString, hexToBytes, type Address } from '@ethereumjs/util';
import {
  decodeErrorResult,
  decodeEventLog,
  decodeFunctionResult,
  encodeDeployData,
  encodeFunctionData,
  type Abi,
  type Hex,
} from 'viem';
import factoryArtifact from '@uniswap/v2-core/build/UniswapV2Factory.json' with { type: 'json' };
import pairArtifact from '@uniswap/v2-core/build/UniswapV2Pair.json' with { type: 'json' };
import erc20Artifact from '@uniswap/v2-core/build/ERC20.json' with { type: 'json' };
import {
  getAmountOut,
  swapBaseInForQuoteOut,
  swapQuoteBudgetForBaseOut,
  type ConstantProductPool,
} from './uniswap-v2-math.js';

// Reproduce a failure with HOOATS_SEED=<seed>.
const seed = Number(process.env.HOOATS_SEED ?? Date.now());
console.log(`uniswap-v2 EVM differential: seed=${seed}`);

/** Swaps that must go through per pool (two pools: ≥ 1,000 in all); steps with no output come on top. */
const SWAPS_PER_POOL = 550;
const TOKEN_SUPPLY = 1n << 111n; // under the pair's uint112 reserve limit
const trader = createAddressFromString('0x00000000000000000000000000000000000a11ce');

interface Artifact {
  readonly abi: unknown;
  readonly bytecode: string;
}
interface Contract {
  readonly address: Address;
  readonly abi: Abi;
}

const abiOf = (artifact: Artifact): Abi => artifact.abi as Abi;
const hex = (bytecode: string): Hex => (bytecode.startsWith('0x') ? bytecode : `0x${bytecode}`) as Hex;

async function deploy(evm: EVM, artifact: Artifact, args: readonly unknown[]): Promise<Contract> {
  const abi = abiOf(artifact);
  const data = encodeDeployData({ abi, bytecode: hex(artifact.bytecode), args });
  const result = await evm.runCall({ caller: trader, data: hexToBytes(data), gasLimit: 30_000_000n });
  assert.equal(result.execResult.exceptionError, undefined, 'deployment failed');
  return { address: result.createdAddress as Address, abi };
}

/** Runs a call from the trader; state changes stick unless the call reverts. */
async function call(evm: EVM, c: Contract, functionName: string, args: readonly unknown[] = []): Promise<ExecResult> {
  const data = encodeFunctionData({ abi: c.abi, functionName, args });
  const { execResult } = await evm.runCall({ caller: trader, to: c.address, data: hexToBytes(data), gasLimit: 10_000_000n });
  return execResult;
}

/** Calls and decodes the result; the call must succeed. */
async function read(evm: EVM, c: Contract, functionName: string, args: readonly unknown[] = []): Promise<unknown> {
  const result = await call(evm, c, functionName, args);
  assert.equal(result.exceptionError, undefined, `${functionName} reverted`);
  return decodeFunctionResult({ abi: c.abi, functionName, data: bytesToHex(result.returnValue) as Hex });
}

async function write(evm: EVM, c: Contract, functionName: string, args: readonly unknown[]): Promise<ExecResult> {
  const result = await call(evm, c, functionName, args);
  assert.equal(result.exceptionError, undefined, `${functionName} reverted`);
  return result;
}

function revertReason(result: ExecResult): string {
  assert.notEqual(result.exceptionError, undefined, 'expected a revert');
  const decoded = decodeErrorResult({ abi: [], data: bytesToHex(result.returnValue) as Hex });
  return String(decoded.args?.[0]);
}

interface SwapEvent {
  readonly amount0In: bigint;
  readonly amount1In: bigint;
  readonly amount0Out: bigint;
  readonly amount1Out: bigint;
}

/** The pair's own Swap event among the call's logs (the tokens log their Transfers too). */
function swapEventOf(result: ExecResult, pair: Contract): SwapEvent {
  for (const [address, topics, data] of result.logs ?? []) {
    if (bytesToHex(address) !== pair.address.toString()) continue;
    const event = decodeEventLog({
      abi: pair.abi,
      topics: topics.map((t) => bytesToHex(t) as Hex) as [Hex, ...Hex[]],
      data: bytesToHex(data) as Hex,
    });
    if (event.eventName === 'Swap') return event.args as unknown as SwapEvent;
  }
  return assert.fail('the pair logged no Swap');
}

/** A pair with base and quote tokens, seeded by mint, and which of the two is the pair's token0. */
interface Market {
  readonly pair: Contract;
  readonly base: Contract;
  readonly quote: Contract;
  readonly baseIsToken0: boolean;
}

async function createMarket(evm: EVM, factory: Contract, start: ConstantProductPool): Promise<Market> {
  const base = await deploy(evm, erc20Artifact, [TOKEN_SUPPLY]);
  const quote = await deploy(evm, erc20Artifact, [TOKEN_SUPPLY]);
  await write(evm, factory, 'createPair', [base.address.toString(), quote.address.toString()]);
  const pairAddress = (await read(evm, factory, 'getPair', [base.address.toString(), quote.address.toString()])) as string;
  const pair = { address: createAddressFromString(pairAddress), abi: abiOf(pairArtifact) };
  const token0 = (await read(evm, pair, 'token0')) as string;
  await write(evm, base, 'transfer', [pairAddress, start.baseReserve]);
  await write(evm, quote, 'transfer', [pairAddress, start.quoteReserve]);
  await write(evm, pair, 'mint', [trader.toString()]);
  return { pair, base, quote, baseIsToken0: token0.toLowerCase() === base.address.toString().toLowerCase() };
}

async function reservesOf(evm: EVM, m: Market): Promise<{ base: bigint; quote: bigint }> {
  const [r0, r1] = (await read(evm, m.pair, 'getReserves')) as readonly [bigint, bigint, number];
  return m.baseIsToken0 ? { base: r0, quote: r1 } : { base: r1, quote: r0 };
}

interface SwapStep {
  readonly buy: boolean;
  /** amountIn = 1 + reserveIn · fraction / 2^64: from a single atom to half the reserve */
  readonly fraction: bigint;
}

/** A fraction (in 2^-64 units) below 2^(bits − 64), its magnitude spread between the two bounds. */
const fractionBelow = (minBits: number, maxBits: number): fc.Arbitrary<bigint> =>
  fc.integer({ min: minBits, max: maxBits }).chain((bits) => fc.bigInt({ min: 0n, max: (1n << BigInt(bits)) - 1n }));

const stepArb: fc.Arbitrary<SwapStep> = fc.record({
  buy: fc.boolean(),
  fraction: fc.oneof({ weight: 9, arbitrary: fractionBelow(54, 63) }, { weight: 1, arbitrary: fractionBelow(1, 53) }),
});

/** One swap on both sides: the pair gets amountIn, is asked for out + 1 (must revert), then out. */
async function swapBoth(evm: EVM, m: Market, pool: ConstantProductPool, step: SwapStep): Promise<ConstantProductPool> {
  const [reserveIn, reserveOut] = step.buy ? [pool.quoteReserve, pool.baseReserve] : [pool.baseReserve, pool.quoteReserve];
  const amountIn = 1n + ((reserveIn * step.fraction) >> 64n);
  const out = getAmountOut(amountIn, reserveIn, reserveOut, pool.feeBps) as bigint;
  const ours = step.buy ? swapQuoteBudgetForBaseOut(pool, amountIn) : swapBaseInForQuoteOut(pool, amountIn);
  const outIsToken0 = step.buy === m.baseIsToken0;
  const outs = (amount: bigint): [bigint, bigint] => (outIsToken0 ? [amount, 0n] : [0n, amount]);

  await write(evm, step.buy ? m.quote : m.base, 'transfer', [m.pair.address.toString(), amountIn]);
  const greedy = await call(evm, m.pair, 'swap', [...outs(out + 1n), trader.toString(), '0x']);
  assert.equal(revertReason(greedy), out + 1n < reserveOut ? 'UniswapV2: K' : 'UniswapV2: INSUFFICIENT_LIQUIDITY');

  let after = pool;
  if (ours === null) {
    // nothing comes out (the pair refuses a zero output): hand the stray input back
    assert.equal(out, 0n);
    await write(evm, m.pair, 'skim', [trader.toString()]);
  } else {
    assert.equal(ours.baseAmount, step.buy ? out : amountIn);
    assert.equal(ours.quoteAmount, step.buy ? amountIn : out);
    const done = await write(evm, m.pair, 'swap', [...outs(out), trader.toString(), '0x']);
    const logged = swapEventOf(done, m.pair);
    assert.deepEqual([logged.amount0Out, logged.amount1Out], outs(out));
    assert.deepEqual([logged.amount0In, logged.amount1In], outIsToken0 ? [0n, amountIn] : [amountIn, 0n]);
    after = ours.pool;
  }
  assert.deepEqual(await reservesOf(evm, m), { base: after.baseReserve, quote: after.quoteReserve });
  return after;
}

describe('pure V2 pool equals the Uniswap V2 pair on an EVM', () => {
  const scenarios: Array<{ name: string; start: ConstantProductPool }> = [
    // 1M of an 18-decimal base against 2M of a 6-decimal quote: a base atom is worth 2e-12 quote atoms
    { name: '18-decimal base vs 6-decimal quote', start: { baseReserve: 10n ** 24n, quoteReserve: 2n * 10n ** 12n, feeBps: 30 } },
    // a few thousand atoms a side, where every rounding shows
    { name: 'small reserves', start: { baseReserve: 3_001n, quoteReserve: 7_919n, feeBps: 30 } },
  ];

  for (const [index, { name, start }] of scenarios.entries()) {
    it(`${name}: ${SWAPS_PER_POOL} random swaps agree to the atom`, async () => {
      const evm = await createEVM();
      const factory = await deploy(evm, factoryArtifact, [trader.toString()]);
      const market = await createMarket(evm, factory, start);
      assert.deepEqual(await reservesOf(evm, market), { base: start.baseReserve, quote: start.quoteReserve });

      const steps = fc.sample(stepArb, { seed: seed + index, numRuns: 3 * SWAPS_PER_POOL });
      let pool = start;
      const swapped = { buys: 0, sells: 0 };
      for (const [i, step] of steps.entries()) {
        if (swapped.buys + swapped.sells >= SWAPS_PER_POOL) break;
        try {
          const next = await swapBoth(evm, market, pool, step);
          if (next !== pool) swapped[step.buy ? 'buys' : 'sells']++;
          pool = next;
        } catch (error) {
          throw new Error(`step ${i} (${JSON.stringify({ buy: step.buy, fraction: String(step.fraction) })}) from ${pool.baseReserve}/${pool.quoteReserve}: ${String(error)}`);
        }
      }
      console.log(`${name}: ${swapped.buys} buys and ${swapped.sells} sells matched the pair`);
      assert.equal(swapped.buys + swapped.sells, SWAPS_PER_POOL);
      assert.ok(swapped.buys >= SWAPS_PER_POOL / 4 && swapped.sells >= SWAPS_PER_POOL / 4, 'one direction barely traded');
    });
  }
});
