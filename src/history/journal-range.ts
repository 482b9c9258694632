/**
 * Reads journal records [fromSeq, toSeq] while the sequencer keeps appending to the same journal. Unlike
 * durability/journal-reader.ts (start-up recovery) this never repairs anything: it opens files read-only
 * and stops at toSeq, which the caller takes from what is already durable, so it never looks at a record
 * that is still being written. Reads go in bounded chunks through async file I/O, and the caller's
 * handler is awaited between chunks, so a long catch-up neither blocks the event loop for long nor
 * holds a whole segment in memory.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { listSegments } from '../durability/journal-reader.js';
import {
  RECORD_HEADER_BYTES,
  SEGMENT_HEADER_BYTES,
  checkRecord,
  decodeSegmentHeader,
  readU64LE,
} from '../durability/record-format.js';

/** The records asked for are not (or no longer) in the journal. */
export class JournalGapError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JournalGapError';
  }
}

/** The journal holds a damaged record inside the range asked for. */
export class JournalRangeError extends Error {
  constructor(file: string, offset: number, reason: string) {
    super(`journal ${file} at byte offset ${offset}: ${reason}`);
    this.name = 'JournalRangeError';
  }
}

export interface ReadRangeOptions {
  /** records handed over per call (default 1000) */
  readonly chunkRecords?: number;
  /** bytes read per file read (default 4 MiB; grows for a larger record) */
  readonly readBytes?: number;
}

/**
 * Calls `onChunk(firstSeq, payloads)` for consecutive records from fromSeq to toSeq inclusive. Payloads
 * are views into a reused buffer: valid until the returned promise settles.
 */
export async function readJournalRange(
  dir: string,
  fromSeq: number,
  toSeq: number,
  onChunk: (firstSeq: number, payloads: Buffer[]) => Promise<void> | void,
  options: ReadRangeOptions = {},
): Promise<void> {
  if (toSeq < fromSeq) return;
  const chunkRecords = options.chunkRecords ?? 1000;
  let buf = Buffer.allocUnsafe(options.readBytes ?? 4 * 1024 * 1024);
  let next = fromSeq;
  let relisted = false;
  let segments = listSegments(dir);
  let i = -1;
  while (i + 1 < segments.length && segments[i + 1].firstSeq <= fromSeq) i++;
  if (i < 0) {
    const oldest = segments.length === 0 ? 'none' : String(segments[0].firstSeq);
    throw new JournalGapError(`journal record ${fromSeq} is gone (oldest segment starts at ${oldest})`);
  }
  let expected = segments[i].firstSeq;

  let pending: Buffer[] = [];
  let pendingFirst = next;
  const flush = async (): Promise<void> => {
    if (pending.length === 0) return;
    const payloads = pending;
    pending = [];
    await onChunk(pendingFirst, payloads);
  };

  for (;;) {
    if (i >= segments.length) {
      // the writer may have started a segment after we listed them
      if (relisted) throw new JournalGapError(`journal ends at ${expected - 1}, before ${toSeq}`);
      relisted = true;
      segments = listSegments(dir);
      i = segments.findIndex((s) => s.firstSeq === expected);
      if (i < 0) throw new JournalGapError(`no journal segment starts at ${expected}`);
      continue;
    }
    const segment = segments[i];
    if (segment.firstSeq !== expected) {
      throw new JournalGapError(`segment ${segment.name} should start at ${expected}`);
    }
    let handle: FileHandle;
    try {
      handle = await open(segment.path, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new JournalGapError(`segment ${segment.name} was deleted`);
      throw err;
    }
    try {
      let filePos = 0;
      let start = 0;
      let end = 0;
      let eof = false;
      /** moves the unread tail to the front and reads more after it; hands over pending views first */
      const refill = async (need: number): Promise<void> => {
        await flush();
        const tail = end - start;
        if (need > buf.length) {
          const bigger = Buffer.allocUnsafe(Math.max(need, buf.length * 2));
          buf.copy(bigger, 0, start, end);
          buf = bigger;
        } else {
          buf.copy(buf, 0, start, end);
        }
        start = 0;
        end = tail;
        while (end < buf.length) {
          const { bytesRead } = await handle.read(buf, end, buf.length - end, filePos);
          if (bytesRead === 0) {
            eof = true;
            break;
          }
          end += bytesRead;
          filePos += bytesRead;
        }
      };
      await refill(SEGMENT_HEADER_BYTES);
      const header = decodeSegmentHeader(buf, 0, end);
      if (typeof header === 'string') throw new JournalRangeError(segment.path, 0, header);
      if (header !== segment.firstSeq) throw new JournalRangeError(segment.path, 8, 'header does not match the file name');
      start = SEGMENT_HEADER_BYTES;
      let offsetInFile = SEGMENT_HEADER_BYTES;
      for (;;) {
        if (end - start < RECORD_HEADER_BYTES || start + RECORD_HEADER_BYTES + buf.readUInt32LE(start) > end) {
          if (eof) break;
          const need = end - start < RECORD_HEADER_BYTES ? RECORD_HEADER_BYTES : RECORD_HEADER_BYTES + buf.readUInt32LE(start);
          await refill(need);
          continue;
        }
        const length = checkRecord(buf, start, end);
        if (typeof length === 'string') throw new JournalRangeError(segment.path, offsetInFile, length);
        const seq = readU64LE(buf, start + 8);
        if (seq !== expected) throw new JournalRangeError(segment.path, offsetInFile, `expected sequence ${expected}, found ${seq}`);
        const payloadStart = start + RECORD_HEADER_BYTES;
        if (seq >= next) {
          if (pending.length === 0) pendingFirst = seq;
          pending.push(buf.subarray(payloadStart, payloadStart + length));
          next = seq + 1;
        }
        start = payloadStart + length;
        offsetInFile += RECORD_HEADER_BYTES + length;
        expected++;
        if (seq === toSeq) {
          await flush();
          return;
        }
        if (pending.length >= chunkRecords) await flush();
      }
      if (end > start) {
        // bytes after the last whole record: a record still being written, which only the last segment may have
        if (i + 1 < segments.length) throw new JournalRangeError(segment.path, offsetInFile, 'incomplete record');
        throw new JournalGapError(`journal ends at ${expected - 1}, before ${toSeq}`);
      }
    } finally {
      await handle.close();
    }
    i++;
  }
}
