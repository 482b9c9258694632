/**
 * The one place the environment is read. loadConfig validates every setting, freezes the result and
 * everything below receives it as a parameter (nothing else reads process.env).
 */
import { randomBytes } from 'node:crypto';
import type { FsyncMode } from '../durability/journal-writer.js';
import type { MarketConfig } from '../engine/market.js';
import { ConfigError } from './config-error.js';
import { loadMarkets } from './markets-file.js';

export { ConfigError } from './config-error.js';

export interface RateLimitConfig {
  /** tokens added per second to each user's (or, unauthenticated, each IP's) bucket */
  readonly perSecond: number;
  /** bucket size: how many requests may come at once */
  readonly burst: number;
}

export interface HistoryConfig {
  /** PostgreSQL connection string (DATABASE_URL); null: the SQLite file history.sqlite in the data dir */
  readonly databaseUrl: string | null;
  /**
   * How long a history read waits for the history writer to hold everything the client may already have
   * been told (a fill just confirmed, say) before answering 503 UNAVAILABLE.
   */
  readonly readWaitMs: number;
}

export type StoreConfig =
  | { readonly kind: 'journal' }
  /** REDIS_URL (may hold a password: never logged), HOOATS_REDIS_PREFIX (key prefix, default `hooats:`) */
  | { readonly kind: 'redis'; readonly url: string; readonly prefix: string };

export interface AppConfig {
  readonly port: number;
  readonly host: string;
  readonly jwtSecret: string;
  /** true when HOOATS_JWT_SECRET was not set and a random dev secret was generated */
  readonly jwtSecretGenerated: boolean;
  readonly dataDir: string;
  readonly markets: readonly MarketConfig[];
  /** the markets file path, or null for the built-in default market */
  readonly marketsFile: string | null;
  readonly fsyncMode: FsyncMode;
  /** a snapshot is written after this many journaled commands (and at shutdown) */
  readonly snapshotEvery: number;
  /** null: no rate limit */
  readonly rateLimit: RateLimitConfig | null;
  readonly bodyLimitBytes: number;
  /** a WebSocket whose unsent data passes this is closed as a slow consumer */
  readonly wsMaxBufferedBytes: number;
  readonly logLevel: string;
  readonly history: HistoryConfig;
  /** where the exchange's state lives (HOOATS_STORE): the journaled in-memory engine, or Redis */
  readonly store: StoreConfig;
  /** how long shutdown may take in all (requests, snapshot, history flush) before the process gives up */
  readonly shutdownTimeoutMs: number;
}

type Env = Readonly<Record<string, string | undefined>>;

const MIN_SECRET_LENGTH = 32;
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const FSYNC_MODES: readonly FsyncMode[] = ['always', 'batched', 'none'];

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(`${name} must be a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(`${name} must be from ${min} to ${max}, got ${value}`);
  return value;
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!allowed.includes(raw as T)) throw new ConfigError(`${name} must be one of ${allowed.join(', ')}, got "${raw}"`);
  return raw as T;
}

function jwtSecret(env: Env): { secret: string; generated: boolean } {
  const raw = env.HOOATS_JWT_SECRET;
  if (raw === undefined || raw === '') return { secret: randomBytes(32).toString('base64url'), generated: true };
  // HS256 with a short secret can be brute-forced offline from any token
  if (raw.length < MIN_SECRET_LENGTH) {
    throw new ConfigError(`HOOATS_JWT_SECRET must be at least ${MIN_SECRET_LENGTH} characters`);
  }
  return { secret: raw, generated: false };
}

function databaseUrl(env: Env): string | null {
  const raw = env.DATABASE_URL;
  if (raw === undefined || raw === '') return null;
  // the URL may hold a password: the message never repeats it
  if (!/^postgres(ql)?:\/\/./.test(raw)) throw new ConfigError('DATABASE_URL must be a postgres:// or postgresql:// URL');
  return raw;
}

function storeConfig(env: Env): StoreConfig {
  const kind = oneOf(env, 'HOOATS_STORE', ['journal', 'redis'] as const, 'journal');
  if (kind === 'journal') return Object.freeze({ kind });
  const url = env.REDIS_URL === undefined || env.REDIS_URL === '' ? 'redis://127.0.0.1:6379' : env.REDIS_URL;
  // the URL may hold a password: the message never repeats it
  if (!/^rediss?:\/\/./.test(url)) throw new ConfigError('REDIS_URL must be a redis:// or rediss:// URL');
  const prefix = env.HOOATS_REDIS_PREFIX === undefined || env.HOOATS_REDIS_PREFIX === '' ? 'hooats:' : env.HOOATS_REDIS_PREFIX;
  if (!/^[A-Za-z0-9:_.-]{1,64}$/.test(prefix)) throw new ConfigError('HOOATS_REDIS_PREFIX must be 1 to 64 of A-Z a-z 0-9 : _ . -');
  return Object.freeze({ kind, url, prefix });
}

/** Reads and validates the configuration; throws ConfigError with a message for the operator. */
export function loadConfig(env: Env = process.env): AppConfig {
  const host = env.HOST === undefined || env.HOST === '' ? '127.0.0.1' : env.HOST;
  if (!/^[A-Za-z0-9.:\-[\]]+$/.test(host)) throw new ConfigError(`HOST is not a host name or address: "${host}"`);
  const { secret, generated } = jwtSecret(env);
  const perSecond = int(env, 'HOOATS_RATE_LIMIT_PER_SEC', 1000, 0, 100_000_000);
  const burst = int(env, 'HOOATS_RATE_LIMIT_BURST', Math.max(perSecond * 2, 1), 1, 100_000_000);
  const marketsFile = env.HOOATS_MARKETS === undefined || env.HOOATS_MARKETS === '' ? null : env.HOOATS_MARKETS;
  const config: AppConfig = {
    port: int(env, 'PORT', 3001, 0, 65535),
    host,
    jwtSecret: secret,
    jwtSecretGenerated: generated,
    dataDir: env.HOOATS_DATA_DIR === undefined || env.HOOATS_DATA_DIR === '' ? './data' : env.HOOATS_DATA_DIR,
    markets: loadMarkets(marketsFile ?? undefined),
    marketsFile,
    fsyncMode: oneOf(env, 'HOOATS_FSYNC', FSYNC_MODES, 'batched'),
    snapshotEvery: int(env, 'HOOATS_SNAPSHOT_EVERY', 1_000_000, 1, Number.MAX_SAFE_INTEGER),
    rateLimit: perSecond === 0 ? null : Object.freeze({ perSecond, burst }),
    bodyLimitBytes: int(env, 'HOOATS_BODY_LIMIT', 1024 * 1024, 1024, 64 * 1024 * 1024),
    wsMaxBufferedBytes: int(env, 'HOOATS_WS_MAX_BUFFERED', 4 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
    logLevel: oneOf(env, 'HOOATS_LOG_LEVEL', LOG_LEVELS, 'info'),
    history: Object.freeze({
      databaseUrl: databaseUrl(env),
      readWaitMs: int(env, 'HOOATS_HISTORY_READ_WAIT_MS', 2_000, 0, 60_000),
    }),
    store: storeConfig(env),
    shutdownTimeoutMs: int(env, 'HOOATS_SHUTDOWN_TIMEOUT_MS', 10_000, 0, 600_000),
  };
  return Object.freeze(config);
}

/** The configuration for tests and benchmarks: defaults plus overrides, validated the same way. */
export function configFor(env: Env): AppConfig {
  return loadConfig({ HOOATS_LOG_LEVEL: 'silent', ...env });
}
