/**
 * Snapshots: one file per snapshot, written atomically (tmp file, fsync, rename, fsync of the directory),
 * so a crash leaves either the old set of snapshots or the new one, plus at worst an ignored `.tmp` file.
 *
 *   header (24 bytes): "HOOS" | u16 version = 1 | u16 reserved = 0 | u64 seq | u32 payload length |
 *                      u32 crc32(payload)        then the payload. Little-endian throughout.
 */
import { mkdir, open, readFile, readdir, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { syncDirectory } from './journal-io.js';
import { FORMAT_VERSION, assertSequence, readU64LE, writeU64LE } from './record-format.js';

export const SNAPSHOT_MAGIC = 0x534f4f48; // "HOOS" read as a little-endian u32
export const SNAPSHOT_HEADER_BYTES = 24;
const SNAPSHOT_NAME = /^snapshot-(\d{20})\.snap$/;
const SNAPSHOT_TMP_NAME = /^snapshot-(\d{20})\.snap\.tmp$/;

export function snapshotFileName(seq: number): string {
  return `snapshot-${String(seq).padStart(20, '0')}.snap`;
}

export interface SkippedSnapshot {
  file: string;
  reason: string;
}

export interface LoadedSnapshot {
  seq: number;
  payload: Buffer;
  file: string;
  /** Newer snapshot files that failed validation and were passed over, newest first. */
  skipped: SkippedSnapshot[];
}

/** Writes the state as of `seq` (every journal record up to `seq` applied). Returns the file path. */
export async function writeSnapshot(dir: string, seq: number, payload: Uint8Array): Promise<string> {
  assertSequence(seq);
  await mkdir(dir, { recursive: true });
  const header = Buffer.alloc(SNAPSHOT_HEADER_BYTES);
  header.writeUInt32LE(SNAPSHOT_MAGIC, 0);
  header.writeUInt16LE(FORMAT_VERSION, 4);
  header.writeUInt16LE(0, 6);
  writeU64LE(header, 8, seq);
  header.writeUInt32LE(payload.length, 16);
  header.writeUInt32LE(crc32(payload), 20);

  const path = join(dir, snapshotFileName(seq));
  const tmp = `${path}.tmp`;
  const handle = await open(tmp, 'w', 0o644);
  try {
    await writeAll(handle, header, 0);
    await writeAll(handle, payload, SNAPSHOT_HEADER_BYTES);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(tmp, path);
  await syncDirectory(dir);
  return path;
}

async function writeAll(handle: import('node:fs/promises').FileHandle, data: Uint8Array, position: number) {
  let done = 0;
  while (done < data.length) {
    const { bytesWritten } = await handle.write(data, done, data.length - done, position + done);
    done += bytesWritten;
  }
}

/** Payload length, or the reason the file is not a valid snapshot of `seq`. */
export function validateSnapshot(data: Buffer, seq: number): number | string {
  if (data.length < SNAPSHOT_HEADER_BYTES) return `file too short (${data.length} bytes)`;
  if (data.readUInt32LE(0) !== SNAPSHOT_MAGIC) return 'bad snapshot magic';
  const version = data.readUInt16LE(4);
  if (version !== FORMAT_VERSION) return `unsupported snapshot format version ${version}`;
  if (data.readUInt16LE(6) !== 0) return 'non-zero reserved field';
  const headerSeq = readU64LE(data, 8);
  if (headerSeq !== seq) return `header sequence ${headerSeq} does not match the file name`;
  const length = data.readUInt32LE(16);
  if (length !== data.length - SNAPSHOT_HEADER_BYTES) {
    return `payload length ${length} but file holds ${data.length - SNAPSHOT_HEADER_BYTES} bytes`;
  }
  const payload = data.subarray(SNAPSHOT_HEADER_BYTES);
  if (crc32(payload) !== data.readUInt32LE(20)) return 'payload checksum mismatch';
  return length;
}

async function listSnapshots(dir: string, pattern: RegExp): Promise<{ seq: number; path: string }[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const found: { seq: number; path: string }[] = [];
  for (const name of names) {
    const match = pattern.exec(name);
    if (match !== null) found.push({ seq: Number(match[1]), path: join(dir, name) });
  }
  return found.sort((a, b) => b.seq - a.seq); // newest first
}

/**
 * The newest snapshot that validates, or null if there is none. Invalid newer files are skipped, listed
 * in `skipped` and logged; they are not deleted, so an operator can look at them.
 */
export async function loadLatestSnapshot(
  dir: string,
  options: { log?: { warn(obj: object, msg: string): void } } = {},
): Promise<LoadedSnapshot | null> {
  const skipped: SkippedSnapshot[] = [];
  for (const { seq, path } of await listSnapshots(dir, SNAPSHOT_NAME)) {
    const data = await readFile(path);
    const result = validateSnapshot(data, seq);
    if (typeof result === 'number') {
      return { seq, payload: data.subarray(SNAPSHOT_HEADER_BYTES), file: path, skipped };
    }
    skipped.push({ file: path, reason: result });
    options.log?.warn({ file: path, reason: result }, 'snapshot failed validation, trying an older one');
  }
  return null;
}

/**
 * Deletes all but the newest `keep` snapshot files (by sequence, without reading them: call it after a
 * writeSnapshot that succeeded, and keep at least 2 so one bad newest file still leaves an older one),
 * plus `.tmp` leftovers older than the newest kept snapshot. Returns the deleted paths.
 */
export async function pruneSnapshots(dir: string, keep = 2): Promise<string[]> {
  if (!Number.isSafeInteger(keep) || keep < 1) throw new RangeError(`keep must be >= 1, got ${keep}`);
  const snapshots = await listSnapshots(dir, SNAPSHOT_NAME);
  if (snapshots.length === 0) return [];
  const newest = snapshots[0].seq;
  const doomed = snapshots.slice(keep).map((s) => s.path);
  // A .tmp at or above the newest snapshot may be a write in progress; older ones are crash leftovers.
  for (const tmp of await listSnapshots(dir, SNAPSHOT_TMP_NAME)) if (tmp.seq < newest) doomed.push(tmp.path);
  for (const path of doomed) await unlink(path);
  if (doomed.length > 0) await syncDirectory(dir);
  return doomed;
}
