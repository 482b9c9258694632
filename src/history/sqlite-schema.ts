/**
 * SQLite migrations, applied in order at open; `schema_migrations` records which ran. Append new
 * migrations, never edit one that has shipped. STRICT tables: an INTEGER column refuses text or a
 * fractional number, so a float can never slip in where the engine gave an integer.
 */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export const SQLITE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'history tables',
    sql: `
      CREATE TABLE history_progress (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        last_seq INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      ) STRICT;
      INSERT INTO history_progress (id, last_seq, updated_at) VALUES (1, 0, 0);

      CREATE TABLE orders (
        id INTEGER PRIMARY KEY,
        client_order_id TEXT,
        user_id TEXT NOT NULL,
        pair TEXT NOT NULL,
        side TEXT NOT NULL,
        type TEXT NOT NULL,
        price INTEGER NOT NULL,
        amount INTEGER NOT NULL,
        filled INTEGER NOT NULL,
        status TEXT NOT NULL,
        cancel_reason TEXT,
        time_in_force TEXT NOT NULL,
        post_only INTEGER NOT NULL,
        quote_amount INTEGER,
        created_at INTEGER NOT NULL,
        updated_seq INTEGER NOT NULL,
        updated_index INTEGER NOT NULL,
        updated_at INTEGER
      ) STRICT;
      CREATE INDEX orders_by_user ON orders (user_id, id DESC);

      CREATE TABLE order_events (
        order_id INTEGER NOT NULL,
        seq INTEGER NOT NULL,
        idx INTEGER NOT NULL,
        kind TEXT NOT NULL,
        status TEXT NOT NULL,
        amount INTEGER NOT NULL,
        filled INTEGER NOT NULL,
        cancel_reason TEXT,
        time INTEGER,
        PRIMARY KEY (order_id, seq, idx)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE trades (
        id INTEGER PRIMARY KEY,
        pair TEXT NOT NULL,
        price INTEGER NOT NULL,
        amount INTEGER NOT NULL,
        quote INTEGER NOT NULL,
        taker_side TEXT NOT NULL,
        venue TEXT NOT NULL,
        taker_order_id INTEGER NOT NULL,
        taker_user_id TEXT NOT NULL,
        maker_order_id INTEGER,
        maker_user_id TEXT,
        taker_fee INTEGER NOT NULL,
        maker_fee INTEGER NOT NULL,
        time INTEGER NOT NULL,
        seq INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX trades_by_pair ON trades (pair, id DESC);

      CREATE TABLE fills (
        id INTEGER PRIMARY KEY,
        trade_id INTEGER NOT NULL,
        order_id INTEGER NOT NULL,
        user_id TEXT NOT NULL,
        pair TEXT NOT NULL,
        side TEXT NOT NULL,
        liquidity TEXT NOT NULL,
        venue TEXT NOT NULL,
        price INTEGER NOT NULL,
        amount INTEGER NOT NULL,
        quote INTEGER NOT NULL,
        fee INTEGER NOT NULL,
        fee_asset TEXT NOT NULL,
        time INTEGER NOT NULL,
        seq INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX fills_by_user ON fills (user_id, id DESC);

      CREATE TABLE candles (
        pair TEXT NOT NULL,
        period TEXT NOT NULL,
        start INTEGER NOT NULL,
        open INTEGER NOT NULL,
        high INTEGER NOT NULL,
        low INTEGER NOT NULL,
        close INTEGER NOT NULL,
        base_volume INTEGER NOT NULL,
        quote_volume INTEGER NOT NULL,
        trades INTEGER NOT NULL,
        first_trade_id INTEGER NOT NULL,
        last_trade_id INTEGER NOT NULL,
        PRIMARY KEY (pair, period, start)
      ) STRICT, WITHOUT ROWID;
    `,
  },
  {
    version: 2,
    name: 'orders by client order id',
    // partial: only orders placed with a clientOrderId pay for it on insert
    sql: `
      CREATE INDEX orders_by_client_id ON orders (user_id, client_order_id, id DESC) WHERE client_order_id IS NOT NULL;
    `,
  },
];
