/**
 * The history store contract against SQLite (always runs), twice: as the exchange uses it (writes in a
 * worker thread, reads on a read-only connection) and the plain in-thread store underneath.
 */
import { join } from 'node:path';
import { SqliteHistoryStore } from '../../src/history/sqlite-store.js';
import { SqliteWorkerHistoryStore } from '../../src/history/sqlite-worker-store.js';
import type { HistoryStore } from '../../src/history/types.js';
import { runStoreContract } from './store-contract.js';
import { FlakyStore, tempDir } from './support.js';

function subject(open: (dataDir: string) => Promise<HistoryStore>) {
  return async () => {
    const tmp = tempDir('hooats-history-sqlite-');
    const inner = await open(join(tmp.dir, 'data'));
    // SQLite has no connection to break: the outage is injected through the store interface
    const store = new FlakyStore(inner);
    return {
      store,
      outage: {
        async begin() {
          store.down = true;
        },
        async end() {
          store.down = false;
        },
      },
      async dispose() {
        await inner.close();
        tmp.remove();
      },
    };
  };
}

runStoreContract({ name: 'sqlite (worker thread)', create: subject((dataDir) => SqliteWorkerHistoryStore.open({ dataDir })) });
runStoreContract({ name: 'sqlite (in-thread)', create: subject(async (dataDir) => SqliteHistoryStore.open({ dataDir })) });
