/**
 * Journal replay and recovery. Synchronous on purpose: it runs once at start-up, before anything else may
 * touch the journal, and sync reads of whole segments are the fastest path (no promise per chunk).
 *
 * Recovery rules (docs/journal-format.md):
 * - A defect in the LAST segment with no valid record anywhere after it is a torn tail, left by a crash
 *   during a write that was never acknowledged: the file is cut back to the last good record and the cut
 *   is reported in the result.
 * - Any other defect (in an earlier segment, or followed by a valid record, or a checksum-valid record with
 *   the wrong sequence) throws JournalCorruptError naming the file and byte offset. Nothing is skipped.
 */
import { closeSync, fstatSync, fsyncSync, ftruncateSync, openSync, readSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  RECORD_HEADER_BYTES,
  SEGMENT_HEADER_BYTES,
  SEGMENT_MAGIC,
  checkRecord,
  decodeSegmentHeader,
  parseSegmentFileName,
  readU64LE,
} from './record-format.js';

export class JournalCorruptError extends Error {
  constructor(
    readonly file: string,
    readonly offset: number,
    readonly reason: string,
  ) {
    super(`journal corrupt: ${file} at byte offset ${offset}: ${reason}`);
    this.name = 'JournalCorruptError';
  }
}

export interface SegmentInfo {
  path: string;
  name: string;
  firstSeq: number;
}

export interface TornTail {
  file: string;
  /** The file now ends here: the offset of the first damaged byte range. */
  offset: number;
  bytesDropped: number;
  reason: string;
}

export interface ReadJournalOptions {
  dir: string;
  /** First sequence to hand to onRecord (default 1). Segments wholly before it are not read at all. */
  fromSeq?: number;
  /**
   * Called once per record in sequence order. `payload` is a view into a reused read buffer, valid only
   * during the call: copy it if you keep it.
   */
  onRecord?(seq: number, payload: Buffer): void;
  /**
   * Instead of onRecord: the record's payload as buf[start, end) of the reused read buffer, so that no
   * Buffer view is made per record (replay reads millions of them).
   */
  onRecordAt?(seq: number, buf: Buffer, start: number, end: number): void;
  /** pino-compatible; told about a truncated torn tail. */
  log?: { warn(obj: object, msg: string): void };
}

export interface ReadJournalResult {
  /** Last sequence in the journal, or fromSeq - 1 when the journal holds no record. */
  lastSeq: number;
  /** Records handed to onRecord. */
  recordsRead: number;
  truncated?: TornTail;
}

/** Segment files of `dir`, oldest first (an absent directory has none). */
export function listSegments(dir: string): SegmentInfo[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const segments: SegmentInfo[] = [];
  for (const name of names) {
    const firstSeq = parseSegmentFileName(name);
    if (firstSeq !== null) segments.push({ path: join(dir, name), name, firstSeq });
  }
  return segments.sort((a, b) => a.firstSeq - b.firstSeq);
}

export function readJournal(options: ReadJournalOptions): ReadJournalResult {
  const { dir, onRecord, onRecordAt } = options;
  if ((onRecord === undefined) === (onRecordAt === undefined)) throw new TypeError('give exactly one of onRecord and onRecordAt');
  const fromSeq = options.fromSeq ?? 1;
  const segments = listSegments(dir);
  if (segments.length === 0) return { lastSeq: fromSeq - 1, recordsRead: 0 };

  // Start at the newest segment that begins at or before fromSeq: older ones hold only older records.
  let first = 0;
  while (first + 1 < segments.length && segments[first + 1].firstSeq <= fromSeq) first++;
  if (segments[first].firstSeq > fromSeq) {
    throw new JournalCorruptError(segments[first].path, 0, `records ${fromSeq}..${segments[first].firstSeq - 1} are missing`);
  }

  let buf = Buffer.alloc(0);
  let expected = segments[first].firstSeq;
  let recordsRead = 0;
  let truncated: TornTail | undefined;
  for (let i = first; i < segments.length; i++) {
    const segment = segments[i];
    const isLast = i === segments.length - 1;
    if (segment.firstSeq !== expected) {
      throw new JournalCorruptError(segment.path, 0, `segment should start at sequence ${expected}, its name says ${segment.firstSeq}`);
    }
    const fd = openSync(segment.path, isLast ? 'r+' : 'r');
    try {
      const size = fstatSync(fd).size;
      if (buf.length < size) buf = Buffer.allocUnsafeSlow(size);
      readFully(fd, buf, size);
      const defect = (offset: number, reason: string): TornTail => {
        if (!isLast) throw new JournalCorruptError(segment.path, offset, reason);
        const later = findValidRecord(buf, offset + 1, size);
        if (later >= 0) {
          throw new JournalCorruptError(segment.path, offset, `${reason}; a valid record follows at offset ${later}`);
        }
        ftruncateSync(fd, offset);
        fsyncSync(fd);
        return { file: segment.path, offset, bytesDropped: size - offset, reason };
      };

      if (size === 0) {
        if (!isLast) throw new JournalCorruptError(segment.path, 0, 'empty segment before the last one');
        continue; // created, then a crash before its first write; the next writer replaces it
      }
      const header = decodeSegmentHeader(buf, 0, size);
      if (typeof header === 'string') {
        // Right magic but wrong version or fields: a format we must not "repair" by cutting.
        if (size >= SEGMENT_HEADER_BYTES && buf.readUInt32LE(0) === SEGMENT_MAGIC) {
          throw new JournalCorruptError(segment.path, 0, header);
        }
        truncated = defect(0, header);
        continue;
      }
      if (header !== segment.firstSeq) {
        throw new JournalCorruptError(segment.path, 8, `header first sequence ${header} does not match the file name`);
      }
      let offset = SEGMENT_HEADER_BYTES;
      while (offset < size) {
        const length = checkRecord(buf, offset, size);
        if (typeof length === 'string') {
          truncated = defect(offset, length);
          break;
        }
        const seq = readU64LE(buf, offset + 8);
        if (seq !== expected) {
          throw new JournalCorruptError(segment.path, offset, `sequence gap: expected ${expected}, found ${seq}`);
        }
        const payloadStart = offset + RECORD_HEADER_BYTES;
        offset = payloadStart + length;
        if (seq >= fromSeq) {
          if (onRecordAt !== undefined) onRecordAt(seq, buf, payloadStart, offset);
          else onRecord!(seq, buf.subarray(payloadStart, offset));
          recordsRead++;
        }
        expected++;
      }
    } finally {
      closeSync(fd);
    }
  }
  const lastSeq = expected - 1;
  if (lastSeq < fromSeq - 1) {
    const last = segments[segments.length - 1].path;
    throw new JournalCorruptError(last, 0, `journal ends at sequence ${lastSeq}, before the requested start ${fromSeq}`);
  }
  if (truncated !== undefined) options.log?.warn({ ...truncated }, 'journal torn tail truncated');
  return truncated === undefined ? { lastSeq, recordsRead } : { lastSeq, recordsRead, truncated };
}

function readFully(fd: number, buf: Buffer, size: number): void {
  let done = 0;
  while (done < size) {
    const n = readSync(fd, buf, done, size - done, done);
    if (n === 0) throw new Error(`unexpected end of file after ${done} of ${size} bytes`);
    done += n;
  }
}

/**
 * Offset of the first checksum-valid record frame starting at or after `from`, or -1. Used only on a
 * defect, to tell a torn tail (nothing valid after it) from damage in the middle. A crc32 false positive
 * is about 2^-32 per candidate offset, and it errs on the safe side (an error, not a silent cut).
 */
function findValidRecord(buf: Buffer, from: number, end: number): number {
  for (let offset = from; offset + RECORD_HEADER_BYTES <= end; offset++) {
    if (typeof checkRecord(buf, offset, end) === 'number') return offset;
  }
  return -1;
}
