/**
 * What one phase measured, as completions arrive: counts by outcome and by order kind, errors by code,
 * the latency histogram of successful answers, and a per-second timeline. `result()` freezes it into the
 * JSON shape of the report.
 */
import { LatencyHistogram, type HistogramBucket, type HistogramSummary } from './histogram.js';
import type { OpKind } from './order-flow.js';
import type { Completion, LoopResult } from './scheduler.js';

export type PhaseKind = 'burst' | 'sustained' | 'ramp-step';

export interface TimelinePoint {
  /** seconds since the phase started (the second [t, t+1)) */
  readonly t: number;
  readonly sent: number;
  readonly answered: number;
  readonly ok: number;
  readonly errors: number;
  /** of the successful answers completed in that second, ms */
  readonly p50: number | null;
  readonly p99: number | null;
}

export interface ServerFigures {
  /** orders counted by the server during the phase (its /api/performance/metrics counts.orders delta) */
  readonly orders: number | null;
  readonly trades: number | null;
  /** the server's own latency over its most recent state-changing requests, at the phase's end */
  readonly latencyP50Ms: number | null;
  readonly latencyP99Ms: number | null;
  readonly ordersPerSecondPeak: number | null;
}

export interface PhaseResult {
  readonly name: string;
  readonly kind: PhaseKind;
  /** orders/s asked for (open loop), null for a burst */
  readonly targetRate: number | null;
  readonly concurrency: number | null;
  /** wall time from the phase's start to its last answer */
  readonly durationS: number;
  readonly scheduled: number;
  readonly sent: number;
  readonly answered: number;
  readonly ok: number;
  readonly errors: number;
  readonly errorsByCode: Record<string, number>;
  /** cancels answered 404 because the order had already been filled (normal under load; not errors) */
  readonly cancelMisses: number;
  readonly timedOut: number;
  readonly notSent: number;
  readonly errorRate: number;
  readonly byKind: Record<OpKind, { ok: number; errors: number; cancelMisses: number }>;
  readonly throughput: { readonly sentPerSec: number; readonly answeredPerSec: number; readonly okPerSec: number };
  readonly latencyMs: HistogramSummary & { readonly measuredFrom: 'intended send time' | 'actual send time'; readonly relativePrecision: number };
  readonly histogram: readonly HistogramBucket[];
  readonly timeline: readonly TimelinePoint[];
  readonly server: ServerFigures | null;
  /** ramp steps: whether the step stayed within the limits, and why not */
  readonly passed?: boolean;
  readonly failReason?: string | null;
}

const TIMELINE_SECONDS_MAX = 3600;
const TIMELINE_PRECISION_BITS = 5;

interface Second {
  sent: number;
  answered: number;
  ok: number;
  errors: number;
  hist: LatencyHistogram | null;
}

export class PhaseStats {
  readonly histogram = new LatencyHistogram();
  scheduled = 0;
  sent = 0;
  answered = 0;
  ok = 0;
  errors = 0;
  cancelMisses = 0;
  readonly errorsByCode = new Map<string, number>();
  private readonly byKind: PhaseResult['byKind'] = {
    limit: { ok: 0, errors: 0, cancelMisses: 0 },
    market: { ok: 0, errors: 0, cancelMisses: 0 },
    cancel: { ok: 0, errors: 0, cancelMisses: 0 },
  };
  private readonly seconds: Second[] = [];

  constructor(
    readonly name: string,
    readonly kind: PhaseKind,
    readonly targetRate: number | null,
    readonly concurrency: number | null,
    readonly startedAt: number,
  ) {}

  private second(at: number): Second | null {
    const t = Math.floor((at - this.startedAt) / 1000);
    if (t < 0 || t >= TIMELINE_SECONDS_MAX) return null;
    while (this.seconds.length <= t) this.seconds.push({ sent: 0, answered: 0, ok: 0, errors: 0, hist: null });
    return this.seconds[t];
  }

  onSend(at: number): void {
    this.sent++;
    const s = this.second(at);
    if (s !== null) s.sent++;
  }

  record(c: Completion, kind: OpKind): void {
    const s = this.second(c.finished);
    const answered = c.outcome.code !== 'TIMEOUT' && c.outcome.code !== 'NOT_SENT';
    if (answered) {
      this.answered++;
      if (s !== null) s.answered++;
    }
    const k = this.byKind[kind];
    if (c.outcome.ok || c.outcome.cancelMiss === true) {
      if (c.outcome.ok) {
        this.ok++;
        k.ok++;
        if (s !== null) s.ok++;
      } else {
        this.cancelMisses++;
        k.cancelMisses++;
      }
      this.histogram.recordMs(c.latencyMs);
      if (s !== null) (s.hist ??= new LatencyHistogram(TIMELINE_PRECISION_BITS)).recordMs(c.latencyMs);
      return;
    }
    this.errors++;
    k.errors++;
    if (s !== null) s.errors++;
    const code = c.outcome.code ?? 'UNKNOWN';
    this.errorsByCode.set(code, (this.errorsByCode.get(code) ?? 0) + 1);
  }

  result(loop: LoopResult, measuredFrom: 'intended send time' | 'actual send time', server: ServerFigures | null): PhaseResult {
    const durationS = Math.max(1e-3, (loop.endedAt - loop.startedAt) / 1000);
    const summary = this.histogram.summary();
    return {
      name: this.name,
      kind: this.kind,
      targetRate: this.targetRate,
      concurrency: this.concurrency,
      durationS,
      scheduled: loop.scheduled,
      sent: loop.sent,
      answered: this.answered,
      ok: this.ok,
      errors: this.errors,
      errorsByCode: Object.fromEntries([...this.errorsByCode].sort((a, b) => b[1] - a[1])),
      cancelMisses: this.cancelMisses,
      timedOut: loop.timedOut,
      notSent: loop.notSent,
      errorRate: loop.scheduled === 0 ? 0 : this.errors / loop.scheduled,
      byKind: this.byKind,
      throughput: { sentPerSec: loop.sent / durationS, answeredPerSec: this.answered / durationS, okPerSec: this.ok / durationS },
      latencyMs: { ...summary, measuredFrom, relativePrecision: this.histogram.relativePrecision },
      histogram: this.histogram.buckets(),
      timeline: this.seconds.map((s, t) => ({
        t,
        sent: s.sent,
        answered: s.answered,
        ok: s.ok,
        errors: s.errors,
        p50: s.hist?.valueAtQuantile(0.5) ?? null,
        p99: s.hist?.valueAtQuantile(0.99) ?? null,
      })),
      server,
    };
  }
}
