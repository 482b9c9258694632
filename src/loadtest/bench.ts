/**
 * `hooats bench`: sets up the load users, runs the scenario's phases through one transport, and returns
 * the result. Scenarios:
 *   burst N               — N orders, closed loop over `concurrency` workers, as fast as answered;
 *   sustained RATE DUR    — open loop at RATE orders/s for DUR, latency from each intended send time;
 *   ramp                  — sustained steps of rising rate until a step's p99 or error rate passes its
 *                           limit; the knee is the last good step. A server that falls behind the schedule
 *                           shows as a rising p99, since latency counts from the intended send time.
 */
import { realClock, type Clock } from './clock.js';
import { MarketGrid } from './grid.js';
import { DEFAULT_MIX, OrderFlow, type Op, type OrderMix } from './order-flow.js';
import { PhaseStats, type PhaseKind, type PhaseResult, type ServerFigures } from './phase-stats.js';
import { runClosedLoop, runOpenLoop, type Completion, type LoopResult } from './scheduler.js';
import { ServerControl, type Credentials, type ServerPerformance } from './session.js';
import { BatchTransport } from './transport-batch.js';
import { HttpTransport } from './transport-http.js';
import { WsTransport } from './transport-ws.js';
import type { Transport, TransportKind, TransportOutcome } from './transport.js';

export type Scenario =
  | { readonly kind: 'burst'; readonly count: number }
  | { readonly kind: 'sustained'; readonly rate: number; readonly durationMs: number }
  | {
      readonly kind: 'ramp';
      readonly startRate: number;
      readonly stepRate: number;
      readonly stepMs: number;
      readonly maxRate: number;
      readonly maxSteps: number;
      readonly maxP99Ms: number;
      readonly maxErrorRate: number;
    };

export interface BenchOptions {
  readonly url: string;
  readonly credentials: Credentials;
  readonly scenario: Scenario;
  readonly transport: TransportKind;
  /** HTTP sockets (http, batch) or WebSocket connections (ws: one per user) */
  readonly connections: number;
  /** burst: requests in flight at once; null: one per HTTP socket, a batch per socket, 8 per WebSocket */
  readonly concurrency: number | null;
  readonly batchSize: number;
  readonly batchWindowMs: number;
  readonly users: number;
  readonly userPrefix: string;
  readonly pair: string | null;
  readonly fund: boolean;
  readonly cleanup: boolean;
  readonly seed: number;
  readonly timeoutMs: number;
  /** open loop: at most this many requests outstanding; later ones wait, still timed from their intended time */
  readonly maxInFlight: number;
  readonly drainTimeoutMs: number;
  readonly mix: OrderMix;
  readonly levels: number;
  readonly crossShare: number;
  readonly maxOpenPerUser: number;
  readonly minAmount: number;
  readonly maxAmount: number;
  readonly midRefreshMs: number;
}

export const DEFAULTS: Omit<BenchOptions, 'url' | 'credentials' | 'scenario'> = Object.freeze({
  transport: 'http',
  connections: 32,
  concurrency: null,
  batchSize: 100,
  batchWindowMs: 5,
  users: 50,
  userPrefix: 'loadtest-',
  pair: null,
  fund: true,
  cleanup: true,
  seed: 1,
  timeoutMs: 10_000,
  maxInFlight: 10_000,
  drainTimeoutMs: 10_000,
  mix: DEFAULT_MIX,
  levels: 20,
  crossShare: 0.15,
  maxOpenPerUser: 20,
  minAmount: 0.1,
  maxAmount: 10,
  midRefreshMs: 500,
});

export interface Knee {
  /** the highest step rate that stayed within the limits, null when even the first did not */
  readonly rate: number | null;
  readonly throughput: number | null;
  readonly p99Ms: number | null;
  /** the first step past the limits, and why */
  readonly failedAt: number | null;
  readonly reason: string;
}

export interface BenchResult {
  readonly tool: 'hooats bench';
  readonly url: string;
  readonly startedAt: string;
  readonly scenario: Scenario;
  readonly transport: TransportKind;
  readonly pair: string;
  readonly users: number;
  readonly settings: Record<string, unknown>;
  readonly phases: readonly PhaseResult[];
  readonly totals: { readonly scheduled: number; readonly sent: number; readonly ok: number; readonly errors: number; readonly cancelMisses: number };
  readonly knee: Knee | null;
  readonly setup: { readonly deposits: number; readonly cancelledAtEnd: number | null; readonly initialMid: string };
}

/** What the live display reads while a phase runs. */
export interface BenchObserver {
  phaseStarted?(stats: PhaseStats, scheduled: number): void;
  phaseEnded?(result: PhaseResult): void;
  log?(line: string): void;
}

export async function runBench(options: BenchOptions, observer: BenchObserver = {}, clock: Clock = realClock): Promise<BenchResult> {
  const o = options;
  const log = (line: string) => observer.log?.(line);
  const startedAt = new Date().toISOString();
  const control = new ServerControl(o.url, o.timeoutMs);
  let transport: Transport | null = null;
  let poller: NodeJS.Timeout | null = null;
  try {
    const health = await control.health().catch((err: unknown) => {
      throw new Error(`cannot reach ${o.url}: ${(err as Error).message}`);
    });
    if (health?.status !== 'ok') log(`warning: /api/health says ${JSON.stringify(health?.status)}`);
    const info = await control.market(o.pair);
    const grid = new MarketGrid(info);
    const userCount = o.transport === 'ws' ? Math.min(o.users, o.connections) : o.users;
    const users = await control.users(o.credentials, userCount, o.userPrefix);
    const initialMid = (await control.midTicks(grid)) ?? grid.price.nearest(1);
    const midPrice = initialMid * grid.price.step;
    log(`market ${info.pair}: mid ${grid.price.format(Math.round(initialMid))}, ${users.ids.length} users, transport ${o.transport}`);

    let deposits = 0;
    if (o.fund) {
      // enough for every user's resting orders many times over, and for markets moving the price
      const base = Math.max(1000, Math.ceil(o.maxAmount * o.maxOpenPerUser * 50));
      deposits = await control.fund(users, { [info.base]: base, [info.quote]: Math.ceil(base * midPrice * 2) });
      log(`funded ${users.ids.length} users (${deposits} deposits)`);
    }

    const flow = new OrderFlow(
      {
        grid, users: users.ids.length, seed: o.seed, mix: o.mix, levels: o.levels, crossShare: o.crossShare,
        maxOpenPerUser: o.maxOpenPerUser, minAmount: o.minAmount, maxAmount: o.maxAmount,
        // a batch is one user's: give each user a run of consecutive orders
        userOf: o.transport === 'batch' ? (i) => Math.floor(i / o.batchSize) : undefined,
      },
      initialMid,
    );
    transport = await openTransport(o, users.tokens);
    poller = setInterval(() => {
      control.midTicks(grid).then((m) => m !== null && flow.setMid(m), () => undefined);
    }, o.midRefreshMs);
    poller.unref();

    const phases: PhaseResult[] = [];
    type PhaseRun = (
      stats: PhaseStats,
      send: (op: Op) => Promise<TransportOutcome>,
      record: (c: Completion) => void,
      make: (index: number) => Op,
    ) => Promise<{ loop: LoopResult; measuredFrom: 'intended send time' | 'actual send time' }>;

    const runPhase = async (name: string, kind: PhaseKind, targetRate: number | null, concurrency: number | null, scheduled: number, run: PhaseRun) => {
      const before = await control.performance();
      const stats = new PhaseStats(name, kind, targetRate, concurrency, clock.now());
      observer.phaseStarted?.(stats, scheduled);
      const t = transport!;
      // the kind of each outstanding request, remembered from make() until its completion is recorded
      const kinds = new Map<number, Op['kind']>();
      const { loop, measuredFrom } = await run(
        stats,
        async (op) => {
          const outcome = await t.send(op);
          flow.observe(op, outcome.ok, outcome.order);
          return outcome;
        },
        (c) => {
          stats.record(c, kinds.get(c.index) ?? 'limit');
          kinds.delete(c.index);
        },
        (i) => {
          const op = flow.next(i);
          kinds.set(i, op.kind);
          return op;
        },
      );
      const after = await control.performance();
      const result = stats.result(loop, measuredFrom, serverFigures(before, after));
      phases.push(result);
      return result;
    };

    const sustained = (name: string, kind: PhaseKind, rate: number, durationMs: number) =>
      runPhase(name, kind, rate, null, Math.max(1, Math.floor((rate * durationMs) / 1000)), (stats, send, record, make) =>
        runOpenLoop({
          clock, ratePerSec: rate, durationMs, maxInFlight: o.maxInFlight, drainTimeoutMs: o.drainTimeoutMs,
          make, send, record, onSend: (_i, at) => stats.onSend(at),
        }).then((loop) => ({ loop, measuredFrom: 'intended send time' as const })),
      );

    let knee: Knee | null = null;
    const s = o.scenario;
    switch (s.kind) {
      case 'burst': {
        const concurrency = o.concurrency ?? burstConcurrency(o);
        // bounded in time too: a burst that cannot finish in a minute plus a second per 100 orders stops
        const timeLimitMs = 60_000 + s.count * 10;
        const r = await runPhase(`burst ${s.count}`, 'burst', null, concurrency, s.count, (stats, send, record, make) =>
          runClosedLoop({ clock, count: s.count, concurrency, timeLimitMs, make, send, record, onSend: (_i, at) => stats.onSend(at) })
            .then((loop) => ({ loop, measuredFrom: 'actual send time' as const })),
        );
        observer.phaseEnded?.(r);
        break;
      }
      case 'sustained':
        observer.phaseEnded?.(await sustained(`sustained ${fmtRate(s.rate)}/s for ${s.durationMs / 1000} s`, 'sustained', s.rate, s.durationMs));
        break;
      case 'ramp': {
        let best: PhaseResult | null = null;
        let failed: { rate: number; reason: string } | null = null;
        for (let step = 0; step < s.maxSteps; step++) {
          const rate = s.startRate + step * s.stepRate;
          if (rate > s.maxRate) break;
          const r = await sustained(`ramp step ${step + 1}: ${fmtRate(rate)}/s`, 'ramp-step', rate, s.stepMs);
          const reason = stepFailure(r, s);
          phases[phases.length - 1] = { ...r, passed: reason === null, failReason: reason };
          observer.phaseEnded?.(phases[phases.length - 1]);
          if (reason !== null) {
            failed = { rate, reason };
            break;
          }
          best = r;
        }
        knee = {
          rate: best?.targetRate ?? null,
          throughput: best?.throughput.answeredPerSec ?? null,
          p99Ms: best?.latencyMs.p99 ?? null,
          failedAt: failed?.rate ?? null,
          reason:
            failed === null
              ? `every step up to ${fmtRate(phases.at(-1)?.targetRate ?? s.startRate)}/s stayed within the limits (raise --max-rate or --max-steps)`
              : failed.reason,
        };
        break;
      }
    }

    clearInterval(poller);
    poller = null;
    await transport.close();
    transport = null;
    let cancelledAtEnd: number | null = null;
    if (o.cleanup) cancelledAtEnd = await control.cancelAll(users, info.pair).catch(() => null);

    return {
      tool: 'hooats bench',
      url: o.url,
      startedAt,
      scenario: s,
      transport: o.transport,
      pair: info.pair,
      users: users.ids.length,
      settings: {
        connections: o.connections, concurrency: o.concurrency, batchSize: o.batchSize, batchWindowMs: o.batchWindowMs,
        seed: o.seed, timeoutMs: o.timeoutMs, maxInFlight: o.maxInFlight, drainTimeoutMs: o.drainTimeoutMs, mix: o.mix,
        levels: o.levels, crossShare: o.crossShare, maxOpenPerUser: o.maxOpenPerUser, minAmount: o.minAmount, maxAmount: o.maxAmount,
      },
      phases,
      totals: {
        scheduled: sum(phases, (p) => p.scheduled),
        sent: sum(phases, (p) => p.sent),
        ok: sum(phases, (p) => p.ok),
        errors: sum(phases, (p) => p.errors),
        cancelMisses: sum(phases, (p) => p.cancelMisses),
      },
      knee,
      setup: { deposits, cancelledAtEnd, initialMid: grid.price.format(Math.round(initialMid)) },
    };
  } finally {
    if (poller !== null) clearInterval(poller);
    if (transport !== null) await transport.close().catch(() => undefined);
    control.close();
  }
}

async function openTransport(o: BenchOptions, tokens: readonly string[]): Promise<Transport> {
  switch (o.transport) {
    case 'http':
      return new HttpTransport(o.url, o.connections, o.timeoutMs, tokens);
    case 'batch':
      return new BatchTransport(o.url, o.connections, o.timeoutMs, tokens, o.batchSize, o.batchWindowMs);
    case 'ws':
      return WsTransport.open(wsUrlOf(o.url), tokens, o.timeoutMs);
  }
}

/** HTTP/1.1 answers one request per socket at a time: more in flight would only queue in the client */
function burstConcurrency(o: BenchOptions): number {
  switch (o.transport) {
    case 'http':
      return o.connections;
    case 'batch':
      return o.connections * o.batchSize;
    case 'ws':
      return o.connections * 8;
  }
}

export function wsUrlOf(url: string): string {
  const u = new URL(url);
  u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
  u.pathname = u.pathname.replace(/\/$/, '') + '/ws';
  return u.toString();
}

/** Why a ramp step is past the knee, or null when it stayed within the limits. */
export function stepFailure(r: PhaseResult, limits: { maxP99Ms: number; maxErrorRate: number }): string | null {
  if (r.errorRate > limits.maxErrorRate) {
    return `error rate ${(r.errorRate * 100).toFixed(2)} % > ${(limits.maxErrorRate * 100).toFixed(2)} % at ${fmtRate(r.targetRate ?? 0)}/s`;
  }
  const p99 = r.latencyMs.p99;
  if (p99 === null) return `no successful answer at ${fmtRate(r.targetRate ?? 0)}/s`;
  if (p99 > limits.maxP99Ms) return `p99 ${p99.toFixed(1)} ms > ${limits.maxP99Ms} ms at ${fmtRate(r.targetRate ?? 0)}/s`;
  return null;
}

function serverFigures(before: ServerPerformance | null, after: ServerPerformance | null): ServerFigures | null {
  if (after === null) return null;
  const delta = (a: number | null, b: number | null | undefined) => (a === null || b === null || b === undefined ? null : a - b);
  return {
    orders: delta(after.orders, before?.orders),
    trades: delta(after.trades, before?.trades),
    latencyP50Ms: after.p50,
    latencyP99Ms: after.p99,
    ordersPerSecondPeak: after.peak,
  };
}

function sum<T>(items: readonly T[], f: (t: T) => number): number {
  return items.reduce((acc, x) => acc + f(x), 0);
}

export function fmtRate(r: number): string {
  return Number.isInteger(r) ? String(r) : r.toFixed(1);
}
