// Pure helpers of "Export run…": the file name and save-dialog filter each export format gets.

/** Suffix per format; the ones that are JSON keep a second suffix saying which JSON (as the CLI guesses it). */
export const EXPORT_SUFFIXES: Record<string, string> = {
  json: '.heatlens.json',
  csv: '.csv',
  md: '.md',
  html: '.html',
  speedscope: '.speedscope.json',
  chrome: '.trace.json',
  pstats: '.pstats',
};

/** What the quick pick says about each format. */
export const EXPORT_DETAILS: Record<string, string> = {
  json: 'the full heatlens profile (lossless)',
  csv: 'one row per line: for spreadsheets',
  md: 'summary and details report in Markdown',
  html: 'self-contained HTML report',
  speedscope: 'flame graph for speedscope.app',
  chrome: 'Chrome trace: chrome://tracing, Perfetto',
  pstats: 'cProfile stats: snakeviz, pstats.Stats',
};

/** A file-name-safe stem from a run's target (`python app.py --n 3` → `app`). */
export function exportStem(target: string): string {
  const words = target.split(/\s+/).filter((w) => w);
  const script = words.find((w) => /\.pyw?$/i.test(w)) ?? words.find((w) => !w.startsWith('-') && !/^python[\d.]*$/i.test(w));
  const base = (script ?? target).split(/[\\/]/).pop() ?? '';
  const stem = base.replace(/\.pyw?$/i, '').replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^[-.]+|[-.]+$/g, '');
  return stem || 'profile';
}

/** The default file name the save dialog offers, e.g. `app-run12.speedscope.json`. */
export function defaultExportName(format: string, target = '', runId?: number | null): string {
  const run = runId !== undefined && runId !== null ? `-run${runId}` : '';
  return `${exportStem(target)}${run}${EXPORT_SUFFIXES[format] ?? `.${format.replace(/[^A-Za-z0-9]+/g, '') || 'out'}`}`;
}

/** Save-dialog filters: the format's own extension first, then anything. */
export function exportFilters(format: string): Record<string, string[]> {
  const ext = (EXPORT_SUFFIXES[format] ?? `.${format}`).split('.').pop() ?? format;
  return { [`${format} (*.${ext})`]: [ext], 'All files': ['*'] };
}
