/**
 * Counters and measurements kept as plain numbers on the hot path; /metrics (prom-client) and
 * /api/performance/metrics read them when asked, so counting an order costs an increment, not a
 * label lookup.
 */
import type { ErrorCode } from '../errors.js';

const LATENCY_SAMPLES = 16_384;
/** seconds averaged for the "current" orders/s */
const RATE_WINDOW_S = 5;
const SECONDS_KEPT = 64;

export class ApiStats {
  /** type → outcome → count; outcome is the order's status, or "rejected" (no key building per order) */
  readonly orders = new Map<string, Map<string, number>>();
  readonly rejections = new Map<ErrorCode, number>();
  /** venue → trades (durable) */
  readonly trades = new Map<string, number>();
  requests = 0;
  ordersTotal = 0;
  ordersRejected = 0;
  tradesTotal = 0;
  wsClients = 0;
  wsSlowConsumersClosed = 0;

  private readonly latencies = new Float64Array(LATENCY_SAMPLES);
  private latencyCount = 0;
  private readonly perSecond = new Float64Array(SECONDS_KEPT);
  private readonly secondOf = new Float64Array(SECONDS_KEPT).fill(-1);
  private peakPerSecond = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /** Counts one order; the caller adds the request's orders to the rate once with countRate. */
  order(type: string, outcome: string): void {
    let byOutcome = this.orders.get(type);
    if (byOutcome === undefined) this.orders.set(type, (byOutcome = new Map()));
    byOutcome.set(outcome, (byOutcome.get(outcome) ?? 0) + 1);
    this.ordersTotal++;
    if (outcome === 'rejected') this.ordersRejected++;
  }

  rejection(code: ErrorCode): void {
    this.rejections.set(code, (this.rejections.get(code) ?? 0) + 1);
  }

  trade(venue: string): void {
    this.trades.set(venue, (this.trades.get(venue) ?? 0) + 1);
    this.tradesTotal++;
  }

  /** A request (HTTP or WebSocket) took `ms` from its start to its reply. */
  latency(ms: number): void {
    this.requests++;
    this.latencies[this.latencyCount++ % LATENCY_SAMPLES] = ms;
  }

  countRate(n: number): void {
    const second = Math.floor(this.now() / 1000);
    const slot = second % SECONDS_KEPT;
    if (this.secondOf[slot] !== second) {
      this.closeSecond(second);
      this.secondOf[slot] = second;
      this.perSecond[slot] = 0;
    }
    this.perSecond[slot] += n;
  }

  /** The peak is taken over complete seconds only, so a second in progress never counts half. */
  private closeSecond(current: number): void {
    for (let i = 0; i < SECONDS_KEPT; i++) {
      if (this.secondOf[i] >= 0 && this.secondOf[i] < current && this.perSecond[i] > this.peakPerSecond) {
        this.peakPerSecond = this.perSecond[i];
      }
    }
  }

  /** Orders per second: averaged over the last complete seconds, and the best complete second seen. */
  rates(): { current: number; peak: number } {
    const second = Math.floor(this.now() / 1000);
    this.closeSecond(second);
    let sum = 0;
    for (let i = 0; i < SECONDS_KEPT; i++) {
      const s = this.secondOf[i];
      if (s >= second - RATE_WINDOW_S && s < second) sum += this.perSecond[i];
    }
    return { current: sum / RATE_WINDOW_S, peak: this.peakPerSecond };
  }

  /** p50/p99 (ms) over the most recent requests. */
  latencyPercentiles(): { p50: number | null; p99: number | null; samples: number } {
    const n = Math.min(this.latencyCount, LATENCY_SAMPLES);
    if (n === 0) return { p50: null, p99: null, samples: 0 };
    const sorted = this.latencies.slice(0, n).sort();
    const at = (q: number) => sorted[Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1))];
    return { p50: at(0.5), p99: at(0.99), samples: n };
  }
}
