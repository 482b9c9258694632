/**
 * GET /metrics in the Prometheus text format. Counters are read from ApiStats and the journal at scrape
 * time (collect callbacks), so nothing on the order path touches prom-client except the latency
 * histogram. Each app has its own registry (tests run several apps in one process).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Backend } from './backend.js';
import type { HistoryWriterState } from '../history/history-writer.js';
import type { ApiStats } from './api-stats.js';
import type { HistoryService } from './history-service.js';

const HISTORY_STATES: readonly HistoryWriterState[] = ['starting', 'ok', 'catching_up', 'backing_off', 'stalled', 'stopped'];

export class PrometheusMetrics {
  readonly registry = new Registry();
  private readonly latency: Histogram<'route'>;
  private readonly byRoute = new Map<string, { observe(v: number): void }>();
  private readonly unobserve: Array<() => void> = [];

  constructor(stats: ApiStats, backend: Backend, history: HistoryService | null, defaults = true) {
    const registers = [this.registry];
    if (defaults) collectDefaultMetrics({ register: this.registry, prefix: 'hooats_' });
    this.latency = new Histogram({
      name: 'hooats_request_duration_seconds',
      help: 'Time from a request (HTTP or WebSocket message) to its reply',
      labelNames: ['route'],
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers,
    });
    new Counter({
      name: 'hooats_orders_total',
      help: 'Orders handled, by type and outcome (the order status, or rejected)',
      labelNames: ['type', 'outcome'],
      registers,
      collect() {
        this.reset();
        for (const [type, byOutcome] of stats.orders) {
          for (const [outcome, n] of byOutcome) this.inc({ type, outcome }, n);
        }
      },
    });
    new Counter({
      name: 'hooats_rejections_total',
      help: 'Error answers, by catalogue code',
      labelNames: ['code'],
      registers,
      collect() {
        this.reset();
        for (const [code, n] of stats.rejections) this.inc({ code }, n);
      },
    });
    new Counter({
      name: 'hooats_trades_total',
      help: 'Durable trades, by venue',
      labelNames: ['venue'],
      registers,
      collect() {
        this.reset();
        for (const [venue, n] of stats.trades) this.inc({ venue }, n);
      },
    });
    const journal = (name: string, help: string, read: () => number) =>
      new Counter({
        name,
        help,
        registers,
        collect() {
          this.reset();
          this.inc(read());
        },
      });
    journal('hooats_journal_fsyncs_total', 'fdatasync calls on journal segments', () => backend.counters().journalFsyncs ?? 0);
    journal('hooats_journal_flushes_total', 'Journal group commits', () => backend.counters().journalFlushes ?? 0);
    if (backend.onStoreSync !== undefined) {
      // observed as each fsync ends (the one metric the store pushes): the durable path's floor latency
      const fsync = new Histogram({
        name: 'hooats_journal_fsync_seconds',
        help: 'Duration of each fdatasync of a journal segment',
        buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
        registers,
      });
      this.unobserve.push(backend.onStoreSync((seconds) => fsync.observe(seconds)));
    }
    journal('hooats_journal_bytes_total', 'Bytes written to the journal', () => backend.counters().journalBytes ?? 0);
    // Redis mode: commands coalesce into fewer FCALLs when callers have several in flight
    journal('hooats_redis_calls_total', 'FCALLs sent to Redis for commands', () => backend.counters().redisCalls ?? 0);
    journal('hooats_redis_commands_total', 'Commands sent to Redis (several per FCALL when coalesced)', () => backend.counters().redisCommands ?? 0);
    new Gauge({
      name: 'hooats_journal_durable_seq',
      help: 'Last durable command sequence number',
      registers,
      collect() {
        this.set(backend.counters().durableSeq ?? 0);
      },
    });
    new Gauge({
      name: 'hooats_ws_clients',
      help: 'Open WebSocket connections',
      registers,
      collect() {
        this.set(stats.wsClients);
      },
    });
    new Counter({
      name: 'hooats_ws_slow_consumers_closed_total',
      help: 'WebSockets closed because their send buffer passed the limit',
      registers,
      collect() {
        this.reset();
        this.inc(stats.wsSlowConsumersClosed);
      },
    });
    if (history !== null) this.historyMetrics(history, registers);
  }

  /** Stops observing the store (the app closed; the store may live on). */
  close(): void {
    for (const stop of this.unobserve.splice(0)) stop();
  }

  private historyMetrics(history: HistoryService, registers: Registry[]): void {
    const gauge = (name: string, help: string, read: () => number) =>
      new Gauge({
        name,
        help,
        registers,
        collect() {
          this.set(read());
        },
      });
    const counter = (name: string, help: string, read: () => number) =>
      new Counter({
        name,
        help,
        registers,
        collect() {
          this.reset();
          this.inc(read());
        },
      });
    gauge('hooats_history_lag', 'Durable commands not yet in the history store (durable seq - persisted seq)', () => history.writer.lag);
    gauge('hooats_history_persisted_seq', 'Every command up to this sequence number is in the history store (-1: not read yet)', () =>
      history.writer.persistedSeq,
    );
    gauge('hooats_history_queued_commands', 'Durable commands queued for the history writer', () => history.status().queuedCommands);
    gauge('hooats_history_consecutive_failures', 'History store failures since its last success', () => history.status().consecutiveFailures);
    new Gauge({
      name: 'hooats_history_state',
      help: 'History writer state: 1 for the current one (ok, catching_up, backing_off, stalled, ...)',
      labelNames: ['state'],
      registers,
      collect() {
        const current = history.writer.state;
        for (const state of HISTORY_STATES) this.set({ state }, state === current ? 1 : 0);
      },
    });
    counter('hooats_history_overflows_total', 'Times the history queue passed its bound and was dropped (regenerated from the journal)', () =>
      history.status().overflows,
    );
    counter('hooats_history_write_failures_total', 'Failed history store writes (each is retried with back-off)', () => history.writeFailures);
    counter('hooats_history_read_failures_total', 'History queries of the API that failed (answered 503)', () => history.readFailures);
  }

  observe(route: string, seconds: number): void {
    let child = this.byRoute.get(route);
    if (child === undefined) {
      child = this.latency.labels(route);
      this.byRoute.set(route, child);
    }
    child.observe(seconds);
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}
