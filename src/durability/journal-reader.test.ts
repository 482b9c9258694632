import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JournalWriter } from './journal-writer.js';
import { JournalCorruptError, listSegments, readJournal } from './journal-reader.js';
import {
  RECORD_HEADER_BYTES,
  SEGMENT_HEADER_BYTES,
  encodeRecord,
  encodeSegmentHeader,
  segmentFileName,
} from './record-format.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'hooats-replay-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const PAYLOAD_BYTES = 20;
const RECORD_BYTES = RECORD_HEADER_BYTES + PAYLOAD_BYTES;
/** Fixed-size payloads so that record offsets are easy to compute: record k of a segment at 16 + k * 36. */
const payloadFor = (seq: number) => Buffer.from(`rec-${String(seq).padStart(16, '0')}`);

async function writeJournal(dir: string, from: number, to: number, segmentBytes?: number): Promise<void> {
  const writer = await JournalWriter.open({ dir, fsyncMode: 'none', startSeq: from, segmentBytes });
  for (let seq = from; seq <= to; seq++) writer.append(seq, payloadFor(seq));
  await writer.close();
}

function seqs(dir: string, fromSeq = 1) {
  const seen: number[] = [];
  const result = readJournal({
    dir,
    fromSeq,
    onRecord: (seq, payload) => {
      assert.deepEqual(payload, payloadFor(seq));
      seen.push(seq);
    },
  });
  return { seen, result };
}

function lastSegment(dir: string): string {
  return listSegments(dir).at(-1)!.path;
}

function corruptError(fn: () => unknown, file: string, offset: number): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof JournalCorruptError, String(err));
    assert.equal(err.file, file);
    assert.equal(err.offset, offset);
    assert.ok(err.message.includes(file) && err.message.includes(`offset ${offset}`), err.message);
    return true;
  });
}

test('an empty or missing journal directory reads as nothing', () => {
  assert.deepEqual(readJournal({ dir: join(tmpdir(), 'hooats-no-such-dir-x'), onRecord: () => {} }), {
    lastSeq: 0,
    recordsRead: 0,
  });
  assert.deepEqual(readJournal({ dir: tempDir(), fromSeq: 11, onRecord: () => {} }), { lastSeq: 10, recordsRead: 0 });
});

test('a record cut mid-way at the end is truncated, reported, and appending continues', async () => {
  const dir = tempDir();
  await writeJournal(dir, 1, 10);
  const file = lastSegment(dir);
  const size = statSync(file).size;
  truncateSync(file, size - 5);
  const messages: object[] = [];
  const result = readJournal({ dir, onRecord: () => {}, log: { warn: (obj) => messages.push(obj) } });
  const tornAt = SEGMENT_HEADER_BYTES + 9 * RECORD_BYTES;
  assert.equal(result.lastSeq, 9);
  assert.deepEqual(result.truncated && { ...result.truncated, reason: '' }, {
    file,
    offset: tornAt,
    bytesDropped: RECORD_BYTES - 5,
    reason: '',
  });
  assert.equal(messages.length, 1);
  assert.equal(statSync(file).size, tornAt);

  await writeJournal(dir, 10, 15);
  const again = seqs(dir);
  assert.deepEqual(again.seen, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
  assert.equal(again.result.truncated, undefined);
});

test('a cut inside the record header is a torn tail too', async () => {
  const dir = tempDir();
  await writeJournal(dir, 1, 3);
  const file = lastSegment(dir);
  truncateSync(file, SEGMENT_HEADER_BYTES + 2 * RECORD_BYTES + 7);
  const { seen, result } = seqs(dir);
  assert.deepEqual(seen, [1, 2]);
  assert.equal(result.truncated?.bytesDropped, 7);
});

test('garbage in the final record, or a zero-filled tail, is a torn tail', async () => {
  const dir = tempDir();
  await writeJournal(dir, 1, 5);
  const file = lastSegment(dir);
  const bytes = readFileSync(file);
  bytes[bytes.length - 3] ^= 0xff;
  writeFileSync(file, bytes);
  assert.equal(seqs(dir).result.lastSeq, 4);

  appendFileSync(file, Buffer.alloc(4096)); // a crash after the file grew but before its data landed
  const { result } = seqs(dir);
  assert.equal(result.lastSeq, 4);
  assert.equal(result.truncated?.bytesDropped, 4096);
});

test('a segment whose header was torn is cut to nothing and replaced by the next writer', async () => {
  const dir = tempDir();
  await writeJournal(dir, 1, 4, 100); // segments start at 1, 3 (two records each)
  const file = join(dir, segmentFileName(5));
  writeFileSync(file, Buffer.from('HOO'));
  const { result } = seqs(dir);
  assert.equal(result.lastSeq, 4);
  assert.equal(result.truncated?.file, file);
  assert.equal(statSync(file).size, 0);
  assert.equal(seqs(dir).result.truncated, undefined, 'an empty last segment is fine');
  await writeJournal(dir, 5, 6, 100);
  assert.deepEqual(seqs(dir).seen, [1, 2, 3, 4, 5, 6]);
});

test('a bad record in the middle of the last segment throws, naming file and offset', async () => {
  const dir = tempDir();
  await writeJournal(dir, 1, 10);
  const file = lastSegment(dir);
  const bytes = readFileSync(file);
  const offset = SEGMENT_HEADER_BYTES + 4 * RECORD_BYTES;
  bytes[offset + RECORD_HEADER_BYTES + 1] ^= 0x01;
  writeFileSync(file, bytes);
  corruptError(() => seqs(dir), file, offset);
  assert.equal(statSync(file).size, bytes.length, 'nothing was truncated');
});

test('any bad record in an earlier segment throws, even its last one', async () => {
  const dir = tempDir();
  await writeJournal(dir, 1, 9, SEGMENT_HEADER_BYTES + 3 * RECORD_BYTES);
  const [first, second] = listSegments(dir);
  assert.equal(listSegments(dir).length, 3);
  const bytes = readFileSync(second.path);
  bytes[bytes.length - 1] ^= 0x80;
  writeFileSync(second.path, bytes);
  corruptError(() => seqs(dir), second.path, SEGMENT_HEADER_BYTES + 2 * RECORD_BYTES);

  truncateSync(first.path, statSync(first.path).size - 1);
  corruptError(() => seqs(dir), first.path, SEGMENT_HEADER_BYTES + 2 * RECORD_BYTES);
});

test('a sequence gap inside a segment or between segments is detected', async () => {
  const dir = tempDir();
  const file = join(dir, segmentFileName(1));
  const buf = Buffer.alloc(SEGMENT_HEADER_BYTES + 3 * RECORD_BYTES);
  encodeSegmentHeader(buf, 0, 1);
  let offset = SEGMENT_HEADER_BYTES;
  for (const seq of [1, 2, 4]) offset = encodeRecord(buf, offset, seq, payloadFor(seq));
  writeFileSync(file, buf);
  assert.throws(() => seqs(dir), /sequence gap: expected 3, found 4/);
  corruptError(() => seqs(dir), file, SEGMENT_HEADER_BYTES + 2 * RECORD_BYTES);

  const other = tempDir();
  await writeJournal(other, 1, 3);
  await writeJournal(other, 5, 6);
  corruptError(() => seqs(other), join(other, segmentFileName(5)), 0);
});

test('fromSeq skips whole older segments and hands over only later records', async () => {
  const dir = tempDir();
  await writeJournal(dir, 1, 30, SEGMENT_HEADER_BYTES + 5 * RECORD_BYTES);
  // Damage in a segment wholly before fromSeq is not seen: it is not read at all.
  const first = listSegments(dir)[0].path;
  truncateSync(first, 3);
  const { seen, result } = seqs(dir, 13);
  assert.deepEqual(seen, Array.from({ length: 18 }, (_, i) => 13 + i));
  assert.deepEqual(result, { lastSeq: 30, recordsRead: 18 });
  assert.deepEqual(seqs(dir, 31).result, { lastSeq: 30, recordsRead: 0 });
});

test('missing records before the first segment, or a journal behind fromSeq, throw', async () => {
  const dir = tempDir();
  await writeJournal(dir, 5, 8);
  assert.throws(() => seqs(dir, 1), /records 1\.\.4 are missing/);
  assert.throws(() => seqs(dir, 20), /journal ends at sequence 8/);
  assert.equal(seqs(dir, 5).result.lastSeq, 8);
});

test('a header with the right magic but another version is never truncated', async () => {
  const dir = tempDir();
  await writeJournal(dir, 1, 2);
  const file = lastSegment(dir);
  const bytes = readFileSync(file);
  bytes[4] = 2;
  writeFileSync(file, bytes);
  corruptError(() => seqs(dir), file, 0);
});

/** mulberry32: a tiny seeded PRNG, so a failing run can be replayed with HOOATS_TEST_SEED. */
function prng(seed: number): (n: number) => number {
  let a = seed >>> 0;
  return (n) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
}

/** Offsets where each record of a valid segment file ends. */
function recordEnds(file: string): number[] {
  const bytes = readFileSync(file);
  const ends: number[] = [];
  for (let at = SEGMENT_HEADER_BYTES; at < bytes.length; ) {
    at += RECORD_HEADER_BYTES + bytes.readUInt32LE(at);
    ends.push(at);
  }
  return ends;
}

test('randomised: any cut of the last segment recovers a prefix; any flipped byte before the last record throws', async (t) => {
  const seed = Number(process.env.HOOATS_TEST_SEED ?? Date.now() % 1_000_000_007);
  t.diagnostic(`seed ${seed} (rerun with HOOATS_TEST_SEED=${seed})`);
  const random = prng(seed);
  for (let round = 0; round < 60; round++) {
    const dir = tempDir();
    const count = 1 + random(60);
    const sizes = Array.from({ length: count }, () => random(90));
    const writer = await JournalWriter.open({ dir, fsyncMode: 'none', startSeq: 1, segmentBytes: 64 + random(600) });
    sizes.forEach((size, i) => writer.append(i + 1, Buffer.alloc(size, i)));
    await writer.close();
    const segments = listSegments(dir);
    const last = segments.at(-1)!;
    const context = `seed ${seed} round ${round}`;
    const read = () => readJournal({ dir, onRecord: (seq, p) => assert.equal(p.length, sizes[seq - 1], context) });

    if (random(2) === 0) {
      const ends = recordEnds(last.path);
      const cut = random(statSync(last.path).size);
      truncateSync(last.path, cut);
      const kept = ends.filter((end) => end <= cut).length;
      const result = read();
      assert.equal(result.lastSeq, last.firstSeq - 1 + kept, context);
      const expectedSize = kept > 0 ? ends[kept - 1] : cut < SEGMENT_HEADER_BYTES ? 0 : SEGMENT_HEADER_BYTES;
      assert.equal(statSync(last.path).size, expectedSize, context);
    } else {
      // Flip one byte anywhere except inside the journal's final record.
      const files = segments.map((s) => ({ path: s.path, size: statSync(s.path).size }));
      const lastRecordStart = files.at(-1)!.size - RECORD_HEADER_BYTES - sizes[count - 1];
      const total = files.reduce((sum, f) => sum + f.size, 0) - (files.at(-1)!.size - lastRecordStart);
      if (total === 0) continue;
      let at = random(total);
      const target = files.find((f) => (at < f.size ? true : ((at -= f.size), false)))!;
      const bytes = readFileSync(target.path);
      bytes[at] ^= 1 + random(255);
      writeFileSync(target.path, bytes);
      assert.throws(read, JournalCorruptError, `${context}: byte ${at} of ${target.path}`);
    }
  }
});
