/** The result as text: one line per phase while running, and the closing summary. */
import type { BenchResult } from './bench.js';
import type { PhaseResult } from './phase-stats.js';

const ms = (v: number | null) => (v === null ? '-' : v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : v.toFixed(0));

export function phaseLine(p: PhaseResult): string {
  const l = p.latencyMs;
  const errors = Object.entries(p.errorsByCode).map(([code, n]) => `${code} ${n}`).join(', ');
  const verdict = p.passed === undefined ? '' : p.passed ? '  [within limits]' : `  [past the limits: ${p.failReason}]`;
  return (
    `${p.name}: ${p.ok} ok, ${p.errors} errors${errors === '' ? '' : ` (${errors})`}, ${p.cancelMisses} cancel misses in ${p.durationS.toFixed(2)} s` +
    ` → ${p.throughput.answeredPerSec.toFixed(0)} answered/s; latency ms p50 ${ms(l.p50)} p90 ${ms(l.p90)} p99 ${ms(l.p99)} p99.9 ${ms(l.p999)} max ${ms(l.max)}${verdict}`
  );
}

export function summaryText(r: BenchResult): string {
  const lines: string[] = [];
  lines.push(`hooats bench → ${r.url}  pair ${r.pair}, transport ${r.transport}, ${r.users} users`);
  const head = ['phase', 'sent', 'ok', 'misses', 'errors', 'answered/s', 'p50', 'p90', 'p99', 'p99.9', 'max (ms)'];
  const rows = r.phases.map((p) => [
    p.name, String(p.sent), String(p.ok), String(p.cancelMisses), String(p.errors), p.throughput.answeredPerSec.toFixed(0),
    ms(p.latencyMs.p50), ms(p.latencyMs.p90), ms(p.latencyMs.p99), ms(p.latencyMs.p999), ms(p.latencyMs.max),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const fmt = (row: string[]) => row.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  lines.push(fmt(head), ...rows.map(fmt));
  for (const p of r.phases) {
    if (p.errors > 0) lines.push(`  ${p.name} errors: ${Object.entries(p.errorsByCode).map(([c, n]) => `${c} ${n}`).join(', ')}`);
  }
  const measured = r.phases[0]?.latencyMs.measuredFrom ?? 'intended send time';
  lines.push(`latency measured from each order's ${measured}; percentiles within ${((r.phases[0]?.latencyMs.relativePrecision ?? 0) * 100).toFixed(2)} %`);
  lines.push('misses: cancels of orders already filled by others (404, expected under load; not errors)');
  if (r.knee !== null) {
    lines.push(
      r.knee.rate === null
        ? `knee: not found — ${r.knee.reason}`
        : `knee: ${r.knee.rate}/s (${r.knee.throughput?.toFixed(0)} answered/s, p99 ${ms(r.knee.p99Ms)} ms); next step: ${r.knee.reason}`,
    );
  }
  return lines.join('\n');
}
