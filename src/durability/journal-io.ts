/**
 * The few file operations the journal writer needs, behind one small interface so that tests can inject
 * failures (a full disk, a failing fsync) without root tricks. The defaults are thin promise wrappers over
 * the fd-based callback API, which costs less per call than FileHandle objects.
 */
import * as fs from 'node:fs';

export interface JournalIo {
  /** Creates a new file exclusively (it must not exist) for writing and returns its descriptor. */
  create(path: string): Promise<number>;
  /** Writes `length` bytes of `buf` from `offset` at file `position`; may write fewer, returns the count. */
  write(fd: number, buf: Buffer, offset: number, length: number, position: number): Promise<number>;
  /** fdatasync: data and the metadata needed to read it back (size), not timestamps. */
  sync(fd: number): Promise<void>;
  /** fsync of a directory, so that a created or removed name survives a crash. */
  syncDir(dir: string): Promise<void>;
  close(fd: number): Promise<void>;
}

function done(resolve: () => void, reject: (e: Error) => void) {
  return (err: Error | null) => (err ? reject(err) : resolve());
}

export async function syncDirectory(dir: string): Promise<void> {
  const fd = await new Promise<number>((resolve, reject) =>
    fs.open(dir, 'r', (err, d) => (err ? reject(err) : resolve(d))),
  );
  try {
    await new Promise<void>((resolve, reject) => fs.fsync(fd, done(resolve, reject)));
  } finally {
    await new Promise<void>((resolve, reject) => fs.close(fd, done(resolve, reject)));
  }
}

export const defaultJournalIo: JournalIo = {
  create: (path) =>
    new Promise((resolve, reject) => fs.open(path, 'wx', 0o644, (err, fd) => (err ? reject(err) : resolve(fd)))),
  write: (fd, buf, offset, length, position) =>
    new Promise((resolve, reject) =>
      fs.write(fd, buf, offset, length, position, (err, written) => (err ? reject(err) : resolve(written))),
    ),
  sync: (fd) => new Promise((resolve, reject) => fs.fdatasync(fd, done(resolve, reject))),
  syncDir: syncDirectory,
  close: (fd) => new Promise((resolve, reject) => fs.close(fd, done(resolve, reject))),
};
