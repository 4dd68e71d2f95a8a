// The resource view's content: time plots (inline SVG) of the target's RSS, CPU %, threads and open files,
// and the memory timeline beside them, from `heatlens/resources`. Pure (no vscode import): tested directly.

export interface ResourcesResult {
  runId: number;
  name: string;
  backend: string;
  resources: { t: number[]; rssMb: number[]; cpuPercent: number[]; threads: number[]; openFiles: number[]; processes: number[] };
  summary: Record<string, number | string> | null;
  memory: { t: number[]; currentMb: number[]; peakMb: number[]; rssMb: (number | null)[] };
  lineMemory: { t: number[]; lines: { file: string; line: number; liveMb: number[] }[] };
}

export interface Line {
  label: string;
  values: (number | null)[];
  cls: string; // CSS class of the stroke (colour)
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

const fmt = (v: number): string => (Number.isInteger(v) ? String(v) : Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2));

/** SVG path data of one series over `t` (a gap where a value is missing); x and y map data to pixels. */
export function pathData(t: number[], values: (number | null)[], x: (t: number) => number, y: (v: number) => number): string {
  let d = '';
  let pen = false;
  for (let i = 0; i < t.length && i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined || !Number.isFinite(v)) {
      pen = false;
      continue;
    }
    d += `${pen ? 'L' : 'M'}${x(t[i]).toFixed(1)},${y(v).toFixed(1)}`;
    pen = true;
  }
  return d;
}

/** A plot of one or more series against time (seconds since start), y from 0 to the largest value. */
export function timePlotSvg(title: string, unit: string, t: number[], lines: Line[], width = 440, height = 150): string {
  const pad = { left: 48, right: 10, top: 22, bottom: 22 };
  const head = `<text x="${pad.left}" y="14" class="title">${escapeHtml(title)}</text>`;
  const all = lines.flatMap((l) => l.values).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  if (t.length === 0 || all.length === 0) {
    return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" role="img" data-plot="${escapeHtml(title)}">${head}` +
      `<text x="${pad.left}" y="${height / 2}" class="empty">no samples</text></svg>`;
  }
  const t0 = t[0];
  const span = t[t.length - 1] - t0 || 1;
  const max = Math.max(...all) || 1;
  const w = width - pad.left - pad.right;
  const h = height - pad.top - pad.bottom;
  const x = (s: number) => pad.left + ((s - t0) / span) * w;
  const y = (v: number) => pad.top + h - (Math.max(0, v) / max) * h;
  const axis =
    `<line x1="${pad.left}" y1="${pad.top + h}" x2="${pad.left + w}" y2="${pad.top + h}" class="axis"/>` +
    `<line x1="${pad.left}" y1="${pad.top}" x2="${pad.left}" y2="${pad.top + h}" class="axis"/>` +
    `<text x="${pad.left - 4}" y="${pad.top + 4}" text-anchor="end" class="tick">${fmt(max)}${unit ? ' ' + escapeHtml(unit) : ''}</text>` +
    `<text x="${pad.left - 4}" y="${pad.top + h}" text-anchor="end" class="tick">0</text>` +
    `<text x="${pad.left}" y="${height - 6}" class="tick">${fmt(t0)} s</text>` +
    `<text x="${pad.left + w}" y="${height - 6}" text-anchor="end" class="tick">${fmt(t[t.length - 1])} s</text>`;
  const paths = lines
    .map((l) => {
      const d = pathData(t, l.values, x, y);
      return d ? `<path d="${d}" class="series ${l.cls}"><title>${escapeHtml(l.label)}</title></path>` : '';
    })
    .join('');
  const legend = lines.length > 1
    ? lines.map((l, i) => `<text x="${pad.left + w - 4}" y="${pad.top + 12 + i * 12}" text-anchor="end" class="tick ${l.cls}-text">${escapeHtml(l.label)}</text>`).join('')
    : '';
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" role="img" data-plot="${escapeHtml(title)}">${head}${axis}${paths}${legend}</svg>`;
}

/** The summary line: peak RSS and when, mean/peak CPU, peaks of threads and files. */
export function resourcesSummary(r: ResourcesResult): string {
  const s = r.summary;
  if (!s) return 'No resource samples were stored with this run.';
  const n = (k: string) => Number(s[k] ?? 0);
  return `RSS ${fmt(n('rss_start_mb'))} → peak ${fmt(n('rss_peak_mb'))} MB at ${fmt(n('rss_peak_t'))} s · CPU mean ${n('cpu_mean_percent').toFixed(0)} %, ` +
    `peak ${n('cpu_peak_percent').toFixed(0)} % · threads ≤ ${n('threads_peak')} · open files ≤ ${n('open_files_peak')} · ` +
    `processes ≤ ${n('processes_peak')} · ${n('samples')} samples over ${fmt(n('duration'))} s`;
}

const shortFile = (file: string): string => file.split(/[\\/]/).pop() || file;

/** The whole page: no scripts, nothing from the network (the CSP allows inline styles only). */
export function resourcesHtml(r: ResourcesResult, cspSource: string): string {
  const rs = r.resources;
  const mem = r.memory;
  const plots = [
    timePlotSvg('resident memory (RSS)', 'MB', rs.t, [{ label: 'RSS', values: rs.rssMb, cls: 's1' }]),
    timePlotSvg('CPU', '%', rs.t, [{ label: 'CPU %', values: rs.cpuPercent, cls: 's2' }]),
    timePlotSvg('threads', '', rs.t, [{ label: 'threads', values: rs.threads, cls: 's3' }]),
    timePlotSvg('open files', '', rs.t, [{ label: 'open files', values: rs.openFiles, cls: 's4' }]),
  ];
  const memPlots = [
    timePlotSvg('memory timeline (traced heap)', 'MB', mem.t, [
      { label: 'current', values: mem.currentMb, cls: 's1' },
      { label: 'peak', values: mem.peakMb, cls: 's2' },
      { label: 'RSS', values: mem.rssMb, cls: 's3' },
    ]),
  ];
  if (r.lineMemory.lines.length) {
    memPlots.push(timePlotSvg('live memory of the top allocating lines', 'MB', r.lineMemory.t,
      r.lineMemory.lines.map((l, i) => ({ label: `${shortFile(l.file)}:${l.line}`, values: l.liveMb, cls: `s${(i % 4) + 1}` }))));
  }
  return `<!DOCTYPE html><html><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src ${cspSource} data:; style-src ${cspSource} 'unsafe-inline';">
<style>
body { font-family: var(--vscode-font-family); color: var(--vscode-foreground); }
.plots { display: flex; flex-wrap: wrap; gap: 16px; }
svg .series { fill: none; stroke-width: 2; }
svg .s1 { stroke: var(--vscode-charts-red, #d44); } svg .s1-text { fill: var(--vscode-charts-red, #d44); }
svg .s2 { stroke: var(--vscode-charts-blue, #48f); } svg .s2-text { fill: var(--vscode-charts-blue, #48f); }
svg .s3 { stroke: var(--vscode-charts-green, #4a4); } svg .s3-text { fill: var(--vscode-charts-green, #4a4); }
svg .s4 { stroke: var(--vscode-charts-orange, #e90); } svg .s4-text { fill: var(--vscode-charts-orange, #e90); }
svg .axis { stroke: var(--vscode-foreground); stroke-opacity: 0.4; }
svg text { fill: var(--vscode-foreground); font-size: 11px; }
svg .title { font-weight: bold; }
</style></head><body>
<h2>Resource usage: ${escapeHtml(r.name)}</h2>
<p id="summary">${escapeHtml(resourcesSummary(r))}</p>
<h3>Process tree (sampled from outside)</h3>
<div class="plots" id="resources">${plots.join('')}</div>
<h3>Memory timeline (${escapeHtml(r.backend)})</h3>
<div class="plots" id="memory">${memPlots.join('')}</div>
</body></html>`;
}
