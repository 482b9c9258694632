/**
 * The live display while phases run: on a terminal one status line rewritten in place a few times a
 * second; otherwise (a pipe, CI) a plain line every `intervalMs`. Every figure is client-measured.
 */
import type { BenchObserver } from './bench.js';
import type { PhaseResult, PhaseStats } from './phase-stats.js';
import { phaseLine } from './summary.js';

export interface ProgressOptions {
  readonly stream: NodeJS.WriteStream;
  /** default: whether the stream is a TTY */
  readonly live?: boolean;
  readonly intervalMs?: number;
  readonly now?: () => number;
}

export class Progress implements BenchObserver {
  private readonly live: boolean;
  private readonly intervalMs: number;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | null = null;
  private stats: PhaseStats | null = null;
  private scheduled = 0;
  private last = { at: 0, answered: 0 };
  private lineShown = false;

  constructor(private readonly o: ProgressOptions) {
    this.live = o.live ?? o.stream.isTTY === true;
    this.intervalMs = o.intervalMs ?? (this.live ? 250 : 1000);
    this.now = o.now ?? (() => performance.now());
  }

  log(line: string): void {
    this.clear();
    this.o.stream.write(`${line}\n`);
  }

  phaseStarted(stats: PhaseStats, scheduled: number): void {
    this.stats = stats;
    this.scheduled = scheduled;
    this.last = { at: this.now(), answered: 0 };
    if (!this.live) this.o.stream.write(`${stats.name}: ${scheduled} orders\n`);
    this.timer = setInterval(() => this.tick(), this.intervalMs);
    this.timer.unref();
  }

  phaseEnded(result: PhaseResult): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    this.stats = null;
    this.log(phaseLine(result));
  }

  private tick(): void {
    const s = this.stats;
    if (s === null) return;
    const now = this.now();
    const answeredNow = s.answered;
    const rate = ((answeredNow - this.last.answered) * 1000) / Math.max(1, now - this.last.at);
    this.last = { at: now, answered: answeredNow };
    const elapsed = ((now - s.startedAt) / 1000).toFixed(1);
    const h = s.histogram;
    const ms = (v: number | null) => (v === null ? '-' : `${v.toFixed(1)}ms`);
    const line =
      `[${s.name}] ${elapsed}s  sent ${s.sent}/${this.scheduled}  ok ${s.ok}  err ${s.errors}` +
      `  ${Math.round(rate)}/s  p50 ${ms(h.valueAtQuantile(0.5))}  p99 ${ms(h.valueAtQuantile(0.99))}`;
    if (this.live) {
      this.o.stream.write(`\r\x1b[2K${line}`);
      this.lineShown = true;
    } else {
      this.o.stream.write(`${line}\n`);
    }
  }

  private clear(): void {
    if (this.live && this.lineShown) this.o.stream.write('\r\x1b[2K');
    this.lineShown = false;
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    this.clear();
  }
}
