/**
 * The history store contract against PostgreSQL: DATABASE_URL, or postgres://postgres@127.0.0.1:5432/test
 * when it is not set. Skipped, with the reason, when no server answers. Each store lives in a fresh
 * schema that is dropped afterwards. The outage is real: the pool refuses new connections and the
 * server ends the store's open ones (pg_terminate_backend).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import pg from 'pg';
import { PgHistoryStore } from '../../src/history/pg-store.js';
import { databaseUrl, dropSchema, freshSchemaName, postgresUnavailable, terminateConnections } from './pg-support.js';
import { runStoreContract } from './store-contract.js';

const url = databaseUrl();
const unavailable = await postgresUnavailable(url);

if (unavailable !== null) {
  const reason = `${unavailable}; set DATABASE_URL to a reachable server to run the PostgreSQL history tests`;
  console.log(`[history postgres] SKIPPED: ${reason}`);
  test('history store contract: postgres', { skip: reason }, () => {});
} else {
  runStoreContract({
    name: 'postgres',
    async create() {
      const schema = freshSchemaName('hooats_history_test');
      const pool = new pg.Pool({ connectionString: url, application_name: schema, max: 4, connectionTimeoutMillis: 3_000 });
      let down = false;
      const connect = pool.connect.bind(pool) as (cb?: unknown) => unknown;
      // while "down", new connections fail the way an unreachable server makes them fail
      (pool as unknown as { connect: (cb?: unknown) => unknown }).connect = (cb?: unknown) => {
        if (!down) return connect(cb);
        const err = new Error('injected outage: connect ECONNREFUSED');
        if (typeof cb === 'function') {
          process.nextTick(cb, err);
          return undefined;
        }
        return Promise.reject(err);
      };
      const store = await PgHistoryStore.open({ pool, schema });
      return {
        store,
        outage: {
          async begin() {
            down = true;
            await terminateConnections(url, schema);
          },
          async end() {
            down = false;
          },
        },
        async dispose() {
          await store.close();
          await pool.end();
          await dropSchema(url, schema);
        },
      };
    },
  });

  test('postgres: migrations run once, and a store opened while the server is down retries later', async () => {
    const schema = freshSchemaName('hooats_history_test');
    try {
      const a = await PgHistoryStore.open({ connectionString: url, schema });
      const b = await PgHistoryStore.open({ connectionString: url, schema });
      assert.equal(await b.persistedSeq(), 0);
      await a.close();
      await b.close();
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      const rows = (await client.query(`SELECT version, name FROM "${schema}".schema_migrations ORDER BY version`)).rows;
      await client.end();
      assert.deepEqual(rows, [{ version: 1, name: 'history tables' }]);

      const nowhere = new PgHistoryStore({ connectionString: 'postgres://postgres@127.0.0.1:1/none', schema });
      await assert.rejects(nowhere.persistedSeq());
      await assert.rejects(nowhere.persistedSeq(), 'the failed migration is retried, not cached');
      await nowhere.close();
    } finally {
      await dropSchema(url, schema);
    }
  });
}
