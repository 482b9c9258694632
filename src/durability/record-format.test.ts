import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  RECORD_HEADER_BYTES,
  SEGMENT_HEADER_BYTES,
  checkRecord,
  decodeSegmentHeader,
  encodeRecord,
  encodeSegmentHeader,
  parseSegmentFileName,
  readU64LE,
  segmentFileName,
  writeU64LE,
} from './record-format.js';

test('u64 fields hold every safe integer as a true little-endian u64', () => {
  const buf = Buffer.alloc(8);
  for (const value of [0, 1, 0xffff_ffff, 0x1_0000_0000, Number.MAX_SAFE_INTEGER]) {
    writeU64LE(buf, 0, value);
    assert.equal(buf.readBigUInt64LE(0), BigInt(value));
    assert.equal(readU64LE(buf, 0), value);
  }
  buf.writeBigUInt64LE(2n ** 60n, 0);
  assert.equal(readU64LE(buf, 0), -1, 'an unsafe value reads as invalid');
});

test('segment file names sort numerically and parse back', () => {
  assert.equal(segmentFileName(1), 'journal-00000000000000000001.seg');
  assert.equal(parseSegmentFileName(segmentFileName(123456789)), 123456789);
  assert.equal(parseSegmentFileName('journal-1.seg'), null);
  assert.equal(parseSegmentFileName('journal-00000000000000000001.seg.tmp'), null);
});

test('segment header round trip and rejection of damage', () => {
  const buf = Buffer.alloc(SEGMENT_HEADER_BYTES);
  encodeSegmentHeader(buf, 0, 42);
  assert.equal(buf.subarray(0, 4).toString('latin1'), 'HOOJ');
  assert.equal(decodeSegmentHeader(buf, 0, SEGMENT_HEADER_BYTES), 42);
  assert.match(String(decodeSegmentHeader(buf, 0, 10)), /incomplete/);
  buf[4] = 9;
  assert.match(String(decodeSegmentHeader(buf, 0, SEGMENT_HEADER_BYTES)), /version 9/);
  buf[0] = 0;
  assert.match(String(decodeSegmentHeader(buf, 0, SEGMENT_HEADER_BYTES)), /magic/);
});

test('records round trip and every kind of damage is named', () => {
  const payload = Buffer.from('hello journal');
  const buf = Buffer.alloc(64);
  const end = encodeRecord(buf, 3, 7, payload);
  assert.equal(end, 3 + RECORD_HEADER_BYTES + payload.length);
  assert.equal(checkRecord(buf, 3, end), payload.length);
  assert.equal(readU64LE(buf, 3 + 8), 7);
  assert.deepEqual(buf.subarray(3 + RECORD_HEADER_BYTES, end), payload);
  assert.match(String(checkRecord(buf, 3, 3 + 10)), /incomplete record header/);
  assert.match(String(checkRecord(buf, 3, end - 1)), /past the end/);
  buf[end - 1] ^= 1;
  assert.match(String(checkRecord(buf, 3, end)), /checksum/);
  buf[end - 1] ^= 1;
  buf[3 + 8] ^= 1; // the sequence number is covered by the checksum too
  assert.match(String(checkRecord(buf, 3, end)), /checksum/);
  buf.writeUInt32LE(0xffff_ffff, 3);
  assert.match(String(checkRecord(buf, 3, end)), /exceeds the maximum/);
});

test('empty payloads are valid records', () => {
  const buf = Buffer.alloc(RECORD_HEADER_BYTES);
  assert.equal(encodeRecord(buf, 0, 1, new Uint8Array(0)), RECORD_HEADER_BYTES);
  assert.equal(checkRecord(buf, 0, RECORD_HEADER_BYTES), 0);
});
