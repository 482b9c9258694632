/**
 * The API's order history against PostgreSQL: DATABASE_URL, or postgres://postgres@127.0.0.1:5432/test
 * when it is not set. Skipped, with the reason printed, when no server answers. The store lives in a
 * schema of its own, dropped afterwards. The outage is real on the server's side: the pool is pointed
 * away (new connections fail as if the server were unreachable) and the server ends the store's open
 * connections (pg_terminate_backend).
 */
import { test } from 'node:test';
import type pg from 'pg';
import { createHistoryPool } from '../../src/api/history-service.js';
import { PgHistoryStore } from '../../src/history/pg-store.js';
import { databaseUrl, dropSchema, freshSchemaName, postgresUnavailable, terminateConnections } from '../history/pg-support.js';
import { historySuite, type Backend } from './history-suite.js';

const url = databaseUrl();
const unavailable = await postgresUnavailable(url);

if (unavailable !== null) {
  const reason = `${unavailable}; set DATABASE_URL to a reachable server to run the API history tests against PostgreSQL`;
  console.log(`[api history postgres] SKIPPED: ${reason}`);
  test('order history through the API (postgres)', { skip: reason }, () => {});
} else {
  const schema = freshSchemaName('hooats_api_history');
  const pools: pg.Pool[] = [];
  const backend: Backend = {
    name: 'postgres',
    async open() {
      // the server's own pool (application_name = the schema, so the outage can end exactly its connections)
      const pool: pg.Pool = createHistoryPool({ connectionString: url, applicationName: schema });
      pools.push(pool);
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
      return {
        store: new PgHistoryStore({ pool, schema }),
        outage: {
          async begin() {
            down = true;
            await terminateConnections(url, schema);
          },
          async end() {
            down = false;
          },
        },
      };
    },
    async dispose() {
      for (const pool of pools) await pool.end().catch(() => undefined);
      await dropSchema(url, schema);
    },
  };
  historySuite(backend);
}
