// The history view's content: a table of runs and two inline-SVG plots (duration, peak memory per run),
// built from `heatlens/history` data. Pure (no vscode import), so the tests check the markup directly.
import type { HistoryRun } from '../protocol';

export interface Point {
  runId: number;
  value: number;
}

export interface Series {
  duration: Point[];
  peakMem: Point[];
}

/** Oldest run first (the server lists newest first); runs without a measured peak are left out of that plot. */
export function historySeries(runs: HistoryRun[]): Series {
  const ordered = [...runs].sort((a, b) => a.runId - b.runId);
  const ok = (v: number | null | undefined): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;
  return {
    duration: ordered.filter((r) => ok(r.duration)).map((r) => ({ runId: r.runId, value: r.duration })),
    peakMem: ordered.filter((r) => ok(r.peakMemMb)).map((r) => ({ runId: r.runId, value: r.peakMemMb as number })),
  };
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

const fmt = (v: number): string => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));

export interface PlotOptions {
  title: string;
  unit: string;
  width?: number;
  height?: number;
}

/** A line plot of `points` in order, y from 0 to the largest value; each point has a tooltip. */
export function linePlotSvg(points: Point[], opts: PlotOptions): string {
  const width = opts.width ?? 420;
  const height = opts.height ?? 140;
  const pad = { left: 44, right: 10, top: 22, bottom: 22 };
  const title = `<text x="${pad.left}" y="14" class="title">${escapeHtml(opts.title)}</text>`;
  if (points.length === 0) {
    return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" role="img">${title}` +
      `<text x="${pad.left}" y="${height / 2}" class="empty">no data</text></svg>`;
  }
  const max = Math.max(...points.map((p) => p.value)) || 1;
  const w = width - pad.left - pad.right;
  const h = height - pad.top - pad.bottom;
  const x = (i: number) => pad.left + (points.length === 1 ? w / 2 : (i * w) / (points.length - 1));
  const y = (v: number) => pad.top + h - (v / max) * h;
  const coords = points.map((p, i) => `${x(i).toFixed(1)},${y(p.value).toFixed(1)}`);
  const dots = points
    .map((p, i) => `<circle cx="${x(i).toFixed(1)}" cy="${y(p.value).toFixed(1)}" r="3"><title>run #${p.runId}: ${fmt(p.value)} ${escapeHtml(opts.unit)}</title></circle>`)
    .join('');
  const axis =
    `<line x1="${pad.left}" y1="${pad.top + h}" x2="${pad.left + w}" y2="${pad.top + h}" class="axis"/>` +
    `<line x1="${pad.left}" y1="${pad.top}" x2="${pad.left}" y2="${pad.top + h}" class="axis"/>` +
    `<text x="${pad.left - 4}" y="${pad.top + 4}" text-anchor="end" class="tick">${fmt(max)}</text>` +
    `<text x="${pad.left - 4}" y="${pad.top + h}" text-anchor="end" class="tick">0</text>` +
    `<text x="${pad.left}" y="${height - 6}" class="tick">#${points[0].runId}</text>` +
    `<text x="${pad.left + w}" y="${height - 6}" text-anchor="end" class="tick">#${points[points.length - 1].runId}</text>`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" role="img">${title}${axis}` +
    `<polyline points="${coords.join(' ')}" class="line"/>${dots}</svg>`;
}

function row(r: HistoryRun): string {
  const name = r.target.split(/[\\/]/).pop() || r.target;
  const when = Number.isFinite(r.startedAt) && r.startedAt > 0 ? new Date(r.startedAt * 1000).toLocaleString() : '';
  const cells = [
    `#${r.runId}`,
    when,
    name,
    r.backend,
    `${fmt(r.duration)} s`,
    `${fmt(r.cpu)} s`,
    r.peakMemMb == null ? '—' : `${fmt(r.peakMemMb)} MB`,
    r.gitCommit ? r.gitCommit.slice(0, 8) : '',
    r.failure || 'ok',
  ];
  return `<tr title="${escapeHtml(r.target)}">${cells.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`;
}

/** The whole page; no scripts and no network (the CSP allows inline styles only). */
export function historyHtml(runs: HistoryRun[], cspSource: string): string {
  const s = historySeries(runs);
  const head = ['run', 'started', 'target', 'backend', 'duration', 'CPU', 'peak memory', 'commit', 'result'];
  const table = runs.length
    ? `<table><thead><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr></thead><tbody>${runs.map(row).join('')}</tbody></table>`
    : '<p>No runs stored yet: run "Heatlens: Profile this file".</p>';
  return `<!DOCTYPE html><html><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src ${cspSource} data:; style-src ${cspSource} 'unsafe-inline';">
<style>
body { font-family: var(--vscode-font-family); color: var(--vscode-foreground); }
.plots { display: flex; flex-wrap: wrap; gap: 16px; }
svg .line { fill: none; stroke: var(--vscode-charts-red, #d44); stroke-width: 2; }
svg circle { fill: var(--vscode-charts-red, #d44); }
svg .axis { stroke: var(--vscode-foreground); stroke-opacity: 0.4; }
svg text { fill: var(--vscode-foreground); font-size: 11px; }
svg .title { font-weight: bold; }
table { border-collapse: collapse; margin-top: 12px; }
th, td { padding: 2px 8px; text-align: left; border-bottom: 1px solid var(--vscode-panel-border, #8884); }
</style></head><body>
<h2>Heatlens: run history</h2>
<div class="plots">${linePlotSvg(s.duration, { title: 'duration (s)', unit: 's' })}${linePlotSvg(s.peakMem, { title: 'peak memory (MB)', unit: 'MB' })}</div>
${table}
</body></html>`;
}
