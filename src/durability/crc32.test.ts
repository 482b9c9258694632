import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { crc32 } from 'node:zlib';
import fc from 'fast-check';
import { crc32Range } from './crc32.js';

describe('crc32Range', () => {
  it('equals zlib.crc32 on known values', () => {
    assert.equal(crc32Range(Buffer.from('123456789'), 0, 9), 0xcbf43926);
    assert.equal(crc32Range(Buffer.alloc(0), 0, 0), 0);
  });

  it('equals zlib.crc32 on any bytes and any range (property)', () => {
    const seed = Number(process.env.HOOATS_SEED ?? Date.now() % 1_000_000);
    console.log(`crc32 property seed=${seed}`);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(), fc.nat(), (bytes, a, b) => {
        const buf = Buffer.from(bytes);
        const start = bytes.length === 0 ? 0 : a % (bytes.length + 1);
        const end = start + (bytes.length - start === 0 ? 0 : b % (bytes.length - start + 1));
        return crc32Range(buf, start, end) === crc32(buf.subarray(start, end));
      }),
      { seed, numRuns: 2000 },
    );
  });
});
