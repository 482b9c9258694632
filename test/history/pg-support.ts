/**
 * PostgreSQL for tests and benchmarks: DATABASE_URL, or the local default; each store gets a schema of
 * its own (dropped afterwards), so parallel test files never see each other's rows.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';

export function databaseUrl(): string {
  const url = process.env.DATABASE_URL;
  return url === undefined || url === '' ? DEFAULT_DATABASE_URL : url;
}

/** null when the server answers; otherwise why it cannot be used. */
export async function postgresUnavailable(url = databaseUrl()): Promise<string | null> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return null;
  } catch (err) {
    return `PostgreSQL at ${url.replace(/:[^:@/]*@/, ':***@')} is not reachable (${err instanceof Error ? err.message : String(err)})`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export function freshSchemaName(prefix: string): string {
  return `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
}

export async function dropSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => undefined);
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

/** Ends every server connection whose application_name is `name` (as a database restart would). */
export async function terminateConnections(url: string, name: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => undefined);
  await client.connect();
  try {
    const r = await client.query(
      'SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE application_name = $1 AND pid <> pg_backend_pid()',
      [name],
    );
    return r.rows[0].n as number;
  } finally {
    await client.end();
  }
}
