/**
 * `--html report.html`: the result as one self-contained page (inline CSS and SVG, no script, nothing
 * fetched): a table per phase, errors by code, the latency distribution, throughput and latency over time.
 */
import type { BenchResult } from './bench.js';
import type { PhaseResult } from './phase-stats.js';
import { escapeHtml as esc, lineChart, type Marker, type Series } from './svg-chart.js';

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf'];
const MAX_HISTOGRAM_SERIES = 5;
const HISTOGRAM_BINS = 60;

const ms = (v: number | null) => (v === null ? '–' : v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : v.toFixed(0));

/** A phase's buckets regrouped into log-spaced bins: [bin centre ms, % of the phase's answers]. */
function histogramPoints(p: PhaseResult, lo: number, hi: number): Array<[number, number]> {
  const total = p.histogram.reduce((a, b) => a + b.count, 0);
  if (total === 0) return [];
  const l0 = Math.log10(lo);
  const width = (Math.log10(hi) - l0) / HISTOGRAM_BINS;
  const bins = new Float64Array(HISTOGRAM_BINS);
  for (const b of p.histogram) {
    const mid = Math.max(lo, (b.lowMs + b.highMs) / 2);
    const i = Math.min(HISTOGRAM_BINS - 1, Math.max(0, Math.floor((Math.log10(mid) - l0) / width)));
    bins[i] += b.count;
  }
  return Array.from(bins, (c, i) => [10 ** (l0 + (i + 0.5) * width), (100 * c) / total] as [number, number]);
}

function latencyHistogramChart(r: BenchResult): string {
  const phases = r.phases.filter((p) => p.histogram.length > 0).slice(-MAX_HISTOGRAM_SERIES);
  const buckets = phases.flatMap((p) => p.histogram);
  if (buckets.length === 0) return lineChart({ title: 'Latency distribution', xLabel: 'ms', yLabel: '% of answers', series: [] });
  const lo = Math.max(0.001, Math.min(...buckets.map((b) => b.lowMs)) || 0.001);
  const hi = Math.max(lo * 10, Math.max(...buckets.map((b) => b.highMs)));
  const series: Series[] = phases.map((p, i) => ({ name: p.name, color: COLORS[i % COLORS.length], points: histogramPoints(p, lo, hi), step: true }));
  const last = phases[phases.length - 1];
  const markers: Marker[] = [
    { x: last.latencyMs.p50 ?? 0, label: `p50 ${ms(last.latencyMs.p50)}`, color: '#333' },
    { x: last.latencyMs.p99 ?? 0, label: `p99 ${ms(last.latencyMs.p99)}`, color: '#b00' },
    { x: last.latencyMs.p999 ?? 0, label: `p99.9 ${ms(last.latencyMs.p999)}`, color: '#700' },
  ];
  return lineChart({ title: 'Latency distribution (log scale; markers: last phase)', xLabel: 'latency, ms', yLabel: '% of answers', xLog: true, series, markers });
}

/** Every phase's per-second timeline laid end to end, with a marker where each phase starts. */
function timelines(r: BenchResult): { ok: Series; errors: Series; sent: Series; p50: Series; p99: Series; markers: Marker[] } {
  const ok: Array<[number, number]> = [];
  const errors: Array<[number, number]> = [];
  const sent: Array<[number, number]> = [];
  const p50: Array<[number, number]> = [];
  const p99: Array<[number, number]> = [];
  const markers: Marker[] = [];
  let offset = 0;
  for (const p of r.phases) {
    if (r.phases.length > 1) markers.push({ x: offset, label: p.targetRate === null ? p.name : `${p.targetRate}/s` });
    for (const s of p.timeline) {
      // the last second of a phase is partial: a rate over its real length, not over a whole second
      const width = Math.min(1, p.durationS - s.t);
      if (width < 0.05) continue;
      const t = offset + s.t + width / 2;
      ok.push([t, s.ok / width]);
      errors.push([t, s.errors / width]);
      sent.push([t, s.sent / width]);
      if (s.p50 !== null) p50.push([t, s.p50]);
      if (s.p99 !== null) p99.push([t, s.p99]);
    }
    offset += p.durationS;
  }
  return {
    ok: { name: 'ok/s', color: '#2ca02c', points: ok },
    errors: { name: 'errors/s', color: '#d62728', points: errors },
    sent: { name: 'sent/s', color: '#1f77b4', points: sent, dashed: true },
    p50: { name: 'p50', color: '#1f77b4', points: p50 },
    p99: { name: 'p99', color: '#d62728', points: p99 },
    markers,
  };
}

function phaseTable(r: BenchResult): string {
  const head = ['phase', 'target/s', 'duration s', 'sent', 'ok', 'errors', 'cancel misses', 'answered/s', 'p50', 'p90', 'p99', 'p99.9', 'max', 'server orders', 'server trades'];
  const rows = r.phases.map((p) => {
    const l = p.latencyMs;
    const cls = p.passed === false ? ' class="fail"' : '';
    return `<tr${cls}><td>${esc(p.name)}</td><td>${p.targetRate ?? '–'}</td><td>${p.durationS.toFixed(2)}</td><td>${p.sent}</td><td>${p.ok}</td>` +
      `<td>${p.errors}</td><td>${p.cancelMisses}</td><td>${p.throughput.answeredPerSec.toFixed(0)}</td><td>${ms(l.p50)}</td><td>${ms(l.p90)}</td>` +
      `<td>${ms(l.p99)}</td><td>${ms(l.p999)}</td><td>${ms(l.max)}</td><td>${p.server?.orders ?? '–'}</td><td>${p.server?.trades ?? '–'}</td></tr>`;
  });
  return `<table><thead><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function errorTable(r: BenchResult): string {
  const rows = r.phases.flatMap((p) => Object.entries(p.errorsByCode).map(([code, n]) => `<tr><td>${esc(p.name)}</td><td><code>${esc(code)}</code></td><td>${n}</td></tr>`));
  if (rows.length === 0) return '<p>No errors.</p>';
  return `<table><thead><tr><th>phase</th><th>code</th><th>count</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

export function renderHtmlReport(r: BenchResult): string {
  const t = timelines(r);
  const measured = r.phases[0]?.latencyMs.measuredFrom ?? 'intended send time';
  const precision = ((r.phases[0]?.latencyMs.relativePrecision ?? 0) * 100).toFixed(2);
  const knee =
    r.knee === null
      ? ''
      : `<p class="knee"><b>Knee:</b> ${r.knee.rate === null ? 'not found' : `${r.knee.rate} orders/s (${r.knee.throughput?.toFixed(0)} answered/s, p99 ${ms(r.knee.p99Ms)} ms)`} — ${esc(r.knee.reason)}</p>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>HOOATS load test — ${esc(r.pair)}</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:24px;color:#222;max-width:1100px}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:24px 0 8px}
table{border-collapse:collapse;font-size:13px}th,td{border:1px solid #ddd;padding:3px 8px;text-align:right}
th:first-child,td:first-child{text-align:left}tr.fail td{background:#fff0f0}
.meta{color:#555}.knee{background:#f4f8ff;padding:8px;border-left:3px solid #1f77b4}
svg{display:block;margin:8px 0}pre{background:#f6f6f6;padding:8px;overflow:auto;font-size:12px}
</style></head><body>
<h1>HOOATS load test</h1>
<p class="meta">${esc(r.url)} · pair ${esc(r.pair)} · transport ${r.transport} · ${r.users} users · ${esc(r.startedAt)}</p>
${knee}
<h2>Phases</h2>
${phaseTable(r)}
<p class="meta">Latency in ms, client-measured from each order's ${measured}, over successful answers (and cancel misses);
percentiles from a log-bucketed histogram, within ${precision} %. Throughput is client-measured; the server columns are the
deltas of its own /api/performance/metrics counts over the phase.</p>
<h2>Errors by code</h2>
${errorTable(r)}
<h2>Charts</h2>
${latencyHistogramChart(r)}
${lineChart({ title: 'Throughput over time', xLabel: 'seconds', yLabel: 'per second', series: [t.sent, t.ok, t.errors], markers: t.markers })}
${lineChart({ title: 'Latency over time (per second of completion)', xLabel: 'seconds', yLabel: 'ms', series: [t.p50, t.p99], markers: t.markers })}
<h2>Settings</h2>
<pre>${esc(JSON.stringify({ scenario: r.scenario, ...r.settings, setup: r.setup }, null, 2))}</pre>
</body></html>
`;
}
