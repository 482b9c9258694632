/**
 * The history store contract against PostgreSQL: DATABASE_URL, or postgres://postgres@127.0.0.1:5432/test
 * when it is not set. Skipped, with the reason, when no server answers. Each store lives in a fresh
 * schema that is dropped afterwards. The outage is real: the pool refuses new connections and the
 * server ends the store's open ones (pg_terminate_backend). Also: migrations, and the upgrade of a schema
 * written by an older version.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import pg from 'pg';
import { PG_MIGRATIONS } from '../../src/history/pg-schema.js';
import { PgHistoryStore } from '../../src/history/pg-store.js';
import { ORDER_COLUMNS, ordersSql } from '../../src/history/sql-common.js';
import { databaseUrl, dropSchema, freshSchemaName, postgresUnavailable, terminateConnections } from './pg-support.js';
import { assertV1OrdersUpgraded, V1_ORDERS } from './support.js';
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
      assert.deepEqual(rows, [{ version: 1, name: 'history tables' }, { version: 2, name: 'orders by client order id' }]);

      const nowhere = new PgHistoryStore({ connectionString: 'postgres://postgres@127.0.0.1:1/none', schema });
      await assert.rejects(nowhere.persistedSeq());
      await assert.rejects(nowhere.persistedSeq(), 'the failed migration is retried, not cached');
      await nowhere.close();
    } finally {
      await dropSchema(url, schema);
    }
  });

  test('postgres: a version 1 schema is upgraded in place (orders_by_client_id), rows kept, and the clientOrderId query uses it', async () => {
    const schema = freshSchemaName('hooats_history_test');
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      // the schema as the version 1 code left it: migration 1 applied and recorded, orders written
      await client.query(`CREATE SCHEMA "${schema}"`);
      await client.query(`SET search_path TO "${schema}"`);
      await client.query(
        'CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())',
      );
      await client.query(PG_MIGRATIONS[0].sql);
      await client.query('INSERT INTO schema_migrations (version, name) VALUES (1, $1)', [PG_MIGRATIONS[0].name]);
      const placeholders = ORDER_COLUMNS.split(',').map((_, i) => `$${i + 1}`).join(', ');
      for (const [id, cid, user, status] of V1_ORDERS) {
        await client.query(`INSERT INTO orders (${ORDER_COLUMNS}) VALUES (${placeholders})`, [
          id, cid, user, 'IDX-USDC', 'buy', 'limit', 100, 1, 0, status, null, 'GTC', false, null, 1_000 + id, id, 0, null,
        ]);
      }

      for (let open = 0; open < 2; open++) {
        // the second opening finds version 2 applied and runs nothing again
        const store = await PgHistoryStore.open({ connectionString: url, schema });
        try {
          await assertV1OrdersUpgraded(store);
        } finally {
          await store.close();
        }
      }
      const versions = await client.query('SELECT version FROM schema_migrations ORDER BY version');
      assert.deepEqual(versions.rows.map((r) => r.version), [1, 2]);
      const index = await client.query('SELECT indexdef FROM pg_indexes WHERE schemaname = $1 AND indexname = $2', [schema, 'orders_by_client_id']);
      assert.match(index.rows[0]?.indexdef ?? '', /\(user_id, client_order_id, id DESC\) WHERE \(client_order_id IS NOT NULL\)/);
      // the planner can use the partial index for the store's query (a table this small would be scanned otherwise)
      await client.query('SET enable_seqscan = off');
      const q = ordersSql((t) => `"${schema}".${t}`, { userId: 'u', clientOrderId: 'k', status: 'closed', limit: 1 });
      let n = 0;
      const plan = await client.query(`EXPLAIN ${q.sql.replace(/\?/g, () => `$${++n}`)}`, q.params);
      const text = plan.rows.map((r) => r['QUERY PLAN']).join('\n');
      assert.match(text, /Index Scan using orders_by_client_id/, text);
    } finally {
      await client.end();
      await dropSchema(url, schema);
    }
  });
}
