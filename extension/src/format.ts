// Wording of numbers and runs for the status item and messages. Pure.
import { isFailure, ProfileSummary } from './protocol';

/** "62.1 %" style share for the status line and messages. */
export function formatShare(share: number): string {
  const pct = share * 100;
  return `${pct >= 10 ? pct.toFixed(0) : pct.toFixed(1)} %`;
}

/** "1.23 s" / "850 ms" style duration. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  if (seconds < 1) return `${Math.round(seconds * 1000)} ms`;
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 2 : 1)} s`;
  const m = Math.floor(seconds / 60);
  return `${m} min ${Math.round(seconds - m * 60)} s`;
}

/** How far a line sampler's lines can be trusted: the in-process agent only samples at the interpreter's
 * check points, so its time can land later in a loop body or in the caller. */
const LINE_EXACTNESS: Record<string, string> = { pyspy: 'exact lines', agent: 'in-process: approximate lines' };

/** Text and detail of the status item for a state (pure, so the wording is tested). */
export function describeRun(summary: ProfileSummary | undefined): { text: string; detail: string; error: boolean } {
  if (!summary) return { text: 'Heatlens: idle', detail: 'no run yet', error: false };
  const name = summary.target.split(/[\\/]/).pop() || summary.target;
  if (summary.failure?.kind === 'cancelled') {
    return { text: `Heatlens: ${name} cancelled`, detail: `after ${formatDuration(summary.duration)}`, error: false };
  }
  if (isFailure(summary)) {
    return { text: `Heatlens: ${name} failed (${summary.failure.kind})`, detail: summary.failure.message, error: true };
  }
  const top = summary.hotspots[0];
  const hot = top ? ` · hottest ${top.name} ${formatShare(top.share)}` : '';
  const exactness = LINE_EXACTNESS[summary.backend];
  const detail = exactness ? `${summary.backend} (${exactness})` : summary.backend;
  return { text: `Heatlens: ${name} ${formatDuration(summary.duration)}`, detail: `${detail}${hot}`, error: false };
}
