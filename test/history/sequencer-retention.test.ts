/**
 * The sequencer's side of the history: `retain` makes snapshot pruning follow the retention rule
 * (src/history/retention.ts) on a real data dir, and `onDurable` tells each command's time.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { listSegments } from '../../src/durability/journal-reader.js';
import type { EngineEvent } from '../../src/engine/events.js';
import { seedFromEnv } from '../support/prng.js';
import { Exchange, tempDir } from './support.js';

function snapshotSeqs(dataDir: string): number[] {
  return readdirSync(join(dataDir, 'snapshots'))
    .map((n) => /^snapshot-(\d{20})\.snap$/.exec(n))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
}

const firstJournalSeq = (dataDir: string): number => listSegments(join(dataDir, 'journal'))[0].firstSeq;

test('snapshot pruning keeps the snapshot and journal a retainer still needs, and only while it is registered', async () => {
  const seed = seedFromEnv(4242);
  const tmp = tempDir('hooats-seq-retention-');
  // automatic snapshots off: the test calls snapshot() itself
  const ex = await Exchange.open(tmp.dir, seed, 1_000_000_000);
  try {
    await ex.fund();
    await ex.run(100);
    const retainers: Array<() => void> = [];
    // a reader that has everything up to `a` (and registered on every sequencer that runs this data dir)
    let readerFrom = Infinity;
    const reader = () => readerFrom;
    const snapshotAndReopen = async (): Promise<number> => {
      await ex.settle();
      await ex.sequencer.snapshot();
      const seq = ex.sequencer.lastSeq;
      await ex.reopenAfterCrash(); // the next commands go to a new segment
      retainers.push(ex.sequencer.retain(reader));
      return seq;
    };
    const a = await snapshotAndReopen();
    readerFrom = a + 1;
    await ex.run(100);
    const b = await snapshotAndReopen();
    await ex.run(100);
    const c = await snapshotAndReopen();
    await ex.run(100);
    await ex.settle();
    await ex.sequencer.snapshot();
    const d = ex.sequencer.lastSeq;
    // today's rule would keep [c, d] and the journal after c; the reader needs a and the journal after it
    assert.deepEqual(snapshotSeqs(tmp.dir), [a, c, d], `b=${b} goes, a stays`);
    assert.equal(firstJournalSeq(tmp.dir), a + 1, 'segments up to a go, the ones after it stay');

    // a reader that has nothing yet (no snapshot before it): no segment may go
    readerFrom = 1;
    await ex.run(50);
    await ex.settle();
    await ex.sequencer.snapshot();
    const e = ex.sequencer.lastSeq;
    assert.deepEqual(snapshotSeqs(tmp.dir), [d, e]);
    assert.equal(firstJournalSeq(tmp.dir), a + 1, 'nothing more was pruned');

    // unregistered: today's behaviour (the two newest snapshots, segments up to the older one)
    for (const release of retainers) release();
    await ex.run(50);
    await ex.reopenAfterCrash();
    await ex.run(50);
    await ex.settle();
    await ex.sequencer.snapshot();
    const f = ex.sequencer.lastSeq;
    assert.deepEqual(snapshotSeqs(tmp.dir), [e, f]);
    // the segments started after a and after b end before e: gone; the one started after c holds e + 1
    assert.equal(firstJournalSeq(tmp.dir), c + 1, 'the segments the older snapshot covers are gone');
    assert.deepEqual(readdirSync(join(tmp.dir, 'snapshots')).filter((n) => n.endsWith('.tmp')), []);
  } finally {
    await ex.close();
    tmp.remove();
  }
});

test('onDurable gives each durable command its time, also to commands whose events carry none', async () => {
  const tmp = tempDir('hooats-seq-time-');
  const ex = await Exchange.open(tmp.dir, seedFromEnv(77), 1_000_000_000);
  try {
    const seen: Array<{ seq: number; events: readonly EngineEvent[]; time: number }> = [];
    const stamped = new Map<number, number>();
    ex.sequencer.onDurable((seq, events, time) => seen.push({ seq, events, time }));
    await ex.fund();
    // the clock the sequencer stamped with, per sequence number
    await ex.run(300, () => undefined);
    for (const r of seen) {
      assert.ok(Number.isSafeInteger(r.time), `seq ${r.seq} has a time`);
      for (const e of r.events) {
        if (e.type === 'trade') assert.equal(e.time, r.time);
        if (e.type === 'orderAccepted') assert.equal(e.order.createdAt, r.time);
      }
      stamped.set(r.seq, r.time);
    }
    assert.equal(stamped.size, ex.sequencer.durableSeq);
    const withoutTime = seen.filter((r) => !r.events.some((e) => e.type === 'trade' || e.type === 'orderAccepted'));
    assert.ok(withoutTime.length > 0, 'some commands (cancels, deposits) have no event with a time');
  } finally {
    await ex.close();
    tmp.remove();
  }
});
