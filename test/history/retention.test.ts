/**
 * Retention: what the sequencer's pruning must keep so that a history writer that fell behind can
 * still catch up. The rule (src/history/retention.ts) on its own, then on a real data dir with several
 * segments and snapshots: pruned by today's rule (2 newest snapshots, segments they cover) the late
 * writer is stranded; pruned by the retention rule it catches up to exactly the right rows.
 */
import assert from 'node:assert/strict';
import { cpSync, readdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { pruneSegments } from '../../src/durability/prune.js';
import { snapshotFileName } from '../../src/durability/snapshot-store.js';
import { HistoryWriter } from '../../src/history/history-writer.js';
import { retentionPlan } from '../../src/history/retention.js';
import { SqliteHistoryStore } from '../../src/history/sqlite-store.js';
import { seedFromEnv } from '../support/prng.js';
import { Exchange, HISTORY_CATALOGUE, MemoryLog, expectedDump, tempDir } from './support.js';

test('retentionPlan keeps the newest snapshots plus the one a late reader starts from', () => {
  assert.deepEqual(retentionPlan([100, 200, 300, 400], 2, Infinity), { keepSnapshots: [400, 300], deleteSnapshots: [200, 100], coveredSeq: 300 });
  assert.deepEqual(retentionPlan([100, 200, 300, 400], 2, 251), { keepSnapshots: [400, 300, 200], deleteSnapshots: [100], coveredSeq: 200 });
  assert.deepEqual(retentionPlan([100, 200, 300, 400], 2, 201), { keepSnapshots: [400, 300, 200], deleteSnapshots: [100], coveredSeq: 200 });
  assert.deepEqual(retentionPlan([100, 200, 300, 400], 2, 200), { keepSnapshots: [400, 300, 100], deleteSnapshots: [200], coveredSeq: 100 });
  // the reader is caught up: nothing more than today
  assert.deepEqual(retentionPlan([100, 200, 300, 400], 2, 401), { keepSnapshots: [400, 300], deleteSnapshots: [200, 100], coveredSeq: 300 });
  // no snapshot before the reader's point: it replays from an empty engine, so the whole journal stays
  assert.deepEqual(retentionPlan([100, 200, 300], 2, 50), { keepSnapshots: [300, 200], deleteSnapshots: [100], coveredSeq: 0 });
  assert.deepEqual(retentionPlan([], 2, 10), { keepSnapshots: [], deleteSnapshots: [], coveredSeq: 0 });
});

function snapshotSeqs(dataDir: string): number[] {
  return readdirSync(join(dataDir, 'snapshots'))
    .map((n) => /^snapshot-(\d{20})\.snap$/.exec(n))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]));
}

async function prune(dataDir: string, retainFrom: number): Promise<void> {
  const plan = retentionPlan(snapshotSeqs(dataDir), 2, retainFrom);
  for (const seq of plan.deleteSnapshots) unlinkSync(join(dataDir, 'snapshots', snapshotFileName(seq)));
  if (plan.coveredSeq > 0) await pruneSegments(join(dataDir, 'journal'), plan.coveredSeq);
}

test('a writer that fell behind catches up after pruning by the retention rule, and is stranded by today’s', async () => {
  const seed = seedFromEnv(515);
  console.log(`[history retention] seed ${seed}`);
  const tmp = tempDir('hooats-history-retention-');
  const live = join(tmp.dir, 'live');
  // automatic snapshots off: this test writes and prunes them itself, as the sequencer would
  const ex = await Exchange.open(live, seed, 1_000_000_000);
  try {
    const store = SqliteHistoryStore.open({ dataDir: live });
    const first = new HistoryWriter({ store, markets: HISTORY_CATALOGUE, dataDir: live, durableSeq: () => ex.sequencer.durableSeq });
    const unsubscribe = ex.sequencer.onDurable(first.listener);
    first.start();
    await ex.fund();
    await ex.run(200);
    await ex.reopenAfterCrash(); // a segment boundary
    ex.sequencer.onDurable(first.listener);
    await ex.run(100);
    const early = await ex.writeSnapshotNow();
    await ex.run(100);
    await ex.settle();
    await first.whenPersisted(ex.sequencer.durableSeq);
    const persisted = first.persistedSeq;
    assert.equal(first.retainFrom(), persisted + 1);
    assert.ok(early < persisted);
    await first.close();
    unsubscribe();
    await store.close();
    // the exchange goes on without history: more segments and snapshots
    for (let i = 0; i < 3; i++) {
      await ex.run(250);
      await ex.writeSnapshotNow();
      await ex.reopenAfterCrash();
    }
    await ex.run(100);
    await ex.settle();
    const durable = ex.sequencer.durableSeq;
    const expected = expectedDump(ex.durable);

    const copy = (name: string): string => {
      const dir = join(tmp.dir, name);
      cpSync(live, dir, { recursive: true });
      return dir;
    };
    const todays = copy('todays-rule');
    const retained = copy('retention-rule');
    await prune(todays, Infinity);
    await prune(retained, persisted + 1);
    assert.ok(readdirSync(join(retained, 'journal')).length < readdirSync(join(live, 'journal')).length, 'the rule still prunes');
    assert.ok(snapshotSeqs(retained).includes(early));

    const catchUp = async (dataDir: string) => {
      const s = SqliteHistoryStore.open({ dataDir });
      const log = new MemoryLog();
      const w = new HistoryWriter({
        store: s,
        markets: HISTORY_CATALOGUE,
        dataDir,
        durableSeq: () => durable,
        initialBackoffMs: 5,
        maxBackoffMs: 20,
        log,
      });
      w.start();
      return { s, w, log };
    };

    const good = await catchUp(retained);
    await good.w.whenPersisted(durable);
    assert.deepStrictEqual(await good.s.dump(), expected);
    assert.ok(good.log.lines.some((l) => (l.obj as { snapshotSeq?: number }).snapshotSeq === early));
    await good.w.close();
    await good.s.close();

    const bad = await catchUp(todays);
    const until = Date.now() + 5_000;
    while (bad.w.state !== 'stalled' && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
    assert.equal(bad.w.state, 'stalled');
    assert.match(bad.w.status().lastError ?? '', /JournalGapError/);
    assert.equal(bad.w.persistedSeq, persisted);
    await bad.w.close();
    await bad.s.close();
  } finally {
    await ex.close();
    tmp.remove();
  }
});
