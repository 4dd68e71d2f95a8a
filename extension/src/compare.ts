// Wording of a `heatlens/compare` result for the message shown after "Compare with previous run". Pure.
import { formatDuration } from './format';
import type { CompareResult } from './protocol';

/** `+212%`, `−38%`, `+4.2%`; `new` when there was nothing before. */
export function formatChange(change: number | null): string {
  if (change == null || !Number.isFinite(change)) return 'new';
  const pct = Math.abs(change) * 100;
  return `${change >= 0 ? '+' : '\u2212'}${pct >= 10 ? pct.toFixed(0) : pct.toFixed(1)}%`;
}

/** One line: the overall change, and the function whose time changed most. */
export function describeComparison(r: CompareResult): string {
  const w = r.wall;
  const speed =
    r.speedup == null ? '' : r.speedup >= 1 ? `, ${r.speedup.toFixed(2)}× faster` : `, ${(1 / r.speedup).toFixed(2)}× slower`;
  const interval = w.ciLow != null && w.ciHigh != null ? ` [${formatChange(w.ciLow)} … ${formatChange(w.ciHigh)}]` : '';
  let text = `run #${r.runId} vs ${r.label === `#${r.baselineRunId}` ? r.label : `${r.label} (#${r.baselineRunId})`}: ` +
    `${formatDuration(w.before)} → ${formatDuration(w.after)} (${formatChange(w.change)}${interval}${speed}, ${w.verdict})`;
  const top = r.functions.find((f) => !f.removed);
  if (top) text += `; biggest change: ${top.qualname} ${formatChange(top.time.change)}`;
  return text;
}
