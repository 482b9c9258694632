/**
 * Journal pruning: once a snapshot covers every record of a segment, the segment is no longer needed for
 * recovery. A segment's last record is the next segment's first sequence minus one (the reader enforces
 * that continuity), so this decides from file names alone without reading anything.
 */
import { unlink } from 'node:fs/promises';
import { syncDirectory } from './journal-io.js';
import { listSegments } from './journal-reader.js';

/**
 * Deletes segment files all of whose records are <= coveredSeq (the sequence of a durable snapshot).
 * The newest segment is always kept: the writer may be appending to it, and it tells the next writer
 * where the journal ends. Returns the deleted paths, oldest first.
 */
export async function pruneSegments(dir: string, coveredSeq: number): Promise<string[]> {
  const segments = listSegments(dir);
  const deleted: string[] = [];
  for (let i = 0; i + 1 < segments.length; i++) {
    const lastSeqInSegment = segments[i + 1].firstSeq - 1;
    if (lastSeqInSegment > coveredSeq) break;
    await unlink(segments[i].path);
    deleted.push(segments[i].path);
  }
  if (deleted.length > 0) await syncDirectory(dir);
  return deleted;
}
