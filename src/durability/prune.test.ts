import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JournalWriter } from './journal-writer.js';
import { listSegments, readJournal } from './journal-reader.js';
import { pruneSegments } from './prune.js';
import { RECORD_HEADER_BYTES, SEGMENT_HEADER_BYTES } from './record-format.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'hooats-prune-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** 25 records of 4 bytes, 10 per segment: segments start at 1, 11 and 21. */
async function journalOfThreeSegments(dir: string): Promise<void> {
  const segmentBytes = SEGMENT_HEADER_BYTES + 10 * (RECORD_HEADER_BYTES + 4);
  const writer = await JournalWriter.open({ dir, fsyncMode: 'none', startSeq: 1, segmentBytes });
  for (let seq = 1; seq <= 25; seq++) writer.append(seq, Buffer.from('abcd'));
  await writer.close();
  assert.deepEqual(listSegments(dir).map((s) => s.firstSeq), [1, 11, 21]);
}

test('deletes only segments whose every record is covered', async () => {
  const dir = tempDir();
  await journalOfThreeSegments(dir);
  assert.deepEqual(await pruneSegments(dir, 9), []);
  const oldest = listSegments(dir)[0].path;
  assert.deepEqual(await pruneSegments(dir, 15), [oldest]);
  assert.deepEqual(listSegments(dir).map((s) => s.firstSeq), [11, 21]);

  const replayed: number[] = [];
  const result = readJournal({ dir, fromSeq: 16, onRecord: (seq) => replayed.push(seq) });
  assert.equal(result.lastSeq, 25);
  assert.deepEqual(replayed, [16, 17, 18, 19, 20, 21, 22, 23, 24, 25]);
});

test('never deletes the newest segment, even when everything is covered', async () => {
  const dir = tempDir();
  await journalOfThreeSegments(dir);
  const deleted = await pruneSegments(dir, 1_000);
  assert.equal(deleted.length, 2);
  assert.deepEqual(listSegments(dir).map((s) => s.firstSeq), [21]);
  assert.equal(readJournal({ dir, fromSeq: 26, onRecord: () => {} }).lastSeq, 25);
});

test('an empty or missing directory has nothing to prune', async () => {
  assert.deepEqual(await pruneSegments(tempDir(), 10), []);
  assert.deepEqual(await pruneSegments(join(tmpdir(), 'hooats-no-such-journal-x'), 10), []);
});
