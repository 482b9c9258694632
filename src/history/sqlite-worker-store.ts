/**
 * The SQLite history store as the exchange process uses it: writes go to a worker thread that owns the
 * write connection (sqlite-worker.ts), batches handed over as columns (batch-codec.ts); reads use a
 * read-only connection on the calling thread (WAL: a reader never waits for the writer; the queries
 * are index lookups). If the worker dies, pending writes fail (the history writer retries) and the next
 * write starts a new worker.
 */
import { Worker } from 'node:worker_threads';
import { encodeBatch } from './batch-codec.js';
import { ForwardingStore } from './forwarding-store.js';
import { SqliteHistoryStore, type SqliteStoreOptions } from './sqlite-store.js';
import type { HistoryBatch } from './types.js';

interface Reply {
  id: number;
  ok: boolean;
  error?: { name: string; message: string };
}

function startWorker(options: SqliteStoreOptions): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./sqlite-worker.js', import.meta.url), { workerData: options });
  // Run from the TypeScript sources (node --import tsx): on Node 20 a worker does not get tsx's module
  // hooks from its parent, so the worker registers them before loading its entry.
  const tsx = import.meta.resolve('tsx/esm/api');
  const entry = new URL('./sqlite-worker.ts', import.meta.url).href;
  const boot = `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(entry)}); })`;
  return new Worker(boot, { eval: true, workerData: options });
}

export class HistoryWorkerError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = `HistoryWorkerError(${name})`;
  }
}

class WriterThread {
  private readonly pending = new Map<number, { resolve(): void; reject(err: Error): void }>();
  private nextId = 1;
  readonly ready: Promise<void>;
  dead = false;

  constructor(private readonly worker: Worker) {
    this.ready = new Promise((resolve, reject) => this.pending.set(0, { resolve, reject }));
    worker.on('message', (reply: Reply) => {
      const p = this.pending.get(reply.id);
      if (p === undefined) return;
      this.pending.delete(reply.id);
      if (reply.ok) p.resolve();
      else p.reject(new HistoryWorkerError(reply.error!.name, reply.error!.message));
    });
    const die = (err: Error): void => {
      this.dead = true;
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    worker.on('error', die);
    worker.on('exit', (code) => die(new Error(`history worker exited (code ${code})`)));
  }

  request(message: object, transfer: ArrayBuffer[] = []): Promise<void> {
    if (this.dead) return Promise.reject(new Error('history worker is not running'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...message, id }, transfer);
    });
  }

  async stop(): Promise<void> {
    if (this.dead) return;
    await this.request({ op: 'close' }).catch(() => undefined);
    await this.worker.terminate();
  }
}

export class SqliteWorkerHistoryStore extends ForwardingStore {
  readonly kind = 'sqlite' as const;
  private thread: WriterThread | null = null;

  private constructor(
    private readonly options: SqliteStoreOptions,
    private readonly reader: SqliteHistoryStore,
  ) {
    super(reader);
  }

  /** Starts the writer thread (it creates and migrates the file), then opens the reading connection. */
  static async open(options: SqliteStoreOptions): Promise<SqliteWorkerHistoryStore> {
    const thread = new WriterThread(startWorker(options));
    await thread.ready;
    const store = new SqliteWorkerHistoryStore(options, SqliteHistoryStore.openReadOnly(options));
    store.thread = thread;
    return store;
  }

  private async writer(): Promise<WriterThread> {
    if (this.thread === null || this.thread.dead) {
      this.thread = new WriterThread(startWorker(this.options));
    }
    await this.thread.ready;
    return this.thread;
  }

  async write(batch: HistoryBatch): Promise<void> {
    const encoded = encodeBatch(batch);
    const thread = await this.writer();
    await thread.request({ op: 'write', batch: encoded }, [encoded.numbers.buffer as ArrayBuffer, encoded.codes.buffer as ArrayBuffer]);
  }

  async close(): Promise<void> {
    await this.thread?.stop();
    this.thread = null;
    await this.reader.close();
  }
}
