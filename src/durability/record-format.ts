/**
 * On-disk framing shared by the journal writer and reader (see docs/journal-format.md).
 *
 * Everything is little-endian. Sequence numbers are stored as a true u64 (low u32, then high u32), so a
 * reader in another language sees an ordinary u64; in JavaScript they must stay safe integers (< 2^53).
 *
 *   segment header (16 bytes): "HOOJ" | u16 version = 1 | u16 reserved = 0 | u64 first sequence
 *   record (16 + n bytes):      u32 n | u32 crc32(seq bytes + payload) | u64 seq | n payload bytes
 *
 * The checksummed bytes (seq then payload) are contiguous, so one crc32 call covers them with no copy.
 */
import { crc32Range } from './crc32.js';

export const SEGMENT_MAGIC = 0x4a4f4f48; // "HOOJ" read as a little-endian u32
export const FORMAT_VERSION = 1;
export const SEGMENT_HEADER_BYTES = 16;
export const RECORD_HEADER_BYTES = 16;
/** A bigger length field is taken as damage, not as a record: keeps a flipped bit from faking a huge record. */
export const MAX_PAYLOAD_BYTES = 64 * 1024 * 1024;

const TWO_POW_32 = 0x1_0000_0000;
const SEGMENT_NAME = /^journal-(\d{20})\.seg$/;

export function writeU64LE(buf: Buffer, offset: number, value: number): void {
  buf.writeUInt32LE(value % TWO_POW_32, offset);
  buf.writeUInt32LE(Math.floor(value / TWO_POW_32), offset + 4);
}

/** Returns -1 when the stored value is not a safe integer (only damage can produce that). */
export function readU64LE(buf: Buffer, offset: number): number {
  const high = buf.readUInt32LE(offset + 4);
  if (high >= 0x20_0000) return -1;
  return high * TWO_POW_32 + buf.readUInt32LE(offset);
}

export function assertSequence(seq: number, what = 'sequence number'): void {
  if (!Number.isSafeInteger(seq) || seq < 1) throw new RangeError(`${what} must be a safe integer >= 1, got ${seq}`);
}

/** File name of the segment whose first record is `firstSeq`; zero padding makes names sort like numbers. */
export function segmentFileName(firstSeq: number): string {
  return `journal-${String(firstSeq).padStart(20, '0')}.seg`;
}

/** First sequence encoded in a segment file name, or null when the name is not a segment. */
export function parseSegmentFileName(name: string): number | null {
  const match = SEGMENT_NAME.exec(name);
  if (match === null) return null;
  const seq = Number(match[1]);
  return Number.isSafeInteger(seq) ? seq : null;
}

export function encodeSegmentHeader(buf: Buffer, offset: number, firstSeq: number): void {
  buf.writeUInt32LE(SEGMENT_MAGIC, offset);
  buf.writeUInt16LE(FORMAT_VERSION, offset + 4);
  buf.writeUInt16LE(0, offset + 6);
  writeU64LE(buf, offset + 8, firstSeq);
}

/** First sequence from a segment header, or a reason string when the header is not valid. */
export function decodeSegmentHeader(buf: Buffer, offset: number, available: number): number | string {
  if (available < SEGMENT_HEADER_BYTES) return `incomplete segment header (${available} bytes)`;
  if (buf.readUInt32LE(offset) !== SEGMENT_MAGIC) return 'bad segment magic';
  const version = buf.readUInt16LE(offset + 4);
  if (version !== FORMAT_VERSION) return `unsupported segment format version ${version}`;
  if (buf.readUInt16LE(offset + 6) !== 0) return 'non-zero reserved field in segment header';
  const firstSeq = readU64LE(buf, offset + 8);
  if (firstSeq < 1) return 'invalid first sequence in segment header';
  return firstSeq;
}

/** crc32 of the record at `offset` whose payload is `length` bytes: covers the seq field and the payload. */
export function recordChecksum(buf: Buffer, offset: number, length: number): number {
  return crc32Range(buf, offset + 8, offset + RECORD_HEADER_BYTES + length);
}

/**
 * Frames one record into `buf` at `offset` (the caller guarantees room) and returns the offset after it.
 * The payload is copied once, straight into place; the checksum is then taken over the placed bytes.
 */
export function encodeRecord(buf: Buffer, offset: number, seq: number, payload: Uint8Array): number {
  const length = payload.length;
  buf.writeUInt32LE(length, offset);
  writeU64LE(buf, offset + 8, seq);
  buf.set(payload, offset + RECORD_HEADER_BYTES);
  buf.writeUInt32LE(recordChecksum(buf, offset, length), offset + 4);
  return offset + RECORD_HEADER_BYTES + length;
}

/**
 * Checks the record framed at `offset` within the first `end` bytes of `buf`. Returns the payload length
 * when the record is whole and its checksum matches, or a reason string. The sequence is not judged here.
 */
export function checkRecord(buf: Buffer, offset: number, end: number): number | string {
  if (end - offset < RECORD_HEADER_BYTES) return 'incomplete record header';
  const length = buf.readUInt32LE(offset);
  if (length > MAX_PAYLOAD_BYTES) return `record length ${length} exceeds the maximum`;
  if (offset + RECORD_HEADER_BYTES + length > end) return 'record extends past the end of the file';
  if (recordChecksum(buf, offset, length) !== buf.readUInt32LE(offset + 4)) return 'record checksum mismatch';
  return length;
}
