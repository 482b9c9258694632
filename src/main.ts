/**
 * The process that listens: read the configuration, recover the state from the data dir, start the order
 * history (PostgreSQL with DATABASE_URL, else SQLite in the data dir), serve HTTP and WebSocket, and on
 * SIGTERM/SIGINT stop accepting, finish in-flight requests, snapshot, let the history catch up (for half
 * the shutdown timeout at most) and exit 0. With HOOATS_STORE=redis the state is in Redis instead.
 * In dev mode (no HOOATS_JWT_SECRET) it prints a day-long token and curl lines to get started.
 */
import { pino, type Logger } from 'pino';
import { buildApp } from './api/app.js';
import { signToken } from './api/auth.js';
import { HistoryService, journalHistoryFeed, type HistoryFeed } from './api/history-service.js';
import { RedisBackend } from './api/redis-backend.js';
import { ConfigError, loadConfig, type AppConfig } from './config/config.js';
import { Sequencer } from './sequencer/sequencer.js';

const DEV_USER = 'dev-user';

async function printDevHelp(config: AppConfig, url: string): Promise<void> {
  const token = await signToken(config.jwtSecret, DEV_USER, ['trade', 'admin']);
  const m = config.markets[0];
  // price 1 × amount 10 fits the default market's grid; another market's own tick and lot always fit
  const [price, amount] = config.marketsFile === null ? ['1', '10'] : [m.tickSize, m.lotSize];
  const h = `-H 'Authorization: Bearer ${token}' -H 'Content-Type: application/json'`;
  const lines = [
    '',
    `HOOATS API listening on ${url}  (WebSocket ${url.replace(/^http/, 'ws')}/ws)`,
    'HOOATS_JWT_SECRET is not set: using a random DEV secret (tokens die with this process).',
    `Dev token for user "${DEV_USER}" (scopes: trade admin, valid 24 h):`,
    token,
    '',
    'Fund the dev user (admin), then place an order:',
    `curl -s ${h} -d '{"userId":"${DEV_USER}","asset":"${m.quote}","amount":"1000"}' ${url}/api/admin/deposits`,
    `curl -s ${h} -d '{"pair":"${m.pair}","side":"buy","type":"limit","price":"${price}","amount":"${amount}"}' ${url}/api/trading/v2/orders`,
    `curl -s ${url}/api/orderbook/${m.pair}`,
    '',
  ];
  process.stdout.write(lines.join('\n') + '\n');
}

async function main(): Promise<void> {
  let config: AppConfig;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`hooats: configuration error: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const log = pino({ level: config.logLevel });
  if (config.store.kind === 'redis') return serveFromRedis(config, config.store, log);
  const sequencer = await Sequencer.open({
    markets: config.markets,
    dataDir: config.dataDir,
    fsyncMode: config.fsyncMode,
    snapshotEvery: config.snapshotEvery,
    log,
  });
  // before the first command: the writer must see every durable command after its stored progress
  const history = await startHistory(config, journalHistoryFeed(sequencer), log);
  const app = buildApp({ sequencer, history, logger: log, processMetrics: true }, config);
  const address = await app.listen({ port: config.port, host: config.host });
  log.info(
    { address, store: 'journal', dataDir: config.dataDir, fsync: config.fsyncMode, markets: config.markets.map((m) => m.pair), history: history.kind },
    'listening',
  );
  await announce(config, address);
  onStopSignal(config, log, async () => {
    await app.close();
    log.info('connections closed; writing the final snapshot');
    await sequencer.close();
    log.info({ lastSeq: sequencer.lastSeq }, 'state snapshotted; flushing the history');
    const flushed = await history.close(Math.floor(config.shutdownTimeoutMs / 2));
    const { persistedSeq } = history.status();
    if (flushed) log.info({ persistedSeq }, 'history written; bye');
    else log.warn({ persistedSeq, lastSeq: sequencer.lastSeq }, 'history not fully written; it catches up from the journal at the next start; bye');
  });
}

/**
 * HOOATS_STORE=redis: the state is in Redis, shared with any other process on the same keyspace; no
 * journal, no snapshot. The history is written from the event streams, by every process into its
 * store (the writes are idempotent, so processes sharing one PostgreSQL count nothing twice).
 */
async function serveFromRedis(config: AppConfig, store: Extract<AppConfig['store'], { kind: 'redis' }>, log: Logger): Promise<void> {
  const backend = await RedisBackend.open({ url: store.url, prefix: store.prefix, markets: config.markets, log: log.child({ component: 'redis' }) });
  const history = await startHistory(config, backend.historyFeed(), log);
  const app = buildApp({ backend, history, logger: log, processMetrics: true }, config);
  const address = await app.listen({ port: config.port, host: config.host });
  log.info(
    { address, store: 'redis', prefix: store.prefix, markets: config.markets.map((m) => m.pair), streamSeq: backend.events.lastSeq, history: history.kind },
    'listening',
  );
  await announce(config, address);
  onStopSignal(config, log, async () => {
    await app.close();
    const flushed = await history.close(Math.floor(config.shutdownTimeoutMs / 2));
    await backend.close();
    log.info({ historyFlushed: flushed, persistedSeq: history.status().persistedSeq }, 'connections closed; Redis holds the state; bye');
  });
}

/** The order history (PostgreSQL with DATABASE_URL, else SQLite in the data dir) on a feed of durable events. */
function startHistory(config: AppConfig, feed: HistoryFeed, log: Logger): Promise<HistoryService> {
  return HistoryService.start({ feed, dataDir: config.dataDir, databaseUrl: config.history.databaseUrl, log: log.child({ component: 'history' }) });
}

async function announce(config: AppConfig, address: string): Promise<void> {
  if (config.jwtSecretGenerated) await printDevHelp(config, address);
  else process.stdout.write(`HOOATS API listening on ${address}\n`);
}

/** SIGTERM/SIGINT: `shutdown` once (a second signal exits at once), exit 0 when it is done. */
function onStopSignal(config: AppConfig, log: Logger, shutdown: () => Promise<void>): void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      log.warn({ signal }, 'second signal: exiting without a clean shutdown');
      process.exit(1);
    }
    stopping = true;
    log.info({ signal }, 'shutting down: no new connections, finishing in-flight requests');
    const timer = setTimeout(() => {
      log.error('shutdown timed out');
      process.exit(1);
    }, config.shutdownTimeoutMs);
    timer.unref();
    shutdown().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((err: unknown) => {
  process.stderr.write(`hooats: failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
