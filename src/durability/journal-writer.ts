/**
 * Append-only journal writer with group commit.
 *
 * `append` is synchronous: it frames the record straight into an in-memory pending buffer. A flush loop
 * hands the whole pending buffer to the OS in one write per segment file and then one fdatasync, while
 * new appends fill a second buffer for the next flush. So under load, fsyncs per record fall towards zero.
 * Durability is reported only after the fsync returns (mode 'none': after the write returns).
 * Format: see record-format.ts and docs/journal-format.md.
 */
import { mkdirSync, statSync, unlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { defaultJournalIo, type JournalIo } from './journal-io.js';
import { listSegments } from './journal-reader.js';
import { PendingBatch, type SegmentStart } from './pending-batch.js';
import {
  MAX_PAYLOAD_BYTES,
  RECORD_HEADER_BYTES,
  SEGMENT_HEADER_BYTES,
  assertSequence,
  segmentFileName,
} from './record-format.js';

export type { JournalIo } from './journal-io.js';

/**
 * - 'always':  a flush is queued as a microtask by the first append after an idle moment, so it starts as
 *   soon as the current synchronous burst ends; what is pending then is written and fdatasync'ed together.
 * - 'batched': the same, but the flush is queued with setImmediate (maxDelayMs = 0) or a timer of
 *   maxDelayMs, so appends made by other I/O callbacks of the same event-loop turn (or of the next few
 *   milliseconds) join the batch: fewer fsyncs, a little more latency. Every flush is still fsync'ed.
 * - 'none':    like 'batched' but without any fsync. Survives a process crash, not a power loss or a
 *   kernel crash. For tests and benchmarks.
 * In every mode, while one flush is in flight the next appends wait and go out in the next flush.
 */
export type FsyncMode = 'always' | 'batched' | 'none';

export interface JournalWriterOptions {
  dir: string;
  fsyncMode: FsyncMode;
  /** Sequence number of the first record this writer will append: the last replayed sequence + 1. */
  startSeq: number;
  /** A segment is closed before a record would take it past this size (64 MiB by default). */
  segmentBytes?: number;
  /** 'batched' and 'none': how long an idle writer waits for more appends before flushing (default 0). */
  maxDelayMs?: number;
  /** Starting size of each of the two pending buffers; they grow by doubling as needed. */
  initialBufferBytes?: number;
  /** Replaces some file operations, for fault-injection tests. */
  io?: Partial<JournalIo>;
}

export interface JournalWriterStats {
  flushes: number;
  writes: number;
  /** fdatasync calls on segment files. */
  fileSyncs: number;
  /** fsync calls on the journal directory (one per created segment). */
  dirSyncs: number;
  bytesWritten: number;
}

/** The journal cannot accept or persist records any more (disk full, I/O error, failed fsync). */
export class JournalUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'JournalUnavailableError';
  }
}

interface Waiter {
  seq: number;
  resolve: () => void;
  reject: (err: Error) => void;
}

const DEFAULT_SEGMENT_BYTES = 64 * 1024 * 1024;
const DEFAULT_BUFFER_BYTES = 1024 * 1024;

/** Told how long each fdatasync of a segment took, in seconds (metrics). */
export type SyncObserver = (seconds: number) => void;

export class JournalWriter {
  readonly stats: JournalWriterStats = { flushes: 0, writes: 0, fileSyncs: 0, dirSyncs: 0, bytesWritten: 0 };
  private syncObservers: SyncObserver[] = [];
  private readonly io: JournalIo;
  private readonly maxDelayMs: number;
  private readonly pending: PendingBatch;
  private lastSeq: number;
  private flushedSeq: number;
  private fd = -1;
  private filePosition = 0;
  private waiters: Waiter[] = [];
  private flushScheduled = false;
  private flushing: Promise<void> = Promise.resolve();
  private flushActive = false;
  private failure: JournalUnavailableError | null = null;
  private closed = false;

  private constructor(
    private readonly dir: string,
    private readonly mode: FsyncMode,
    startSeq: number,
    options: JournalWriterOptions,
  ) {
    this.io = { ...defaultJournalIo, ...options.io };
    this.maxDelayMs = options.maxDelayMs ?? 0;
    this.pending = new PendingBatch(
      options.segmentBytes ?? DEFAULT_SEGMENT_BYTES,
      options.initialBufferBytes ?? DEFAULT_BUFFER_BYTES,
    );
    this.lastSeq = startSeq - 1;
    this.flushedSeq = startSeq - 1;
  }

  /**
   * Opens a writer that continues the journal in `dir` at `startSeq`. Call `readJournal` first: the writer
   * does not re-read old segments, it always starts a new segment file (created at the first flush).
   */
  static async open(options: JournalWriterOptions): Promise<JournalWriter> {
    const { dir, fsyncMode, startSeq } = options;
    assertSequence(startSeq, 'startSeq');
    if (!['always', 'batched', 'none'].includes(fsyncMode)) throw new RangeError(`bad fsyncMode ${fsyncMode}`);
    const segmentBytes = options.segmentBytes ?? DEFAULT_SEGMENT_BYTES;
    if (!Number.isSafeInteger(segmentBytes) || segmentBytes <= SEGMENT_HEADER_BYTES + RECORD_HEADER_BYTES) {
      throw new RangeError(`segmentBytes too small: ${segmentBytes}`);
    }
    const created = mkdirSync(dir, { recursive: true });
    const writer = new JournalWriter(dir, fsyncMode, startSeq, options);
    if (created !== undefined && fsyncMode !== 'none') await writer.io.syncDir(dirname(dir));
    for (const segment of listSegments(dir)) {
      if (segment.firstSeq < startSeq) continue;
      // A segment named startSeq with no record in it is left over from a crash right after its creation.
      if (segment.firstSeq === startSeq && statSync(segment.path).size <= SEGMENT_HEADER_BYTES) {
        unlinkSync(segment.path);
        continue;
      }
      throw new Error(`journal ${dir} already holds records from ${segment.firstSeq}; cannot start at ${startSeq}`);
    }
    return writer;
  }

  get lastAppendedSeq(): number {
    return this.lastSeq;
  }

  get durableSeq(): number {
    return this.flushedSeq;
  }

  get healthy(): boolean {
    return this.failure === null;
  }

  /** Bytes appended but not yet handed to a flush: a signal for back-pressure. */
  get pendingBytes(): number {
    return this.pending.length;
  }

  append(seq: number, payload: Uint8Array): void {
    if (this.failure !== null) throw this.failure;
    if (this.closed) throw new Error('journal writer is closed');
    if (seq !== this.lastSeq + 1) throw new Error(`journal append out of order: got ${seq}, expected ${this.lastSeq + 1}`);
    if (payload.length > MAX_PAYLOAD_BYTES) throw new RangeError(`journal payload too large: ${payload.length}`);
    this.pending.add(seq, payload);
    this.lastSeq = seq;
    if (!this.flushScheduled && !this.flushActive) this.scheduleFlush();
  }

  /** Resolves once every record up to `seq` is on disk; rejects with JournalUnavailableError if it never will be. */
  whenDurable(seq: number): Promise<void> {
    if (seq <= this.flushedSeq) return Promise.resolve();
    if (this.failure !== null) return Promise.reject(this.failure);
    if (seq > this.lastSeq) return Promise.reject(new RangeError(`whenDurable(${seq}): not appended yet`));
    return new Promise((resolve, reject) => {
      const waiter = { seq, resolve, reject };
      const waiters = this.waiters;
      // Callers almost always wait in sequence order; keep the list sorted for the rare exception.
      let i = waiters.length;
      while (i > 0 && waiters[i - 1].seq > seq) i--;
      if (i === waiters.length) waiters.push(waiter);
      else waiters.splice(i, 0, waiter);
    });
  }

  /** Flushes what is pending and closes the file. Rejects if anything appended could not be made durable. */
  async close(): Promise<void> {
    this.closed = true;
    while (this.failure === null && (this.flushActive || this.pending.length > 0)) {
      if (!this.flushActive) this.runFlush();
      await this.flushing;
    }
    if (this.fd >= 0) {
      const fd = this.fd;
      this.fd = -1;
      await this.io.close(fd).catch((err: unknown) => this.fail(err));
    }
    if (this.failure !== null) throw this.failure;
  }

  private scheduleFlush(): void {
    this.flushScheduled = true;
    const run = () => {
      this.flushScheduled = false;
      if (!this.flushActive) this.runFlush();
    };
    if (this.mode === 'always') queueMicrotask(run);
    else if (this.maxDelayMs > 0) setTimeout(run, this.maxDelayMs);
    else setImmediate(run);
  }

  private runFlush(): void {
    this.flushing = this.flushLoop();
  }

  /**
   * Flushes batch after batch until nothing is pending; appends made meanwhile join the next batch.
   * `flushActive` is cleared in the same synchronous step that finds nothing pending: a waiter resumed by
   * the last batch may append before this promise settles, and that append must schedule a new flush.
   */
  private async flushLoop(): Promise<void> {
    this.flushActive = true;
    for (;;) {
      if (this.pending.length === 0 || this.failure !== null) {
        this.flushActive = false;
        return;
      }
      const { data, length, starts } = this.pending.take();
      const upToSeq = this.lastSeq;
      try {
        await this.writeBatch(data, length, starts);
      } catch (err) {
        this.flushActive = false;
        this.fail(err);
        return;
      }
      this.pending.recycle(data);
      this.stats.flushes++;
      this.flushedSeq = upToSeq;
      this.releaseWaiters();
    }
  }

  private async writeBatch(data: Buffer, length: number, starts: SegmentStart[]): Promise<void> {
    let from = 0;
    for (const start of starts) {
      if (start.offset > from) await this.writeAll(data, from, start.offset);
      // The old segment is complete: make it durable before moving on, since this batch is acked as a whole.
      if (this.fd >= 0) {
        await this.syncFile();
        const fd = this.fd;
        this.fd = -1;
        await this.io.close(fd);
      }
      this.fd = await this.io.create(join(this.dir, segmentFileName(start.firstSeq)));
      this.filePosition = 0;
      if (this.mode !== 'none') {
        this.stats.dirSyncs++;
        await this.io.syncDir(this.dir);
      }
      from = start.offset;
    }
    await this.writeAll(data, from, length);
    await this.syncFile();
  }

  private async writeAll(data: Buffer, from: number, to: number): Promise<void> {
    while (from < to) {
      this.stats.writes++;
      const written = await this.io.write(this.fd, data, from, to - from, this.filePosition);
      if (written <= 0) throw new Error(`journal write returned ${written}`);
      from += written;
      this.filePosition += written;
      this.stats.bytesWritten += written;
    }
  }

  /** Observes the duration of every segment fdatasync from now on; returns the unsubscribe. */
  onSync(observer: SyncObserver): () => void {
    this.syncObservers = [...this.syncObservers, observer];
    return () => {
      this.syncObservers = this.syncObservers.filter((o) => o !== observer);
    };
  }

  private async syncFile(): Promise<void> {
    if (this.mode === 'none') return;
    const started = performance.now();
    await this.io.sync(this.fd);
    // counted when done, with its duration, so fileSyncs and the observations always agree
    this.stats.fileSyncs++;
    const seconds = (performance.now() - started) / 1000;
    for (const observe of this.syncObservers) observe(seconds);
  }

  private releaseWaiters(): void {
    const waiters = this.waiters;
    let count = 0;
    while (count < waiters.length && waiters[count].seq <= this.flushedSeq) count++;
    if (count === 0) return;
    const ready = waiters.splice(0, count);
    for (const waiter of ready) waiter.resolve();
  }

  private fail(cause: unknown): void {
    if (this.failure !== null) return;
    const detail = cause instanceof Error ? cause.message : String(cause);
    this.failure = new JournalUnavailableError(`journal ${this.dir} unavailable: ${detail}`, { cause });
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter.reject(this.failure);
    // Best effort: the descriptor is useless now and the caller must restart from the journal on disk.
    if (this.fd >= 0) {
      const fd = this.fd;
      this.fd = -1;
      this.io.close(fd).catch(() => undefined);
    }
  }
}
