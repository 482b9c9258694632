import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JournalUnavailableError, JournalWriter, type JournalWriterOptions } from './journal-writer.js';
import { listSegments, readJournal } from './journal-reader.js';
import { SEGMENT_HEADER_BYTES, segmentFileName } from './record-format.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'hooats-journal-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Deterministic payload of a length that varies with seq, so segment boundaries fall unevenly. */
function payloadFor(seq: number): Buffer {
  return Buffer.from(`cmd-${seq}-${'x'.repeat(seq % 37)}`);
}

function readAll(dir: string, fromSeq = 1): { seq: number; payload: string }[] {
  const records: { seq: number; payload: string }[] = [];
  readJournal({ dir, fromSeq, onRecord: (seq, payload) => records.push({ seq, payload: payload.toString() }) });
  return records;
}

function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((resolve) => (open = resolve));
  return { wait, open };
}

test('round trip of many records across several segments', async () => {
  const dir = tempDir();
  const segmentBytes = 512;
  const writer = await JournalWriter.open({ dir, fsyncMode: 'batched', startSeq: 1, segmentBytes });
  for (let seq = 1; seq <= 1000; seq++) writer.append(seq, payloadFor(seq));
  assert.equal(writer.lastAppendedSeq, 1000);
  await writer.whenDurable(1000);
  assert.equal(writer.durableSeq, 1000);
  await writer.close();

  const segments = listSegments(dir);
  assert.ok(segments.length > 10, `expected many segments, got ${segments.length}`);
  assert.equal(segments[0].name, segmentFileName(1));
  for (const segment of segments) assert.ok(statSync(segment.path).size <= segmentBytes, segment.name);
  assert.equal(writer.stats.dirSyncs, segments.length, 'the directory is fsynced once per created segment');

  const records = readAll(dir);
  assert.equal(records.length, 1000);
  records.forEach((r, i) => assert.deepEqual(r, { seq: i + 1, payload: payloadFor(i + 1).toString() }));
});

test('group commit: a burst of appends costs one write and one fsync', async () => {
  const dir = tempDir();
  const writer = await JournalWriter.open({ dir, fsyncMode: 'batched', startSeq: 1, initialBufferBytes: 64 });
  for (let seq = 1; seq <= 10_000; seq++) writer.append(seq, payloadFor(seq));
  await writer.whenDurable(10_000);
  assert.equal(writer.stats.fileSyncs, 1);
  assert.equal(writer.stats.writes, 1);
  assert.equal(writer.stats.flushes, 1);
  await writer.close();
  assert.equal(readAll(dir).length, 10_000);
});

test('appends made while an fsync is in flight join the next flush', async () => {
  const dir = tempDir();
  const slowSync = gate();
  let syncs = 0;
  const io: JournalWriterOptions['io'] = {
    sync: async () => {
      if (++syncs === 1) await slowSync.wait;
    },
  };
  const writer = await JournalWriter.open({ dir, fsyncMode: 'always', startSeq: 1, io });
  writer.append(1, payloadFor(1));
  const first = writer.whenDurable(1);
  await new Promise((resolve) => setTimeout(resolve, 5)); // the first flush is now waiting in its fsync
  assert.equal(writer.durableSeq, 0, 'nothing is durable before its fsync returns');
  const later: Promise<void>[] = [];
  for (let seq = 2; seq <= 100; seq++) {
    writer.append(seq, payloadFor(seq));
    later.push(writer.whenDurable(seq));
    await new Promise((resolve) => setImmediate(resolve)); // appends spread over many event-loop turns
  }
  slowSync.open();
  await first;
  await Promise.all(later);
  assert.equal(writer.stats.fileSyncs, 2);
  await writer.close();
  assert.equal(readAll(dir).length, 100);
});

test("'always' flushes each synchronous burst, 'batched' with maxDelayMs waits for more", async () => {
  const always = await JournalWriter.open({ dir: tempDir(), fsyncMode: 'always', startSeq: 1 });
  for (let seq = 1; seq <= 3; seq++) {
    always.append(seq, payloadFor(seq));
    await always.whenDurable(seq);
  }
  assert.equal(always.stats.fileSyncs, 3);
  await always.close();

  // Timing-tolerant: the second append comes one event-loop turn later, far inside the 200 ms window.
  const batched = await JournalWriter.open({ dir: tempDir(), fsyncMode: 'batched', startSeq: 1, maxDelayMs: 200 });
  batched.append(1, payloadFor(1));
  await new Promise((resolve) => setImmediate(resolve));
  batched.append(2, payloadFor(2));
  await batched.whenDurable(2);
  assert.equal(batched.stats.fileSyncs, 1);
  await batched.close();
});

test("'none' writes without fsync", async () => {
  const dir = tempDir();
  const writer = await JournalWriter.open({ dir, fsyncMode: 'none', startSeq: 5 });
  writer.append(5, payloadFor(5));
  writer.append(6, payloadFor(6));
  await writer.whenDurable(6);
  await writer.close();
  assert.equal(writer.stats.fileSyncs + writer.stats.dirSyncs, 0);
  assert.deepEqual(readAll(dir, 5).map((r) => r.seq), [5, 6]);
});

test('append copies the payload and rejects out-of-order sequences', async () => {
  const dir = tempDir();
  const writer = await JournalWriter.open({ dir, fsyncMode: 'batched', startSeq: 1 });
  const payload = Buffer.from('original');
  writer.append(1, payload);
  payload.write('changed!');
  assert.throws(() => writer.append(3, payload), /out of order/);
  assert.throws(() => writer.append(1, payload), /out of order/);
  await assert.rejects(writer.whenDurable(2), RangeError);
  await writer.close();
  assert.throws(() => writer.append(2, payload), /closed/);
  assert.deepEqual(readAll(dir), [{ seq: 1, payload: 'original' }]);
});

test('open refuses to overwrite records but replaces an empty leftover segment', async () => {
  const dir = tempDir();
  const writer = await JournalWriter.open({ dir, fsyncMode: 'batched', startSeq: 1 });
  writer.append(1, payloadFor(1));
  await writer.close();
  await assert.rejects(JournalWriter.open({ dir, fsyncMode: 'batched', startSeq: 1 }), /already holds records/);

  writeFileSync(join(dir, segmentFileName(2)), Buffer.alloc(SEGMENT_HEADER_BYTES - 3));
  const next = await JournalWriter.open({ dir, fsyncMode: 'batched', startSeq: 2 });
  next.append(2, payloadFor(2));
  await next.close();
  assert.deepEqual(readAll(dir).map((r) => r.seq), [1, 2]);
});

test('a failing fsync fails the writer: waiters reject, appends throw, nothing is reported durable', async () => {
  const dir = tempDir();
  let syncs = 0;
  const io: JournalWriterOptions['io'] = {
    sync: async () => {
      if (++syncs > 1) throw Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' });
    },
  };
  const writer = await JournalWriter.open({ dir, fsyncMode: 'batched', startSeq: 1, io });
  writer.append(1, payloadFor(1));
  await writer.whenDurable(1);
  writer.append(2, payloadFor(2));
  writer.append(3, payloadFor(3));
  const waiting = writer.whenDurable(3);
  await assert.rejects(waiting, JournalUnavailableError);
  assert.equal(writer.healthy, false);
  assert.equal(writer.durableSeq, 1);
  await writer.whenDurable(1); // what was durable stays durable
  await assert.rejects(writer.whenDurable(2), JournalUnavailableError);
  assert.throws(() => writer.append(4, payloadFor(4)), JournalUnavailableError);
  await assert.rejects(writer.close(), JournalUnavailableError);
});

test('a failing write (disk full) fails the writer the same way', async () => {
  const dir = tempDir();
  const io: JournalWriterOptions['io'] = {
    write: async () => {
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    },
  };
  const writer = await JournalWriter.open({ dir, fsyncMode: 'always', startSeq: 1, io });
  writer.append(1, payloadFor(1));
  const error = await writer.whenDurable(1).then(
    () => assert.fail('must not resolve'),
    (err: unknown) => err,
  );
  assert.ok(error instanceof JournalUnavailableError);
  assert.match(error.message, /ENOSPC/);
  assert.equal(writer.healthy, false);
  assert.equal(writer.durableSeq, 0);
  assert.throws(() => writer.append(2, payloadFor(2)), JournalUnavailableError);
});

test('short writes are continued until the whole batch is on disk', async () => {
  const dir = tempDir();
  const { defaultJournalIo } = await import('./journal-io.js');
  const io: JournalWriterOptions['io'] = {
    write: (fd, buf, offset, length, position) => defaultJournalIo.write(fd, buf, offset, Math.min(length, 7), position),
  };
  const writer = await JournalWriter.open({ dir, fsyncMode: 'batched', startSeq: 1, io, segmentBytes: 300 });
  for (let seq = 1; seq <= 50; seq++) writer.append(seq, payloadFor(seq));
  await writer.close();
  assert.ok(writer.stats.writes > 50);
  assert.equal(readAll(dir).length, 50);
});
