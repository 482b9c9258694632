/**
 * Picks the history store from the configuration (shared/API.md): PostgreSQL when DATABASE_URL is set,
 * else the embedded SQLite file in the data directory (written from a worker thread).
 */
import { PgHistoryStore, type PgStoreLog } from './pg-store.js';
import { SqliteWorkerHistoryStore } from './sqlite-worker-store.js';
import type { HistoryStore } from './types.js';

export interface OpenHistoryStoreOptions {
  readonly databaseUrl: string | null | undefined;
  readonly dataDir: string;
  readonly log?: PgStoreLog;
}

/**
 * PostgreSQL: returned at once; it migrates on first use, so the exchange can start while its database
 * is down (the writer retries; history queries fail until it is back). SQLite: created and migrated now.
 */
export async function openHistoryStore(options: OpenHistoryStoreOptions): Promise<HistoryStore> {
  if (options.databaseUrl !== null && options.databaseUrl !== undefined && options.databaseUrl !== '') {
    return new PgHistoryStore({ connectionString: options.databaseUrl, log: options.log });
  }
  return SqliteWorkerHistoryStore.open({ dataDir: options.dataDir });
}
