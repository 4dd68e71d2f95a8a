// Heat bucketing: which lines get which of the ~5 heat levels. Pure (decorations.ts paints them).
import type { HeatDeltaParams, HeatLine } from './protocol';

export const BUCKETS = 5;

/**
 * Lower CPU-share bounds of buckets 1..5. Absolute shares, so a line that takes 40 % of the run always looks
 * the same, and a flat profile stays cool instead of painting its 2 % lines red. Roughly logarithmic.
 */
export const BUCKET_BOUNDS = [0, 0.04, 0.1, 0.2, 0.4] as const;

/** Heat level 1..5 of a share at or above the threshold, else 0 (no heat). */
export function bucketOf(share: number, threshold: number): number {
  if (!(share > 0) || share < threshold) return 0;
  let b = 1;
  for (let i = 1; i < BUCKET_BOUNDS.length; i++) if (share >= BUCKET_BOUNDS[i]) b = i + 1;
  return b;
}

export interface HeatPlan {
  /** buckets[b - 1] = 0-based line numbers painted with level b */
  buckets: number[][];
  /** lines whose numbers are out of date since an edit: painted dimmed, whatever their level */
  stale: number[];
}

/** Group a document's heat lines by level. Lines past `lineCount` (the document shrank) are dropped. */
export function planHeat(lines: readonly HeatLine[], threshold: number, lineCount = Number.MAX_SAFE_INTEGER): HeatPlan {
  const buckets: number[][] = Array.from({ length: BUCKETS }, () => []);
  const stale: number[] = [];
  const seen = new Set<number>();
  for (const l of lines) {
    if (l.line >= lineCount || seen.has(l.line)) continue;
    const b = bucketOf(l.cpuShare, threshold);
    if (b === 0) continue;
    seen.add(l.line);
    if (l.stale) stale.push(l.line);
    else buckets[b - 1].push(l.line);
  }
  for (const b of buckets) b.sort((x, y) => x - y);
  stale.sort((x, y) => x - y);
  return { buckets, stale };
}

/** An SVG gutter bar whose width grows with the level (data URI, no files needed). */
export function gutterSvg(bucket: number, color: string): string {
  const w = Math.max(1, Math.round((Math.max(1, Math.min(BUCKETS, bucket)) / BUCKETS) * 14));
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 16 16">` +
    `<rect x="${16 - w}" y="0" width="${w}" height="16" fill="${color}"/></svg>`;
  return `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;
}

/**
 * A `heatlens/heatDelta` applied to the heat held for its document: each edit drops the heat of the lines it
 * replaced and moves the lines after them; then the delta's lines are set (replacing any entry of that line).
 * Mirrors `apply_delta` in server/heatlens/lsp/features/heat.py. Sorted by line.
 */
export function applyHeatDelta(held: readonly HeatLine[], delta: HeatDeltaParams): HeatLine[] {
  let byLine = new Map<number, HeatLine>(held.map((h) => [h.line, h]));
  for (const e of delta.edits) {
    const shift = e.inserted - e.removed;
    const end = e.line + e.removed;
    const next = new Map<number, HeatLine>();
    for (const [n, h] of byLine) {
      if (n < e.line) next.set(n, h);
      else if (n >= end) next.set(n + shift, { ...h, line: n + shift });
    }
    byLine = next;
  }
  for (const h of delta.lines) byLine.set(h.line, h);
  return [...byLine.values()].sort((a, b) => a.line - b.line);
}
