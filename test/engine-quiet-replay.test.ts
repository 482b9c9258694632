/**
 * Replay runs the engine without building events (execute(cmd, null)); the state must change exactly
 * as when events are built, and the book sequences must still rise.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Engine } from '../src/engine/engine.js';
import type { EngineEvent } from '../src/engine/events.js';
import { TEST_MARKETS } from './support/markets.js';
import { makeRng, seedFromEnv } from './support/prng.js';
import { CommandStream } from './support/random-commands.js';

describe('quiet replay', () => {
  it('gives the same results (ok or not), state hash and book sequences as a run with events', () => {
    const seed = seedFromEnv(Date.now() % 1_000_000);
    console.log(`quiet replay seed=${seed} (HOOATS_SEED to repeat)`);
    const stream = new CommandStream(makeRng(seed), 40);
    const loud = new Engine(TEST_MARKETS);
    const quiet = new Engine(TEST_MARKETS);
    const events: EngineEvent[] = [];
    const commands = [...stream.funding()];
    for (let i = 0; i < 20_000; i++) commands.push(stream.next());
    for (const [i, cmd] of commands.entries()) {
      const a = loud.execute(cmd, events);
      const b = quiet.execute(cmd, null);
      stream.observe(cmd, a);
      assert.equal(b.ok, a.ok, `command ${i} ${JSON.stringify(cmd)}`);
      if (!a.ok && !b.ok) assert.equal(b.code, a.code);
      events.length = 0;
    }
    assert.equal(quiet.stateHash(), loud.stateHash());
    for (const m of TEST_MARKETS) assert.equal(quiet.depth(m.pair)!.seq, loud.depth(m.pair)!.seq);
  });
});
