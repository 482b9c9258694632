/**
 * Worker thread that owns the SQLite history store's write connection (see sqlite-worker-store.ts).
 * better-sqlite3 is synchronous and a WAL checkpoint fsyncs: on the exchange's thread one batch would
 * stall matching for tens of milliseconds. Messages: { id, op: 'write', batch } | { id, op: 'close' };
 * replies { id, ok: true } or { id, ok: false, error: { name, message } }.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { decodeBatch, type EncodedBatch } from './batch-codec.js';
import { SqliteHistoryStore, type SqliteStoreOptions } from './sqlite-store.js';

type Request = { id: number; op: 'write'; batch: EncodedBatch } | { id: number; op: 'close' };

const port = parentPort!;
let store: SqliteHistoryStore;
try {
  store = SqliteHistoryStore.open(workerData as SqliteStoreOptions);
  port.postMessage({ id: 0, ok: true });
} catch (err) {
  port.postMessage({ id: 0, ok: false, error: errorOf(err) });
  throw err;
}

port.on('message', (req: Request) => {
  void handle(req).then(
    () => port.postMessage({ id: req.id, ok: true }),
    (err: unknown) => port.postMessage({ id: req.id, ok: false, error: errorOf(err) }),
  );
});

async function handle(req: Request): Promise<void> {
  if (req.op === 'write') return store.write(decodeBatch(req.batch));
  await store.close();
  port.close();
}

function errorOf(err: unknown): { name: string; message: string } {
  return err instanceof Error ? { name: err.name, message: err.message } : { name: 'Error', message: String(err) };
}
