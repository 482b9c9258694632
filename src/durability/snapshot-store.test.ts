import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadLatestSnapshot, pruneSnapshots, snapshotFileName, writeSnapshot } from './snapshot-store.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'hooats-snap-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const state = (seq: number) => Buffer.from(JSON.stringify({ seq, books: ['BTC-USDT'], filler: 'z'.repeat(seq % 50) }));

test('no snapshot directory or no snapshot reads as null', async () => {
  assert.equal(await loadLatestSnapshot(join(tmpdir(), 'hooats-no-such-snapshots-x')), null);
  assert.equal(await loadLatestSnapshot(tempDir()), null);
});

test('round trip: the newest snapshot wins, and the file name carries its sequence', async () => {
  const dir = tempDir();
  await writeSnapshot(dir, 100, state(100));
  const path = await writeSnapshot(dir, 250, state(250));
  assert.equal(path, join(dir, snapshotFileName(250)));
  assert.equal(snapshotFileName(250), 'snapshot-00000000000000000250.snap');
  assert.equal(readFileSync(path).subarray(0, 4).toString('latin1'), 'HOOS');
  const loaded = await loadLatestSnapshot(dir);
  assert.equal(loaded?.seq, 250);
  assert.deepEqual(loaded?.payload, state(250));
  assert.deepEqual(loaded?.skipped, []);
  assert.deepEqual(readdirSync(dir).filter((n) => n.endsWith('.tmp')), [], 'no temporary file is left');
});

test('a leftover .tmp from a crash mid-write is ignored', async () => {
  const dir = tempDir();
  await writeSnapshot(dir, 10, state(10));
  writeFileSync(join(dir, `${snapshotFileName(20)}.tmp`), Buffer.from('HOOS half written'));
  const loaded = await loadLatestSnapshot(dir);
  assert.equal(loaded?.seq, 10);
  assert.deepEqual(loaded?.skipped, []);
});

test('a newest snapshot that fails validation falls back to an older one, and says so', async () => {
  const dir = tempDir();
  await writeSnapshot(dir, 10, state(10));
  await writeSnapshot(dir, 20, state(20));
  const p30 = await writeSnapshot(dir, 30, state(30));
  const p20 = join(dir, snapshotFileName(20));
  const bytes = readFileSync(p30);
  bytes[bytes.length - 1] ^= 0x20;
  writeFileSync(p30, bytes);
  truncateSync(p20, 30);
  const warnings: object[] = [];
  const loaded = await loadLatestSnapshot(dir, { log: { warn: (obj) => warnings.push(obj) } });
  assert.equal(loaded?.seq, 10);
  assert.deepEqual(loaded?.payload, state(10));
  assert.deepEqual(
    loaded?.skipped.map((s) => s.file),
    [p30, p20],
  );
  assert.match(loaded!.skipped[0].reason, /checksum/);
  assert.match(loaded!.skipped[1].reason, /length/);
  assert.equal(warnings.length, 2);
  assert.ok(existsSync(p30), 'a bad snapshot is kept for inspection');
});

test('a snapshot whose header disagrees with its file name is rejected', async () => {
  const dir = tempDir();
  const path = await writeSnapshot(dir, 7, state(7));
  writeFileSync(join(dir, snapshotFileName(8)), readFileSync(path));
  const loaded = await loadLatestSnapshot(dir);
  assert.equal(loaded?.seq, 7);
  assert.match(loaded!.skipped[0].reason, /does not match the file name/);
});

test('an empty payload is a valid snapshot', async () => {
  const dir = tempDir();
  await writeSnapshot(dir, 1, new Uint8Array(0));
  const loaded = await loadLatestSnapshot(dir);
  assert.equal(loaded?.payload.length, 0);
});

test('pruneSnapshots keeps the newest ones and clears old temporary files', async () => {
  const dir = tempDir();
  for (const seq of [5, 10, 15, 20]) await writeSnapshot(dir, seq, state(seq));
  writeFileSync(join(dir, `${snapshotFileName(12)}.tmp`), 'stale');
  writeFileSync(join(dir, `${snapshotFileName(25)}.tmp`), 'maybe in progress');
  const deleted = await pruneSnapshots(dir);
  assert.equal(deleted.length, 3);
  assert.deepEqual(readdirSync(dir).sort(), [
    snapshotFileName(15),
    snapshotFileName(20),
    `${snapshotFileName(25)}.tmp`,
  ]);
  assert.deepEqual(await pruneSnapshots(dir, 2), []);
  await assert.rejects(pruneSnapshots(dir, 0), RangeError);
  assert.equal((await loadLatestSnapshot(dir))?.seq, 20);
});
