/**
 * The records appended since the last flush began, already framed exactly as they will lie on disk.
 *
 * Two buffers take turns: appends fill one while the flush loop writes the other, so steady state costs no
 * allocation per record or per batch. Segment rollover is decided here, at append time, because only here
 * is the exact size of every segment known; each new segment's 16-byte header is framed inline, so a batch
 * needs one write per segment file it touches.
 */
import {
  RECORD_HEADER_BYTES,
  SEGMENT_HEADER_BYTES,
  encodeRecord,
  encodeSegmentHeader,
} from './record-format.js';

/** A new segment file starts at `offset` of a batch; the batch holds that segment's header there. */
export interface SegmentStart {
  offset: number;
  firstSeq: number;
}

export interface Batch {
  data: Buffer;
  length: number;
  /** In offset order; empty when the whole batch continues the current segment. */
  starts: SegmentStart[];
}

/** A buffer grown past this by a burst is dropped after its flush rather than held for ever. */
const MAX_RETAINED_BUFFER_BYTES = 16 * 1024 * 1024;

export class PendingBatch {
  private buf: Buffer;
  /** Null while a batch taken from here is still being written and no recycled buffer came back yet. */
  private spare: Buffer | null;
  private used = 0;
  private starts: SegmentStart[] = [];
  /** Size the current segment will have once everything added so far is written; 0 = no segment yet. */
  private segmentSize = 0;

  constructor(
    private readonly segmentBytes: number,
    private readonly initialBytes: number,
  ) {
    this.buf = Buffer.allocUnsafeSlow(initialBytes);
    this.spare = Buffer.allocUnsafeSlow(initialBytes);
  }

  get length(): number {
    return this.used;
  }

  add(seq: number, payload: Uint8Array): void {
    const recordBytes = RECORD_HEADER_BYTES + payload.length;
    // The first record after open starts a segment; later ones start one when the current would overflow
    // (a segment always takes at least one record, however large).
    const startsSegment =
      this.segmentSize === 0 ||
      (this.segmentSize > SEGMENT_HEADER_BYTES && this.segmentSize + recordBytes > this.segmentBytes);
    const needed = this.used + recordBytes + (startsSegment ? SEGMENT_HEADER_BYTES : 0);
    if (needed > this.buf.length) this.grow(needed);
    if (startsSegment) {
      this.starts.push({ offset: this.used, firstSeq: seq });
      encodeSegmentHeader(this.buf, this.used, seq);
      this.used += SEGMENT_HEADER_BYTES;
      this.segmentSize = SEGMENT_HEADER_BYTES;
    }
    this.used = encodeRecord(this.buf, this.used, seq, payload);
    this.segmentSize += recordBytes;
  }

  /** Hands over everything added so far and starts filling the spare buffer. */
  take(): Batch {
    const batch = { data: this.buf, length: this.used, starts: this.starts };
    this.buf = this.spare ?? Buffer.allocUnsafeSlow(this.initialBytes);
    this.spare = null;
    this.used = 0;
    this.starts = [];
    return batch;
  }

  /** Returns a written batch's buffer for reuse as the next spare. */
  recycle(data: Buffer): void {
    this.spare = data.length > MAX_RETAINED_BUFFER_BYTES ? Buffer.allocUnsafeSlow(this.initialBytes) : data;
  }

  private grow(needed: number): void {
    let size = this.buf.length * 2;
    while (size < needed) size *= 2;
    const bigger = Buffer.allocUnsafeSlow(size);
    this.buf.copy(bigger, 0, 0, this.used);
    this.buf = bigger;
  }
}
