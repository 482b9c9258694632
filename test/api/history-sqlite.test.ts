/**
 * The API's order history against the embedded store, as `npm start` runs it without DATABASE_URL: the
 * SQLite file in the data dir, written from a worker thread. The outage makes every call of the store
 * fail (reads and writes) until it ends.
 */
import { SqliteWorkerHistoryStore } from '../../src/history/sqlite-worker-store.js';
import type { HistoryStore } from '../../src/history/types.js';
import { historySuite, type Backend } from './history-suite.js';

/** Passes everything through, or fails everything while `down`. */
function withOutage(inner: HistoryStore): { store: HistoryStore; setDown(down: boolean): void } {
  let down = false;
  const check = (): void => {
    if (down) throw new Error('injected outage: history store unavailable');
  };
  const store: HistoryStore = {
    kind: inner.kind,
    persistedSeq: async () => (check(), inner.persistedSeq()),
    write: async (batch) => (check(), inner.write(batch)),
    order: async (userId, id) => (check(), inner.order(userId, id)),
    orders: async (q) => (check(), inner.orders(q)),
    orderEvents: async (id) => (check(), inner.orderEvents(id)),
    fills: async (q) => (check(), inner.fills(q)),
    trades: async (q) => (check(), inner.trades(q)),
    candles: async (q) => (check(), inner.candles(q)),
    ticker: async (pair, now) => (check(), inner.ticker(pair, now)),
    dump: async () => (check(), inner.dump()),
    close: () => inner.close(),
  };
  return { store, setDown: (d) => (down = d) };
}

const backend: Backend = {
  name: 'sqlite',
  async open(dataDir) {
    const { store, setDown } = withOutage(await SqliteWorkerHistoryStore.open({ dataDir }));
    return {
      store,
      outage: {
        async begin() {
          setDown(true);
        },
        async end() {
          setDown(false);
        },
      },
    };
  },
  async dispose() {},
};

historySuite(backend);
