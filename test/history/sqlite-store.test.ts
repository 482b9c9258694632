/**
 * The history store contract against SQLite (always runs), twice: as the exchange uses it (writes in a
 * worker thread, reads on a read-only connection) and the plain in-thread store underneath; and the
 * upgrade of a file written by an older version.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { ORDER_COLUMNS, ordersSql } from '../../src/history/sql-common.js';
import { SQLITE_MIGRATIONS } from '../../src/history/sqlite-schema.js';
import { SQLITE_FILE_NAME, SqliteHistoryStore } from '../../src/history/sqlite-store.js';
import { SqliteWorkerHistoryStore } from '../../src/history/sqlite-worker-store.js';
import type { HistoryStore } from '../../src/history/types.js';
import { runStoreContract } from './store-contract.js';
import { assertV1OrdersUpgraded, FlakyStore, V1_ORDERS, tempDir } from './support.js';

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

test('sqlite: a version 1 file is upgraded in place (orders_by_client_id), rows kept, and the clientOrderId query uses it', async () => {
  const tmp = tempDir('hooats-history-sqlite-');
  try {
    // the file as the version 1 code left it: migration 1 applied and recorded, orders written
    const v1 = new Database(join(tmp.dir, SQLITE_FILE_NAME));
    v1.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL) STRICT');
    v1.exec(SQLITE_MIGRATIONS[0].sql);
    v1.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (1, ?, 0)').run(SQLITE_MIGRATIONS[0].name);
    const insert = v1.prepare(`INSERT INTO orders (${ORDER_COLUMNS}) VALUES (${ORDER_COLUMNS.split(',').map(() => '?').join(', ')})`);
    for (const [id, cid, user, status] of V1_ORDERS) {
      insert.run(id, cid, user, 'IDX-USDC', 'buy', 'limit', 100, 1, 0, status, null, 'GTC', 0, null, 1_000 + id, id, 0, null);
    }
    v1.close();

    for (let open = 0; open < 2; open++) {
      // the second opening finds version 2 applied and runs nothing again
      const store = await SqliteWorkerHistoryStore.open({ dataDir: tmp.dir });
      try {
        await assertV1OrdersUpgraded(store);
      } finally {
        await store.close();
      }
    }
    const db = new Database(join(tmp.dir, SQLITE_FILE_NAME), { readonly: true });
    try {
      assert.deepEqual(db.prepare('SELECT version FROM schema_migrations ORDER BY version').pluck().all(), [1, 2]);
      const q = ordersSql((t) => t, { userId: 'u', clientOrderId: 'k', status: 'closed', limit: 1 });
      const plan = (db.prepare(`EXPLAIN QUERY PLAN ${q.sql}`).all(...q.params) as Array<{ detail: string }>).map((r) => r.detail).join('; ');
      assert.match(plan, /USING INDEX orders_by_client_id \(user_id=\? AND client_order_id=\?\)/, plan);
      assert.doesNotMatch(plan, /TEMP B-TREE/, `no sort: the index gives id DESC (${plan})`);
    } finally {
      db.close();
    }
  } finally {
    tmp.remove();
  }
});
