// The custom messages of the heatlens daemon (docs/protocol.md), mirrored from
// server/heatlens/lsp/protocol.py. Wire names are camelCase; lines 0-based; times in seconds; shares 0..1.
import { NotificationType, ProgressToken, RequestType } from 'vscode-languageserver-protocol';
import type { CallGraphResult } from './callGraphRender';
import type { ResourcesResult } from './resourcesPlot';

export interface ProfileParams {
  uri?: string;
  module?: string;
  code?: string;
  backend?: string;
  args?: string[];
  cwd?: string;
  env?: Record<string, string>;
  timeout?: number;
  pid?: number; // attach to this running process instead of starting one
  duration?: number; // seconds to sample an attached process (none: until heatlens/cancel)
  workDoneToken?: ProgressToken;
}

export interface PythonProcess {
  pid: number;
  command: string;
  cwd: string;
  inProject: boolean;
}

export interface Failure {
  kind: string; // "ok" (or "") when the run succeeded, "cancelled", or what went wrong
  message: string;
}

export interface Hotspot {
  uri: string;
  line: number;
  name: string;
  share: number;
}

export interface ProfileSummary {
  runId: number | null;
  target: string;
  backend: string;
  duration: number;
  failure: Failure;
  hotspots: Hotspot[];
}

export interface RunInfo {
  runId: number;
  target: string;
  backend: string;
  startedAt: number;
  duration: number;
  failure: string;
}

export type ReportKind = 'summary' | 'details' | 'libraries' | 'raw';

/** One quantity before (the baseline) and after (the compared run); `change` = after / before - 1. */
export interface ChangeInfo {
  before: number;
  after: number;
  change: number | null;
  ciLow: number | null;
  ciHigh: number | null;
  pValue: number | null;
  verdict: 'regression' | 'improvement' | 'within noise';
  note: string;
}

export interface FunctionChange {
  uri: string;
  qualname: string;
  line: number | null;
  time: ChangeInfo;
  selfTime: ChangeInfo;
  memory: ChangeInfo;
  shareBefore: number;
  shareAfter: number;
  isNew: boolean;
  removed: boolean;
}

export interface CompareParams {
  baseline?: string; // "previous" (default), "latest", a run id, or a git ref
  runId?: number;
}

export interface CompareResult {
  runId: number;
  baselineRunId: number;
  label: string;
  wall: ChangeInfo;
  cpu: ChangeInfo;
  peakMem: ChangeInfo | null;
  speedup: number | null;
  regressed: boolean;
  functions: FunctionChange[];
  notes: string[];
}

export interface HistoryRun {
  runId: number;
  target: string;
  backend: string;
  startedAt: number;
  duration: number;
  cpu: number;
  peakMemMb: number | null;
  gitCommit: string | null;
  failure: string;
}

export interface HeatLine {
  line: number;
  cpuShare: number;
  memMb: number;
  stale: boolean;
}

export interface HeatParams {
  uri: string;
  version: number | null;
  lines: HeatLine[];
}

/** `removed` lines from `line` were replaced by `inserted` lines (the following lines move by the difference). */
export interface HeatEdit {
  line: number;
  removed: number;
  inserted: number;
}

/** After an edit: replay `edits` on the heat held for `uri`, then set each of `lines` (by line number). */
export interface HeatDeltaParams {
  uri: string;
  version: number | null;
  edits: HeatEdit[];
  lines: HeatLine[];
}

/** Key of ClientCapabilities.experimental by which a client asks for `heatlens/heatDelta` after edits. */
export const HEAT_DELTAS_CAPABILITY = 'heatlensHeatDeltas';

export interface StateParams {
  state: 'idle' | 'profiling';
  target?: string;
  lastRun?: ProfileSummary;
}

/** A speedscope file-format document; frames carry `file` and a 1-based `line`. */
export interface SpeedscopeDocument {
  $schema?: string;
  shared: { frames: { name: string; file?: string; line?: number; col?: number }[] };
  profiles: unknown[];
  name?: string;
  [key: string]: unknown;
}

export const ProfileRequest = new RequestType<ProfileParams, ProfileSummary, void>('heatlens/profile');
export const CancelRequest = new RequestType<Record<string, never>, { cancelled: boolean }, void>('heatlens/cancel');
export const ClearRequest = new RequestType<{ uri?: string }, null, void>('heatlens/clear');
export interface ProfileCellResult {
  runId: number | null;
  target: string;
  failure: Failure;
  hotLines: { cellUri: string; cell: number; line: number; share: number; seconds: number }[];
}
export const ProfileCellRequest = new RequestType<{ cellUri: string; notebookUri?: string; backend?: string }, ProfileCellResult, void>(
  'heatlens/profileCell',
);
/** `heatlens.profileFileCell [uri, line]` (a server command): a run of a .py file through one `# %%` cell. */
export interface FileCellResult {
  failure: Failure;
  cell?: { number: number; startLine: number; endLine: number; title: string };
  cellHotLine?: { line: number; share: number; seconds: number } | null; // 0-based line of the file
}
export const ProcessesRequest = new RequestType<Record<string, never>, { processes: PythonProcess[] }, void>('heatlens/processes');
export const RunsRequest = new RequestType<{ limit?: number }, { runs: RunInfo[] }, void>('heatlens/runs');
export const ReportRequest = new RequestType<{ runId?: number; kind?: ReportKind }, { markdown: string }, void>(
  'heatlens/report',
);
export const FlamegraphRequest = new RequestType<{ runId?: number }, { speedscope: SpeedscopeDocument; name: string }, void>(
  'heatlens/flamegraph',
);
export const CompareRequest = new RequestType<CompareParams, CompareResult, void>('heatlens/compare');
export const HistoryRequest = new RequestType<{ limit?: number; target?: string }, { runs: HistoryRun[] }, void>(
  'heatlens/history',
);
export interface ExportParams {
  format: string; // one of heatlens/exportFormats
  path: string; // absolute, or relative to the project root
  runId?: number; // default: the latest run
}
export const ExportRequest = new RequestType<ExportParams, { path: string; bytes: number }, void>('heatlens/export');
export const ExportFormatsRequest = new RequestType<Record<string, never>, { formats: string[] }, void>('heatlens/exportFormats');
export const CallGraphRequest = new RequestType<{ uri?: string; runId?: number }, CallGraphResult, void>('heatlens/callgraph');
export const ResourcesRequest = new RequestType<{ runId?: number }, ResourcesResult, void>('heatlens/resources');
export const HeatNotification = new NotificationType<HeatParams>('heatlens/heat');
export const HeatDeltaNotification = new NotificationType<HeatDeltaParams>('heatlens/heatDelta');
export const StateNotification = new NotificationType<StateParams>('heatlens/state');

/** Every custom method this client speaks, by direction (a test checks it against docs/protocol.md). */
export const CLIENT_REQUESTS = [
  ProfileRequest,
  ProfileCellRequest,
  ProcessesRequest,
  CancelRequest,
  ClearRequest,
  RunsRequest,
  ReportRequest,
  FlamegraphRequest,
  CompareRequest,
  HistoryRequest,
  ExportRequest,
  ExportFormatsRequest,
  CallGraphRequest,
  ResourcesRequest,
].map((r) => r.method);
export const SERVER_NOTIFICATIONS = [HeatNotification, HeatDeltaNotification, StateNotification].map((n) => n.method);

/** Progress phases the server reports on the profile request's work-done token. */
export const PHASES = ['starting', 'running', 'reading', 'mapping'] as const;

const num = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** Defensive reading of a `heatlens/heat` payload: drops malformed lines rather than failing the editor. */
export function parseHeat(raw: unknown): HeatParams | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const r = raw as Record<string, unknown>;
  if (typeof r.uri !== 'string' || !Array.isArray(r.lines)) return undefined;
  const lines: HeatLine[] = [];
  for (const l of r.lines as unknown[]) {
    if (typeof l !== 'object' || l === null) continue;
    const o = l as Record<string, unknown>;
    if (!num(o.line) || o.line < 0 || !Number.isInteger(o.line)) continue;
    lines.push({
      line: o.line,
      cpuShare: num(o.cpuShare) ? Math.min(1, Math.max(0, o.cpuShare)) : 0,
      memMb: num(o.memMb) ? o.memMb : 0,
      stale: o.stale === true,
    });
  }
  return { uri: r.uri, version: num(r.version) ? r.version : null, lines };
}

/** Defensive reading of a `heatlens/heatDelta` payload: undefined if any edit is malformed (the delta
 * cannot be replayed then), malformed lines dropped like in `parseHeat`. */
export function parseHeatDelta(raw: unknown): HeatDeltaParams | undefined {
  const base = parseHeat(raw);
  const r = raw as Record<string, unknown> | undefined;
  if (!base || !Array.isArray(r?.edits)) return undefined;
  const count = (v: unknown): v is number => num(v) && Number.isInteger(v) && v >= 0;
  const edits: HeatEdit[] = [];
  for (const e of r.edits as unknown[]) {
    const o = (typeof e === 'object' && e !== null ? e : {}) as Record<string, unknown>;
    if (!count(o.line) || !count(o.removed) || !count(o.inserted)) return undefined;
    edits.push({ line: o.line, removed: o.removed, inserted: o.inserted });
  }
  return { uri: base.uri, version: base.version, edits, lines: base.lines };
}

/** A failure worth telling the user about (a cancelled run is the user's own doing). */
export function isFailure(run: { failure?: Failure }): boolean {
  const kind = run.failure?.kind ?? '';
  return kind !== '' && kind !== 'ok' && kind !== 'cancelled';
}
