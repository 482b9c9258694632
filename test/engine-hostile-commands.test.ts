/**
 * The engine's own validation under hostile commands (test/support/hostile-commands.ts): commands
 * reach the engine from the journal and other callers, not only through the API's schemas, so any
 * value in any field must be safe. For every command: execute never throws; a rejection carries a code
 * from the catalogue, emits nothing and leaves stateHash unchanged; after a success every invariant
 * holds and results, events and state hold only plain JSON values (no NaN, -0, undefined, bigint or
 * objects smuggled in); nothing is added to Object.prototype. At the end the same list replays, loud
 * and quiet, to the same stateHash.
 *
 * The seed is printed; HOOATS_SEED=<int> replays it, HOOATS_RUNS=<int> changes the number of runs.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import type { Command } from '../src/engine/commands.js';
import { Engine } from '../src/engine/engine.js';
import type { CommandResult, EngineEvent } from '../src/engine/events.js';
import { ERRORS } from '../src/errors.js';
import { HOSTILE_MARKETS, hostileCommandLists, hostileSetup, show } from './support/hostile-commands.js';
import { assertInvariants } from './support/invariants.js';
import { seedFromEnv } from './support/prng.js';

const seed = seedFromEnv(Math.floor(Math.random() * 2_147_483_647));
const numRuns = Number(process.env.HOOATS_RUNS ?? 1_000);
console.log(`engine-hostile-commands seed=${seed} numRuns=${numRuns} (replay with HOOATS_SEED=${seed})`);

const SETUP = hostileSetup();
const commandLists = hostileCommandLists();

/** An engine after the setup commands, each of which must have been accepted. */
function setUp(): Engine {
  const engine = new Engine(HOSTILE_MARKETS);
  for (const cmd of SETUP) {
    const result = engine.execute(cmd, []);
    assert.ok(result.ok && (!('order' in result) || result.order.status === 'open'), `setup ${show(cmd)}: ${show(result)}`);
  }
  return engine;
}

/**
 * Where `value` holds something other than null, booleans, well-formed strings, safe integers (not
 * -0), arrays and plain objects (what JSON, the journal and Redis give back unchanged); null if nowhere.
 */
function notPlain(value: unknown, path: string): string | null {
  switch (typeof value) {
    case 'boolean':
      return null;
    case 'string':
      return (value as unknown as { isWellFormed(): boolean }).isWellFormed() ? null : `${path}: lone surrogate in ${show(value)}`;
    case 'number':
      return Number.isSafeInteger(value) && !Object.is(value, -0) ? null : `${path}: ${show(value)} is not a safe integer`;
    case 'object': {
      if (value === null) return null;
      if (!Array.isArray(value) && Object.getPrototypeOf(value) !== Object.prototype) return `${path}: ${show(value)} is not a plain object`;
      for (const [k, v] of Object.entries(value)) {
        const found = notPlain(v, `${path}.${k}`);
        if (found !== null) return found;
      }
      return null;
    }
    default:
      return `${path}: ${show(value)} is a ${typeof value}`;
  }
}

/** Runs one list, checking every command; returns the engine and each command's result and events. */
function runChecked(commands: readonly Command[]): { engine: Engine; results: CommandResult[]; emitted: EngineEvent[][] } {
  const engine = setUp();
  const results: CommandResult[] = [];
  const emitted: EngineEvent[][] = [];
  for (const [i, cmd] of commands.entries()) {
    const before = engine.stateHash();
    const events: EngineEvent[] = [];
    let result: CommandResult;
    try {
      result = engine.execute(cmd, events);
    } catch (err) {
      assert.fail(`command #${i} ${show(cmd)} threw ${(err as Error).stack}`);
    }
    results.push(result);
    emitted.push(events);
    // the message is built only on failure: show() of every command would cost more than running it
    const fail = (what: string): never => assert.fail(`command #${i} ${show(cmd)}\n  -> ${show(result)}\n  ${what}`);
    const plain = (value: unknown, path: string): void => {
      const found = notPlain(value, path);
      if (found !== null) fail(found);
    };
    plain(events, 'events');
    if (!result.ok) {
      if (!Object.hasOwn(ERRORS, result.code)) fail('code not in the catalogue');
      // the message may quote what was sent (a lone surrogate too): it only has to be a string
      if (typeof result.message !== 'string' || Object.keys(result).join() !== 'ok,code,message') fail('not a plain rejection');
      if (events.length > 0) fail(`a rejection emitted events: ${show(events)}`);
      if (engine.stateHash() !== before) fail('a rejection changed the state');
    } else {
      plain(result, 'result');
      // the cancelled order is the one named, of the caller (not, say, the id a fraction truncates to)
      if (cmd.type === 'cancelOrder' && 'order' in result && (result.order.id !== cmd.orderId || result.order.userId !== cmd.userId)) {
        fail('cancelled another order than the one named');
      }
      if (cmd.type === 'cancelByClientOrderId' && 'order' in result && (result.order.clientOrderId !== cmd.clientOrderId || result.order.userId !== cmd.userId)) {
        fail('cancelled another order than the one named by its clientOrderId');
      }
      try {
        assertInvariants(engine);
      } catch (err) {
        fail((err as Error).message);
      }
      plain(engine.snapshot(), 'snapshot');
    }
    if (Object.keys(Object.prototype).length > 0) fail(`Object.prototype polluted: ${Object.keys(Object.prototype).join()}`);
  }
  return { engine, results, emitted };
}

describe('engine under hostile commands', () => {
  test('the generator reaches every command type, accepted and rejected with every validation code', () => {
    const seen = new Map<string, number>();
    for (const commands of fc.sample(commandLists, { seed, numRuns: 200 })) {
      const engine = setUp();
      for (const cmd of commands) {
        const result = engine.execute(cmd, []);
        const type = typeof cmd.type === 'string' ? cmd.type : 'non-string';
        for (const key of [`${type}:${result.ok ? 'ok' : result.code}`, result.ok ? 'ok' : result.code]) seen.set(key, (seen.get(key) ?? 0) + 1);
      }
    }
    const wanted = [
      'placeOrder:ok', 'cancelOrder:ok', 'cancelByClientOrderId:ok', 'cancelAll:ok', 'deposit:ok', 'withdraw:ok', 'addLiquidity:ok', 'removeLiquidity:ok',
      'placeOrder:VALIDATION_ERROR', 'placeOrder:INVALID_PRICE', 'placeOrder:INVALID_AMOUNT', 'placeOrder:UNKNOWN_PAIR',
      'placeOrder:INSUFFICIENT_BALANCE', 'placeOrder:DUPLICATE_CLIENT_ORDER_ID', 'cancelOrder:NOT_FOUND', 'cancelByClientOrderId:NOT_FOUND', 'cancelAll:UNKNOWN_PAIR',
      'deposit:VALIDATION_ERROR', 'deposit:INVALID_AMOUNT', 'withdraw:INSUFFICIENT_BALANCE', 'withdraw:INVALID_AMOUNT',
      'addLiquidity:INVALID_AMOUNT', 'removeLiquidity:UNKNOWN_PAIR', 'removeLiquidity:VALIDATION_ERROR', 'removeLiquidity:INSUFFICIENT_BALANCE',
      'non-string:VALIDATION_ERROR',
    ];
    for (const key of wanted) assert.ok((seen.get(key) ?? 0) > 0, `never reached ${key}: ${show([...seen])}`);
  });

  test('every command: no throw; a rejection has a code, no events, no state change; a success keeps every invariant; replay is exact', () => {
    fc.assert(
      fc.property(commandLists, (commands) => {
        const { engine, results, emitted } = runChecked(commands);
        // the same list into fresh engines, with events and quietly (as the journal replays)
        const loud = setUp();
        const quiet = setUp();
        for (const [i, cmd] of commands.entries()) {
          const events: EngineEvent[] = [];
          const again = loud.execute(cmd, events);
          const q = quiet.execute(cmd, null);
          const expected = results[i];
          if (!isDeepStrictEqual(again, expected) || !isDeepStrictEqual(events, emitted[i]) || q.ok !== expected.ok || (!q.ok && !expected.ok && q.code !== expected.code)) {
            assert.fail(`replay of command #${i} ${show(cmd)}\n  first: ${show(expected)}\n  again: ${show(again)}\n  quiet: ${show(q)}`);
          }
        }
        assert.equal(loud.stateHash(), engine.stateHash(), 'replay with events: stateHash');
        assert.equal(quiet.stateHash(), engine.stateHash(), 'quiet replay: stateHash');
      }),
      { seed, numRuns },
    );
  });
});
