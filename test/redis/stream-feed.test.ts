/**
 * The stream readers of Redis mode: StreamFeed (live, merged by command number across the market and
 * account streams, as every API process publishes them) and the history's catch-up from the streams,
 * which must refuse to skip what the stream cap trimmed away.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Command } from '../../src/engine/commands.js';
import type { EngineEvent } from '../../src/engine/events.js';
import { CatchUpGapError } from '../../src/history/catch-up.js';
import type { DurableEntry } from '../../src/history/rows.js';
import { RedisEngine } from '../../src/redis/redis-engine.js';
import { StreamFeed } from '../../src/redis/stream-feed.js';
import { streamCatchUp } from '../../src/redis/stream-replay.js';
import { TEST_MARKETS } from '../support/markets.js';
import { REDIS_URL, redisSkip, uniquePrefix } from './support.js';

const skip = redisSkip;

async function open(streamMaxLen?: number) {
  const engine = await RedisEngine.open({ url: REDIS_URL, markets: TEST_MARKETS, prefix: uniquePrefix('feed'), streamMaxLen });
  const streams = [...TEST_MARKETS.map((m) => engine.marketKeys(m.pair)!.events), engine.accountStream];
  return { engine, streams, decode: (fields: ReadonlyArray<string | Buffer>) => engine.decodeStreamEntry(fields) };
}

test('StreamFeed delivers every command with events once, in command order, across streams', { skip }, async () => {
  const { engine, streams, decode } = await open();
  const reader = engine.redis.duplicate();
  await reader.connect();
  try {
    await engine.execute({ type: 'deposit', time: 1, userId: 'early', asset: 'USDC', amount: 5 });
    const feed = await StreamFeed.start({ reader, streams, decode, blockMs: 100 });
    assert.equal(feed.lastSeq, 1, 'starts after what is already there');
    const delivered: Array<{ seq: number; events: readonly EngineEvent[]; time: number | null }> = [];
    feed.onDurable((seq, events, time) => delivered.push({ seq, events, time }));
    const expected: EngineEvent[][] = [];
    const times: Array<number | null> = [];
    const cmds: Command[] = [
      { type: 'deposit', time: 2, userId: 's', asset: 'IDX', amount: 1000 },
      { type: 'deposit', time: 3, userId: 'b', asset: 'USDC', amount: 10_000_000 },
      { type: 'placeOrder', time: 4, userId: 's', pair: 'IDX-USDC', side: 'sell', orderType: 'limit', price: 1000, amount: 10 },
      { type: 'withdraw', time: 5, userId: 'b', asset: 'USDC', amount: 1e15 },
      { type: 'placeOrder', time: 6, userId: 'b', pair: 'IDX-USDC', side: 'buy', orderType: 'limit', price: 1000, amount: 4 },
      { type: 'cancelAll', time: 7, userId: 's', pair: null },
    ];
    for (const cmd of cmds) {
      const { events } = await engine.execute(cmd);
      if (events.length === 0) continue;
      expected.push(events);
      times.push(cmd.type === 'deposit' || cmd.type === 'withdraw' ? null : cmd.time);
    }
    await feed.whenDurable(1 + expected.length);
    assert.deepEqual(delivered.map((d) => d.seq), expected.map((_e, i) => 2 + i), 'rising by one; the rejected withdrawal takes no number');
    assert.deepEqual(delivered.map((d) => d.events), expected, 'the events execute returned');
    assert.deepEqual(delivered.map((d) => d.time), times, "orders' and cancels' entries carry the command's time");
    assert.equal(feed.gaps, 0);
    await feed.close();
  } finally {
    await engine.destroy();
    await engine.close();
  }
});

test('history catch-up from the streams: complete when the entries are there, CatchUpGapError when trimmed', { skip }, async () => {
  const { engine, streams, decode } = await open(10);
  try {
    for (let i = 0; i < 300; i++) await engine.execute({ type: 'deposit', time: i, userId: 'u', asset: 'USDC', amount: 1 });
    const source = streamCatchUp({ redis: engine.redis, streams, decode, pageSize: 7 });
    const got: DurableEntry[] = [];
    const recent = await source(295);
    await recent.run(300, 295, async (entries) => void got.push(...entries));
    assert.deepEqual(got.map((e) => e.seq), [296, 297, 298, 299, 300]);
    assert.equal(got[4].events[0].type, 'balance');
    assert.equal(recent.seq, 300);
    const old = await source(0);
    await assert.rejects(old.run(300, 0, async () => {}), CatchUpGapError);
    // a later run of the same replay reads only what came after: not the retained stream again
    let entriesRead = 0;
    const counting = new Proxy(engine.redis, {
      get(target, prop, receiver) {
        if (prop !== 'xrange') return Reflect.get(target, prop, receiver);
        return async (...args: Parameters<typeof target.xrange>) => {
          const page = await target.xrange(...args);
          entriesRead += page.length;
          return page;
        };
      },
    });
    const tracked = await streamCatchUp({ redis: counting, streams, decode, pageSize: 7 })(295);
    await tracked.run(300, 295, async () => {});
    assert.ok(entriesRead >= 5, `the first run read ${entriesRead} entries`);
    for (let i = 300; i < 303; i++) await engine.execute({ type: 'deposit', time: i, userId: 'u', asset: 'USDC', amount: 1 });
    entriesRead = 0;
    const later: DurableEntry[] = [];
    await tracked.run(303, 300, async (entries) => void later.push(...entries));
    assert.deepEqual(later.map((e) => e.seq), [301, 302, 303]);
    assert.equal(entriesRead, 3, 'the second run read only the 3 new entries');
  } finally {
    await engine.destroy();
    await engine.close();
  }
});

test('a keyspace that starts over under a running feed is reported (rewinds), not silently ignored', { skip }, async () => {
  const { engine, streams, decode } = await open();
  const prefix = engine.keyspace.prefix;
  const reader = engine.redis.duplicate();
  await reader.connect();
  const errors: string[] = [];
  const feed = await StreamFeed.start({ reader, streams, decode, blockMs: 100, onError: (_err, what) => errors.push(what) });
  let again: RedisEngine | null = null;
  try {
    for (let i = 0; i < 3; i++) await engine.execute({ type: 'deposit', time: i, userId: 'u', asset: 'USDC', amount: 1 });
    await feed.whenDurable(3);
    // as after a restart without AOF: the state is gone and is created afresh, counters from 0
    await engine.destroy();
    again = await RedisEngine.open({ url: REDIS_URL, markets: TEST_MARKETS, prefix });
    await again.execute({ type: 'deposit', time: 9, userId: 'u', asset: 'USDC', amount: 1 });
    const until = Date.now() + 5_000;
    while (feed.rewinds === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    assert.equal(feed.rewinds, 1);
    assert.equal(feed.lastSeq, 3, 'nothing of the new keyspace is delivered as if it followed the old one');
    assert.ok(errors.some((e) => e.includes('rewound')), errors.join('; '));
  } finally {
    await feed.close();
    await again?.destroy();
    await again?.close();
    await engine.close();
  }
});
