/**
 * Line charts as inline SVG text, for the self-contained HTML report (no script, no external file):
 * linear or log-10 axes with round ticks, one polyline per series, optional vertical markers.
 */

export interface Series {
  readonly name: string;
  readonly color: string;
  readonly points: ReadonlyArray<readonly [number, number]>;
  /** draw as steps (a histogram) rather than straight segments */
  readonly step?: boolean;
  readonly dashed?: boolean;
}

export interface Marker {
  readonly x: number;
  readonly label: string;
  readonly color?: string;
}

export interface ChartSpec {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly Series[];
  readonly xLog?: boolean;
  readonly markers?: readonly Marker[];
  readonly width?: number;
  readonly height?: number;
}

// the title on the first line, the legend on the second
const PAD = { left: 64, right: 16, top: 44, bottom: 44 };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** About `count` round tick values covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const ticks: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

function fmtTick(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e6) return `${(v / 1e6).toPrecision(3)}M`;
  if (a >= 1e4) return `${(v / 1e3).toPrecision(3)}k`;
  if (a >= 1) return String(Number(v.toPrecision(4)));
  return String(Number(v.toPrecision(2)));
}

export function lineChart(spec: ChartSpec): string {
  const W = spec.width ?? 760;
  const H = spec.height ?? 280;
  const all = spec.series.flatMap((s) => s.points).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y) && (!spec.xLog || x > 0));
  const head = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${escapeHtml(spec.title)}">` +
    `<text x="${PAD.left}" y="18" font-size="14" font-weight="600">${escapeHtml(spec.title)}</text>`;
  if (all.length === 0) return `${head}<text x="${W / 2}" y="${H / 2}" text-anchor="middle" fill="#888">no data</text></svg>`;

  const tx = (x: number) => (spec.xLog ? Math.log10(x) : x);
  let x0 = Math.min(...all.map(([x]) => tx(x)));
  let x1 = Math.max(...all.map(([x]) => tx(x)));
  for (const m of spec.markers ?? []) if (!spec.xLog || m.x > 0) (x0 = Math.min(x0, tx(m.x))), (x1 = Math.max(x1, tx(m.x)));
  if (x1 === x0) (x0 -= 0.5), (x1 += 0.5);
  const y0 = 0;
  let y1 = Math.max(...all.map(([, y]) => y));
  if (!(y1 > 0)) y1 = 1;
  y1 *= 1.08;
  const pw = W - PAD.left - PAD.right;
  const ph = H - PAD.top - PAD.bottom;
  const sx = (x: number) => PAD.left + ((tx(x) - x0) / (x1 - x0)) * pw;
  const sy = (y: number) => PAD.top + ph - ((y - y0) / (y1 - y0)) * ph;

  const parts: string[] = [head];
  parts.push(`<rect x="${PAD.left}" y="${PAD.top}" width="${pw}" height="${ph}" fill="#fafafa" stroke="#ccc"/>`);
  for (const t of niceTicks(y0, y1)) {
    const y = sy(t).toFixed(1);
    parts.push(`<line x1="${PAD.left}" x2="${PAD.left + pw}" y1="${y}" y2="${y}" stroke="#e4e4e4"/>`);
    parts.push(`<text x="${PAD.left - 6}" y="${y}" font-size="11" text-anchor="end" dominant-baseline="middle">${fmtTick(t)}</text>`);
  }
  const xTicks = spec.xLog
    ? Array.from({ length: Math.floor(x1) - Math.ceil(x0) + 1 }, (_, i) => 10 ** (Math.ceil(x0) + i))
    : niceTicks(x0, x1, 8);
  for (const t of xTicks) {
    const x = sx(t).toFixed(1);
    parts.push(`<line x1="${x}" x2="${x}" y1="${PAD.top}" y2="${PAD.top + ph}" stroke="#eee"/>`);
    parts.push(`<text x="${x}" y="${PAD.top + ph + 16}" font-size="11" text-anchor="middle">${fmtTick(t)}</text>`);
  }
  parts.push(`<text x="${PAD.left + pw / 2}" y="${H - 6}" font-size="12" text-anchor="middle">${escapeHtml(spec.xLabel)}</text>`);
  parts.push(`<text transform="translate(14 ${PAD.top + ph / 2}) rotate(-90)" font-size="12" text-anchor="middle">${escapeHtml(spec.yLabel)}</text>`);

  for (const s of spec.series) {
    const pts = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y) && (!spec.xLog || x > 0));
    if (pts.length === 0) continue;
    if (pts.length === 1) {
      // one point makes no line: show it as a dot
      parts.push(`<circle cx="${sx(pts[0][0]).toFixed(1)}" cy="${sy(pts[0][1]).toFixed(1)}" r="3" fill="${s.color}"/>`);
      continue;
    }
    let d = '';
    pts.forEach(([x, y], i) => {
      const X = sx(x).toFixed(1);
      const Y = sy(y).toFixed(1);
      if (i === 0) d += `M${X} ${Y}`;
      else if (s.step) d += `H${X}V${Y}`;
      else d += `L${X} ${Y}`;
    });
    parts.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="1.6"${s.dashed ? ' stroke-dasharray="5 3"' : ''}/>`);
  }
  (spec.markers ?? []).forEach((m, i) => {
    if (spec.xLog && m.x <= 0) return;
    const x = sx(m.x).toFixed(1);
    // labels stepped down so markers close together stay readable
    const y = PAD.top + 10 + (i % 4) * 12;
    const right = Number(x) > PAD.left + pw * 0.75;
    parts.push(`<line x1="${x}" x2="${x}" y1="${PAD.top}" y2="${PAD.top + ph}" stroke="${m.color ?? '#555'}" stroke-dasharray="3 3"/>`);
    parts.push(
      `<text x="${x}" y="${y}" font-size="10" text-anchor="${right ? 'end' : 'start'}" dx="${right ? -3 : 3}" fill="${m.color ?? '#555'}">${escapeHtml(m.label)}</text>`,
    );
  });
  // legend, under the title
  let lx = PAD.left;
  for (const s of spec.series) {
    parts.push(`<line x1="${lx}" x2="${lx + 14}" y1="32" y2="32" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5 3"' : ''}/>`);
    parts.push(`<text x="${lx + 18}" y="36" font-size="11">${escapeHtml(s.name)}</text>`);
    lx += 18 + s.name.length * 6.2 + 14;
  }
  parts.push('</svg>');
  return parts.join('');
}
