/**
 * The `hooats` command line: `hooats bench <scenario> [options]` (see USAGE). Parses and checks the
 * options once, runs the bench with a live display on stderr, prints the summary on stdout and writes
 * the --json / --html results. Exit code 0 when the run completed (its errors are in the result), 1 when
 * it could not run, 2 for a usage error.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DEFAULTS, runBench, type BenchOptions, type Scenario } from './bench.js';
import type { OrderMix } from './order-flow.js';
import { Progress } from './progress.js';
import { renderHtmlReport } from './report-html.js';
import { summaryText } from './summary.js';
import type { TransportKind } from './transport.js';

export const USAGE = `Usage: hooats bench <scenario> [options]      (npm run loadtest -- <scenario> [options])

Scenarios
  burst N                   N orders as fast as the server answers (closed loop, --concurrency in flight)
  sustained RATE DURATION   open loop: RATE orders/s for DURATION (e.g. 30s, 2m, 500ms); latency counted
                            from each order's intended send time, so server stalls are not hidden
  ramp                      sustained steps of rising rate until p99 or the error rate passes a limit;
                            reports the knee (last step within the limits)

Target
  --url URL                 the running HOOATS (default $HOOATS_URL or http://127.0.0.1:3001); only
                            loopback addresses unless --allow-remote
  --secret S                JWT secret to mint tokens for the load users (default $HOOATS_JWT_SECRET)
  --token JWT               instead of --secret: trade as this one user (funding needs its admin scope)
  --pair P                  market (default: the first with an AMM pool)

Load
  --transport http|batch|ws single orders over HTTP keep-alive, POST /batch, or WebSocket (default http)
  --connections N           HTTP sockets, or WebSocket connections (ws: one user each) (default ${DEFAULTS.connections})
  --concurrency N           burst: requests in flight (default: http one per connection, batch one batch
                            per connection, ws 8 per connection)
  --batch-size N            orders per batch (default ${DEFAULTS.batchSize}); --batch-window-ms N (default ${DEFAULTS.batchWindowMs})
  --users N                 load users, funded through the admin API first (default ${DEFAULTS.users})
  --user-prefix S           user ids S0, S1, ... (default ${DEFAULTS.userPrefix})
  --mix limit:L,market:M,cancel:C   relative weights (default limit:60,market:15,cancel:25)
  --levels N                resting orders 1..N ticks from the mid (default ${DEFAULTS.levels})
  --cross-share F           share of limit orders priced through the mid (default ${DEFAULTS.crossShare})
  --max-open-per-user N     a user at N resting orders cancels first (default ${DEFAULTS.maxOpenPerUser})
  --min-amount A --max-amount A     order size range in base units (default ${DEFAULTS.minAmount}..${DEFAULTS.maxAmount})
  --seed N                  random stream seed (default ${DEFAULTS.seed})
  --no-fund                 skip the deposits;  --no-cleanup  leave the users' orders resting at the end

Limits
  --timeout-ms N            per request (default ${DEFAULTS.timeoutMs})
  --max-in-flight N         open loop: outstanding requests at most (default ${DEFAULTS.maxInFlight})
  --drain-timeout-ms N      after a phase's schedule, time left for answers (default ${DEFAULTS.drainTimeoutMs})
  ramp: --start-rate R (500) --step-rate R (= start) --step DURATION (5s) --max-rate R (100000)
        --max-steps N (10) --max-p99-ms MS (50) --max-error-rate F (0.01)

Output
  --json FILE               the result as JSON ("-" for stdout)
  --html FILE               a self-contained HTML report (latency histogram, throughput over time)
  --plain                   plain progress lines even on a terminal;  --quiet  no progress
`;

class UsageError extends Error {}

const MAX_BURST = 1_000_000;
const MAX_DURATION_MS = 3_600_000;
const MAX_RATE = 1_000_000;

export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  if (m === null) throw new UsageError(`not a duration: ${text} (e.g. 30s, 2m, 500ms)`);
  const v = Number(m[1]) * (m[2] === 'ms' ? 1 : m[2] === 'm' ? 60_000 : 1000);
  if (!(v > 0) || v > MAX_DURATION_MS) throw new UsageError(`duration must be in (0, 1h]: ${text}`);
  return v;
}

function positive(name: string, text: string | undefined, fallback: number, max = Number.MAX_SAFE_INTEGER, integer = true): number {
  if (text === undefined) return fallback;
  const v = Number(text);
  if (!Number.isFinite(v) || v <= 0 || v > max || (integer && !Number.isInteger(v))) {
    throw new UsageError(`--${name} must be a positive ${integer ? 'integer' : 'number'}${max < Number.MAX_SAFE_INTEGER ? ` ≤ ${max}` : ''}: ${text}`);
  }
  return v;
}

function fraction(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const v = Number(text);
  if (!Number.isFinite(v) || v < 0 || v > 1) throw new UsageError(`--${name} must be in [0, 1]: ${text}`);
  return v;
}

export function parseMix(text: string): OrderMix {
  const mix: Record<string, number> = { limit: 0, market: 0, cancel: 0 };
  for (const part of text.split(',')) {
    const [k, v] = part.split(':');
    if (!(k in mix) || !Number.isFinite(Number(v)) || Number(v) < 0) throw new UsageError(`bad --mix entry: ${part}`);
    mix[k] = Number(v);
  }
  if (mix.limit + mix.market <= 0) throw new UsageError('--mix needs some limit or market orders');
  return { limit: mix.limit, market: mix.market, cancel: mix.cancel };
}

export function isLoopback(url: string): boolean {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

export interface ParsedCommand {
  readonly options: BenchOptions;
  readonly json: string | null;
  readonly html: string | null;
  readonly progress: 'auto' | 'plain' | 'none';
}

export function parseBenchArgs(argv: readonly string[], env: NodeJS.ProcessEnv): ParsedCommand {
  const { values: v, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      url: { type: 'string' }, secret: { type: 'string' }, token: { type: 'string' }, pair: { type: 'string' },
      transport: { type: 'string' }, connections: { type: 'string' }, concurrency: { type: 'string' },
      'batch-size': { type: 'string' }, 'batch-window-ms': { type: 'string' }, users: { type: 'string' },
      'user-prefix': { type: 'string' }, mix: { type: 'string' }, levels: { type: 'string' }, 'cross-share': { type: 'string' },
      'max-open-per-user': { type: 'string' }, 'min-amount': { type: 'string' }, 'max-amount': { type: 'string' },
      seed: { type: 'string' }, 'no-fund': { type: 'boolean' }, 'no-cleanup': { type: 'boolean' },
      'timeout-ms': { type: 'string' }, 'max-in-flight': { type: 'string' }, 'drain-timeout-ms': { type: 'string' },
      'start-rate': { type: 'string' }, 'step-rate': { type: 'string' }, step: { type: 'string' }, 'max-rate': { type: 'string' },
      'max-steps': { type: 'string' }, 'max-p99-ms': { type: 'string' }, 'max-error-rate': { type: 'string' },
      json: { type: 'string' }, html: { type: 'string' }, plain: { type: 'boolean' }, quiet: { type: 'boolean' },
      'allow-remote': { type: 'boolean' },
    },
  });

  let scenario: Scenario;
  const [kind, a, b, ...extra] = positionals;
  if (kind === 'burst') {
    if (a === undefined || b !== undefined) throw new UsageError('usage: burst N');
    scenario = { kind: 'burst', count: positive('N', a, 0, MAX_BURST) };
  } else if (kind === 'sustained') {
    if (a === undefined || b === undefined || extra.length > 0) throw new UsageError('usage: sustained RATE DURATION');
    scenario = { kind: 'sustained', rate: positive('RATE', a, 0, MAX_RATE, false), durationMs: parseDuration(b) };
  } else if (kind === 'ramp') {
    if (a !== undefined) throw new UsageError('ramp takes options, not arguments (see --start-rate, --step-rate, --step)');
    const startRate = positive('start-rate', v['start-rate'], 500, MAX_RATE, false);
    scenario = {
      kind: 'ramp',
      startRate,
      stepRate: positive('step-rate', v['step-rate'], startRate, MAX_RATE, false),
      stepMs: v.step === undefined ? 5000 : parseDuration(v.step),
      maxRate: positive('max-rate', v['max-rate'], 100_000, MAX_RATE, false),
      maxSteps: positive('max-steps', v['max-steps'], 10, 100),
      maxP99Ms: positive('max-p99-ms', v['max-p99-ms'], 50, 3_600_000, false),
      maxErrorRate: fraction('max-error-rate', v['max-error-rate'], 0.01),
    };
  } else {
    throw new UsageError(kind === undefined ? 'which scenario? burst N | sustained RATE DURATION | ramp' : `unknown scenario: ${kind}`);
  }

  const url = v.url ?? env.HOOATS_URL ?? 'http://127.0.0.1:3001';
  let parsedUrl: URL;
  try {
    parsedUrl = new URL(url);
  } catch {
    throw new UsageError(`not a URL: ${url}`);
  }
  if (parsedUrl.protocol !== 'http:' && parsedUrl.protocol !== 'https:') throw new UsageError(`--url must be http(s): ${url}`);
  if (!isLoopback(url) && v['allow-remote'] !== true) {
    throw new UsageError(`refusing to load ${parsedUrl.host}: not a loopback address (pass --allow-remote if you mean it)`);
  }
  const transport = (v.transport ?? DEFAULTS.transport) as TransportKind;
  if (!['http', 'batch', 'ws'].includes(transport)) throw new UsageError(`--transport must be http, batch or ws: ${transport}`);
  const secret = v.secret ?? (v.token === undefined ? env.HOOATS_JWT_SECRET : undefined) ?? null;
  if (secret === null && v.token === undefined) throw new UsageError('give --secret (or set HOOATS_JWT_SECRET) or --token');
  const minAmount = positive('min-amount', v['min-amount'], DEFAULTS.minAmount, 1e12, false);
  const maxAmount = positive('max-amount', v['max-amount'], DEFAULTS.maxAmount, 1e12, false);
  if (maxAmount < minAmount) throw new UsageError('--max-amount must be ≥ --min-amount');

  const options: BenchOptions = {
    url: parsedUrl.toString().replace(/\/$/, ''),
    credentials: { secret, token: v.token ?? null },
    scenario,
    transport,
    connections: positive('connections', v.connections, DEFAULTS.connections, 10_000),
    concurrency: v.concurrency === undefined ? null : positive('concurrency', v.concurrency, 1, 100_000),
    batchSize: positive('batch-size', v['batch-size'], DEFAULTS.batchSize, 1000),
    batchWindowMs: positive('batch-window-ms', v['batch-window-ms'], DEFAULTS.batchWindowMs, 10_000),
    users: positive('users', v.users, DEFAULTS.users, 100_000),
    userPrefix: v['user-prefix'] ?? DEFAULTS.userPrefix,
    pair: v.pair ?? null,
    fund: v['no-fund'] !== true,
    cleanup: v['no-cleanup'] !== true,
    seed: v.seed === undefined ? DEFAULTS.seed : positive('seed', v.seed, 1),
    timeoutMs: positive('timeout-ms', v['timeout-ms'], DEFAULTS.timeoutMs, 600_000),
    maxInFlight: positive('max-in-flight', v['max-in-flight'], DEFAULTS.maxInFlight, 1_000_000),
    drainTimeoutMs: positive('drain-timeout-ms', v['drain-timeout-ms'], DEFAULTS.drainTimeoutMs, 600_000),
    mix: v.mix === undefined ? DEFAULTS.mix : parseMix(v.mix),
    levels: positive('levels', v.levels, DEFAULTS.levels, 100_000),
    crossShare: fraction('cross-share', v['cross-share'], DEFAULTS.crossShare),
    maxOpenPerUser: positive('max-open-per-user', v['max-open-per-user'], DEFAULTS.maxOpenPerUser, 100_000),
    minAmount,
    maxAmount,
    midRefreshMs: DEFAULTS.midRefreshMs,
  };
  return {
    options,
    json: v.json ?? null,
    html: v.html ?? null,
    progress: v.quiet === true ? 'none' : v.plain === true ? 'plain' : 'auto',
  };
}

/** Runs `hooats <command> ...`; resolves with the exit code. */
export async function main(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h' || rest.includes('--help')) {
    process.stdout.write(USAGE);
    return command === undefined ? 2 : 0;
  }
  if (command !== 'bench') {
    process.stderr.write(`hooats: unknown command ${command}\n\n${USAGE}`);
    return 2;
  }
  let parsed: ParsedCommand;
  try {
    parsed = parseBenchArgs(rest, env);
  } catch (err) {
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`hooats bench: ${(err as Error).message}\n(hooats bench --help lists the options)\n`);
      return 2;
    }
    throw err;
  }
  const progress =
    parsed.progress === 'none'
      ? null
      : new Progress({ stream: process.stderr, live: parsed.progress === 'plain' ? false : undefined });
  try {
    const result = await runBench(parsed.options, progress ?? {});
    progress?.stop();
    const text = summaryText(result);
    if (parsed.json === '-') {
      // stdout carries the JSON alone; the summary goes with the progress
      process.stderr.write(`${text}\n`);
      process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    } else {
      process.stdout.write(`${text}\n`);
    }
    if (parsed.json !== null && parsed.json !== '-') writeFileSync(parsed.json, `${JSON.stringify(result, null, 2)}\n`);
    if (parsed.html !== null) writeFileSync(parsed.html, renderHtmlReport(result));
    return 0;
  } catch (err) {
    progress?.stop();
    process.stderr.write(`hooats bench: ${(err as Error).message}\n`);
    return 1;
  }
}
