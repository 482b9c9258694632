/**
 * Differential test: one seeded random stream of commands through the Engine and through the simple
 * ReferenceEngine. Every result, every event list and both books' depth are compared after every
 * command; balances every BALANCE_EVERY commands and at the end; assertInvariants every
 * INVARIANTS_EVERY commands and at the end.
 *
 * HOOATS_SEED=<int> replays a given stream; HOOATS_DIFF_COMMANDS=<int> changes its length.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Command } from '../src/engine/commands.js';
import { Engine } from '../src/engine/engine.js';
import type { CommandResult, EngineEvent } from '../src/engine/events.js';
import { assertInvariants } from './support/invariants.js';
import { TEST_MARKETS } from './support/markets.js';
import { makeRng, seedFromEnv } from './support/prng.js';
import { CommandStream } from './support/random-commands.js';
import { ReferenceEngine } from './support/reference-engine.js';

const COMMANDS = Number(process.env.HOOATS_DIFF_COMMANDS ?? 100_000);
const USERS = 30;
const BALANCE_EVERY = 250;
const INVARIANTS_EVERY = 100;

/** Rejections are compared by code only: their messages are prose, not contract. */
function comparable(result: CommandResult): unknown {
  return result.ok ? result : { ok: false, code: result.code };
}

function compareBalances(engine: Engine, ref: ReferenceEngine): void {
  assert.deepEqual(engine.userIds(), ref.userIds(), 'accounts (in creation order)');
  for (const userId of engine.userIds()) assert.deepEqual(engine.balances(userId), ref.balances(userId), `balances of ${userId}`);
  assert.deepEqual(engine.supply(), ref.supply(), 'supply');
}

function compareBooks(engine: Engine, ref: ReferenceEngine): void {
  for (const { pair } of TEST_MARKETS) {
    const e = engine.depth(pair)!;
    const actual = { seq: e.seq, bids: e.bids, asks: e.asks };
    const expected = ref.depth(pair);
    // both built with the same key order, so equal text means equal; deepEqual gives the diff otherwise
    if (JSON.stringify(actual) !== JSON.stringify(expected)) assert.deepEqual(actual, expected, `depth of ${pair}`);
  }
}

test(`differential: Engine vs reference over ${COMMANDS} random commands`, () => {
  const seed = seedFromEnv(Date.now() % 2_147_483_647);
  console.log(`engine-differential seed=${seed} (replay with HOOATS_SEED=${seed})`);
  const started = performance.now();
  const stream = new CommandStream(makeRng(seed), USERS);
  const engine = new Engine(TEST_MARKETS);
  const ref = new ReferenceEngine(TEST_MARKETS);
  const tally = new Map<string, number>();
  let maxOpen = 0;

  const run = (index: number, cmd: Command): void => {
    const eventsE: EngineEvent[] = [];
    const eventsR: EngineEvent[] = [];
    let resultE: CommandResult | undefined;
    try {
      resultE = engine.execute(cmd, eventsE);
      const resultR = ref.execute(cmd, eventsR);
      assert.deepEqual(comparable(resultE), comparable(resultR), 'result');
      assert.deepEqual(eventsE, eventsR, 'events');
      compareBooks(engine, ref);
      if (index % BALANCE_EVERY === 0) compareBalances(engine, ref);
      if (index % INVARIANTS_EVERY === 0) assertInvariants(engine);
    } catch (err) {
      console.error(`MISMATCH seed=${seed} at command #${index}: ${JSON.stringify(cmd)}`);
      console.error(`engine result: ${JSON.stringify(resultE)}`);
      throw err;
    }
    stream.observe(cmd, resultE!);
    const count = (key: string): void => void tally.set(key, (tally.get(key) ?? 0) + 1);
    count(outcomeKey(cmd, resultE));
    if (resultE !== undefined && resultE.ok && 'fills' in resultE) {
      const levels = new Set(resultE.fills.map((f) => f.price)).size;
      if (levels >= 2) count('sweep:2+levels');
      if (levels >= 4) count('sweep:4+levels');
      if (resultE.fills.some((f) => f.fee === 0) && resultE.fills.length > 0) count('fill:zero-fee');
    }
    if (eventsE.some((e) => e.type === 'orderUpdated' && e.order.id !== (resultE as { order?: { id: number } }).order?.id && e.order.status === 'partially_filled')) {
      count('maker:partially_filled');
    }
    maxOpen = Math.max(maxOpen, engine.openOrderCount());
  };

  let index = 0;
  for (const cmd of stream.funding()) run(index++, cmd);
  for (let i = 0; i < COMMANDS; i++) run(index++, stream.next());

  compareBalances(engine, ref);
  compareBooks(engine, ref);
  assertInvariants(engine);
  assert.deepEqual(engine.openOrders('u0').map((o) => o.id), ref.openOrderIds().filter((id) => engine.openOrder(id)?.userId === 'u0'));
  assert.equal(engine.openOrderCount(), ref.openOrderIds().length);

  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`engine-differential: ${index} commands in ${seconds}s, ${engine.openOrderCount()} open at the end, ${maxOpen} at most`);
  const summary = [...tally.entries()].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k}=${n}`);
  console.log(`outcomes: ${summary.join(' ')}`);
  // the stream must actually reach the cases it is meant to cover
  for (const needed of [
    'place:filled', 'place:open', 'place:partially_filled', 'place:cancelled/ioc_remainder', 'place:cancelled/fok_not_fillable',
    'place:cancelled/post_only_would_take', 'place:cancelled/self_trade', 'place:cancelled/slippage_limit',
    'place:cancelled/insufficient_balance', 'place:INSUFFICIENT_BALANCE', 'place:DUPLICATE_CLIENT_ORDER_ID', 'place:INVALID_PRICE',
    'place:INVALID_AMOUNT', 'place:UNKNOWN_PAIR', 'place:VALIDATION_ERROR', 'cancelOrder:ok', 'cancelOrder:NOT_FOUND', 'cancelByClientOrderId:ok', 'cancelByClientOrderId:NOT_FOUND', 'cancelAll:ok',
    'deposit:ok', 'deposit:INVALID_AMOUNT', 'withdraw:ok', 'withdraw:INSUFFICIENT_BALANCE', 'sweep:4+levels',
    'maker:partially_filled',
  ]) {
    assert.ok((tally.get(needed) ?? 0) > 0, `the stream never produced ${needed}`);
  }
});

function outcomeKey(cmd: Command, result: CommandResult | undefined): string {
  const kind = cmd.type === 'placeOrder' ? 'place' : cmd.type;
  if (result === undefined) return `${kind}:?`;
  if (!result.ok) return `${kind}:${result.code}`;
  if ('order' in result && cmd.type === 'placeOrder') {
    const o = result.order;
    return `place:${o.status}${o.cancelReason === null ? '' : '/' + o.cancelReason}`;
  }
  return `${kind}:ok`;
}
