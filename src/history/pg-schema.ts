/**
 * PostgreSQL migrations, applied in order at start under an advisory lock (so two processes starting
 * together do not both run one); `schema_migrations` records which ran. They run with search_path set
 * to the store's schema. Append new migrations, never edit one that has shipped. Amounts are BIGINT
 * exactly as the engine gives them (every engine value is a safe integer).
 */
import type { Migration } from './sqlite-schema.js';

export const PG_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'history tables',
    sql: `
      CREATE TABLE history_progress (
        id smallint PRIMARY KEY CHECK (id = 1),
        last_seq bigint NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      INSERT INTO history_progress (id, last_seq) VALUES (1, 0);

      CREATE TABLE orders (
        id bigint PRIMARY KEY,
        client_order_id text,
        user_id text NOT NULL,
        pair text NOT NULL,
        side text NOT NULL,
        type text NOT NULL,
        price bigint NOT NULL,
        amount bigint NOT NULL,
        filled bigint NOT NULL,
        status text NOT NULL,
        cancel_reason text,
        time_in_force text NOT NULL,
        post_only boolean NOT NULL,
        quote_amount bigint,
        created_at bigint NOT NULL,
        updated_seq bigint NOT NULL,
        updated_index integer NOT NULL,
        updated_at bigint
      );
      CREATE INDEX orders_by_user ON orders (user_id, id DESC);

      CREATE TABLE order_events (
        order_id bigint NOT NULL,
        seq bigint NOT NULL,
        idx integer NOT NULL,
        kind text NOT NULL,
        status text NOT NULL,
        amount bigint NOT NULL,
        filled bigint NOT NULL,
        cancel_reason text,
        time bigint,
        PRIMARY KEY (order_id, seq, idx)
      );

      CREATE TABLE trades (
        id bigint PRIMARY KEY,
        pair text NOT NULL,
        price bigint NOT NULL,
        amount bigint NOT NULL,
        quote bigint NOT NULL,
        taker_side text NOT NULL,
        venue text NOT NULL,
        taker_order_id bigint NOT NULL,
        taker_user_id text NOT NULL,
        maker_order_id bigint,
        maker_user_id text,
        taker_fee bigint NOT NULL,
        maker_fee bigint NOT NULL,
        time bigint NOT NULL,
        seq bigint NOT NULL
      );
      CREATE INDEX trades_by_pair ON trades (pair, id DESC);

      CREATE TABLE fills (
        id bigint PRIMARY KEY,
        trade_id bigint NOT NULL,
        order_id bigint NOT NULL,
        user_id text NOT NULL,
        pair text NOT NULL,
        side text NOT NULL,
        liquidity text NOT NULL,
        venue text NOT NULL,
        price bigint NOT NULL,
        amount bigint NOT NULL,
        quote bigint NOT NULL,
        fee bigint NOT NULL,
        fee_asset text NOT NULL,
        time bigint NOT NULL,
        seq bigint NOT NULL
      );
      CREATE INDEX fills_by_user ON fills (user_id, id DESC);

      CREATE TABLE candles (
        pair text NOT NULL,
        period text NOT NULL,
        start bigint NOT NULL,
        open bigint NOT NULL,
        high bigint NOT NULL,
        low bigint NOT NULL,
        close bigint NOT NULL,
        base_volume bigint NOT NULL,
        quote_volume bigint NOT NULL,
        trades bigint NOT NULL,
        first_trade_id bigint NOT NULL,
        last_trade_id bigint NOT NULL,
        PRIMARY KEY (pair, period, start)
      );
    `,
  },
  {
    version: 2,
    name: 'orders by client order id',
    // partial: only orders placed with a clientOrderId pay for it on insert. Built in the migration's
    // transaction (CONCURRENTLY cannot run in one), so on a large table the writer waits for the build;
    // trading does not.
    sql: `
      CREATE INDEX orders_by_client_id ON orders (user_id, client_order_id, id DESC) WHERE client_order_id IS NOT NULL;
    `,
  },
];
