// The `heatlens.*` commands. "Profile this file" runs here, client side: trust check, save, progress
// notification with Cancel (phase + elapsed), then `heatlens/profile` with a work-done token.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { WorkDoneProgress, WorkDoneProgressBegin, WorkDoneProgressReport } from 'vscode-languageclient/node';
import { ErrorOnce, HeatlensClient } from './client';
import { HeatDecorations } from './decorations';
import { formatDuration, formatShare } from './format';
import { describeComparison } from './compare';
import {
  CancelRequest, ClearRequest, CompareRequest, FileCellResult, isFailure, ProcessesRequest, ProfileCellRequest, ProfileParams, ProfileRequest,
  ProfileSummary,
} from './protocol';
import { joinArgs, splitArgs } from './settings';
import { StatusItem } from './status';
import { FlameGraphView } from './views/flamegraph';
import { HistoryView } from './views/history';
import { ReportView } from './views/report';
import { exportRun } from './views/export';
import { callGraphView } from './callGraphView';
import { resourcesView } from './resourcesView';

export const BACKENDS: { name: string; detail: string }[] = [
  { name: 'auto', detail: 'exact lines from outside the process (py-spy), else the in-process agent' },
  { name: 'pyspy', detail: 'py-spy: exact lines, sampled from outside the process, with memory steps' },
  { name: 'agent', detail: 'in-process sampler: GC, imports, exceptions, tracemalloc; approximate lines' },
  { name: 'scalene', detail: 'Scalene: CPU (Python/native/system), memory, copies' },
  { name: 'pyinstrument', detail: 'pyinstrument: statistical call tree' },
  { name: 'cprofile', detail: 'cProfile: exact call counts (tracing, slower)' },
  { name: 'viztracer', detail: 'VizTracer: full timeline (tracing, large output)' },
];

/** Elapsed-time + phase text of the progress notification (pure). */
export function progressMessage(phase: string, startedMs: number, nowMs: number): string {
  return `${phase} · ${((nowMs - startedMs) / 1000).toFixed(1)} s`;
}

export class Commands {
  private running: { uri: string; cancel: () => void } | undefined;
  private seq = 0;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly client: HeatlensClient,
    private readonly heat: HeatDecorations,
    private readonly status: StatusItem,
    private readonly log: vscode.LogOutputChannel,
    private readonly errors: ErrorOnce,
    private readonly flame: FlameGraphView,
    private readonly report: ReportView,
    private readonly history: HistoryView,
  ) {}

  register(): vscode.Disposable[] {
    const reg = (id: string, fn: (...args: unknown[]) => unknown) => vscode.commands.registerCommand(id, fn);
    return [
      reg('heatlens.profileFile', (arg) => this.profileFile(arg)),
      reg('heatlens.profileWith', (arg) => this.profileWith(arg)),
      reg('heatlens.attach', () => this.attach()),
      reg('heatlens.profileCell', () => this.profileCell()),
      reg('heatlens.cancel', () => this.cancel()),
      reg('heatlens.clear', () => this.clear()),
      reg('heatlens.toggleHeat', () => this.toggleHeat()),
      reg('heatlens.showFlameGraph', () => this.withClient((c) => this.flame.show(c))),
      reg('heatlens.showReport', () => this.withClient((c) => this.report.show(c))),
      reg('heatlens.compareWithPrevious', () => this.withClient((c) => this.compareWithPrevious(c))),
      reg('heatlens.showHistory', () => this.withClient((c) => this.history.show(c))),
      reg('heatlens.export', () => this.withClient((c) => exportRun(c))),
      reg('heatlens.showCallGraph', (arg) => this.withClient((c) => callGraphView.show(c, this.targetOf(arg)))),
      reg('heatlens.showResources', () => this.withClient((c) => resourcesView.show(c))),
      reg('heatlens.restartServer', async () => (await this.trusted()) && this.client.restart()),
      reg('heatlens.showLogs', () => this.log.show()),
    ];
  }

  get isProfiling(): boolean {
    return this.running !== undefined;
  }

  private async withClient(fn: (c: NonNullable<Awaited<ReturnType<HeatlensClient['ensureStarted']>>>) => Promise<void>): Promise<void> {
    if (!(await this.trusted())) return;
    const c = await this.client.ensureStarted();
    if (!c) return;
    try {
      await fn(c);
    } catch (err) {
      this.errors.show(`cmd:${String(err)}`, err instanceof Error ? err.message : String(err));
    }
  }

  /** The Python file a command is about: its argument (Uri or URI string from a lens) or the active editor. */
  private targetOf(arg: unknown): vscode.Uri | undefined {
    if (arg instanceof vscode.Uri) return arg;
    if (typeof arg === 'string' && arg) return vscode.Uri.parse(arg);
    if (Array.isArray(arg) && arg.length) return this.targetOf(arg[0]);
    return vscode.window.activeTextEditor?.document.uri;
  }

  private async trusted(): Promise<boolean> {
    if (vscode.workspace.isTrusted) return true;
    this.log.warn('refused: the workspace is not trusted');
    const pick = await vscode.window.showWarningMessage(
      'Heatlens: profiling runs this workspace’s code, so Heatlens is disabled until you trust the workspace.',
      'Manage Workspace Trust',
    );
    if (pick) await vscode.commands.executeCommand('workbench.trust.manage');
    return false;
  }

  async profileWith(arg?: unknown): Promise<void> {
    if (!(await this.trusted())) return;
    const current = this.client.current.server.backend;
    const pick = await vscode.window.showQuickPick(
      BACKENDS.map((b) => ({ label: b.name, detail: b.detail, description: b.name === current ? 'default' : undefined })),
      { title: 'Heatlens: profile with which backend?', placeHolder: `default: ${current}` },
    );
    if (!pick) return;
    const last = this.context.workspaceState.get<string[]>('heatlens.lastArgs') ?? this.client.current.client.args;
    const line = await vscode.window.showInputBox({
      title: 'Heatlens: arguments for the program',
      value: joinArgs(last),
      prompt: 'Shell-style quoting; nothing is expanded.',
      validateInput: (v) => {
        try {
          splitArgs(v);
          return undefined;
        } catch (err) {
          return String(err instanceof Error ? err.message : err);
        }
      },
    });
    if (line === undefined) return;
    const args = splitArgs(line);
    await this.context.workspaceState.update('heatlens.lastArgs', args);
    await this.profileFile(arg, { backend: pick.label, args });
  }

  async profileFile(arg?: unknown, opts: { backend?: string; args?: string[] } = {}): Promise<ProfileSummary | undefined> {
    if (!(await this.trusted())) return undefined;
    const uri = this.targetOf(arg);
    if (!uri || uri.scheme !== 'file' || !/\.pyw?$/i.test(uri.fsPath)) {
      void vscode.window.showWarningMessage('Heatlens: open a Python file (on disk) to profile it.');
      return undefined;
    }
    if (this.busy()) return undefined;
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    if (doc?.isDirty && !(await doc.save())) return undefined;
    const folder = vscode.workspace.getWorkspaceFolder(uri);
    const args = opts.args ?? (this.client.current.client.args.length ? this.client.current.client.args : undefined);
    return this.run(path.basename(uri.fsPath), uri.fsPath, {
      uri: uri.toString(), backend: opts.backend, args, cwd: folder?.uri.fsPath ?? path.dirname(uri.fsPath),
    });
  }

  /** Attach to a running Python process (those of this workspace first), sample it, paint it; Cancel stops
   * sampling and keeps what was taken. */
  async attach(): Promise<ProfileSummary | undefined> {
    if (!(await this.trusted()) || this.busy()) return undefined;
    const client = await this.client.ensureStarted();
    if (!client) return undefined;
    const { processes } = await client.sendRequest(ProcessesRequest, {});
    if (!processes.length) {
      void vscode.window.showInformationMessage('Heatlens: no running Python process to attach to.');
      return undefined;
    }
    const pick = await vscode.window.showQuickPick(
      processes.map((p) => ({ label: `${p.pid}`, description: p.inProject ? 'this workspace' : p.cwd, detail: p.command, pid: p.pid })),
      { title: 'Heatlens: attach to which Python process?', matchOnDescription: true, matchOnDetail: true },
    );
    if (!pick) return undefined;
    const seconds = await vscode.window.showInputBox({
      title: 'Heatlens: sample for how many seconds?',
      value: '10',
      prompt: 'Empty: until you press Cancel, which keeps what was sampled. The process is never paused.',
      validateInput: (v) => (v.trim() === '' || Number(v) > 0 ? undefined : 'a number of seconds, or empty'),
    });
    if (seconds === undefined) return undefined;
    const name = `pid ${pick.pid}`;
    return this.run(name, name, { pid: pick.pid, duration: seconds.trim() ? Number(seconds) : undefined });
  }

  /** Profile the active notebook cell without a kernel: the code cells up to it run as one script in a
   * subprocess; the run is painted on the cells. */
  async profileCell(): Promise<void> {
    if (!(await this.trusted()) || this.busy()) return;
    const editor = vscode.window.activeNotebookEditor;
    const text = vscode.window.activeTextEditor;
    if (!editor && text?.document.languageId === 'python' && /^#\s*%%/m.test(text.document.getText())) {
      await this.profileFileCell(text);
      return;
    }
    const cell = editor?.notebook.cellAt(editor.selections[0]?.start ?? 0);
    if (!editor || !cell || cell.kind !== vscode.NotebookCellKind.Code) {
      void vscode.window.showWarningMessage('Heatlens: select a code cell of a notebook to profile it.');
      return;
    }
    const client = await this.client.ensureStarted();
    if (!client) return;
    const name = `cell ${cell.index + 1} of ${path.basename(editor.notebook.uri.fsPath)}`;
    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Heatlens: profiling ${name}`, cancellable: true },
      async (_progress, token) => {
        const onCancel = token.onCancellationRequested(() => void client.sendRequest(CancelRequest, {}));
        try {
          const result = await client.sendRequest(ProfileCellRequest, {
            cellUri: cell.document.uri.toString(), notebookUri: editor.notebook.uri.toString(),
          });
          const top = result.hotLines[0];
          const text = isFailure(result)
            ? `${result.failure.kind}: ${result.failure.message}`
            : top ? `hottest: cell ${top.cell}, line ${top.line + 1} (${formatShare(top.share)})` : 'done';
          vscode.window.setStatusBarMessage(`Heatlens: ${name}: ${text}`.slice(0, 300), 10_000);
        } catch (err) {
          this.errors.show(`cell:${String(err)}`, `profiling ${name} failed: ${err instanceof Error ? err.message : String(err)}`);
        } finally {
          onCancel.dispose();
        }
      },
    );
  }

  /** The `# %%` cell of a .py file at the cursor: the server's `heatlens.profileFileCell` (the lens's
   * command) runs the file through that cell, saved first since the run reads the file as saved. */
  private async profileFileCell(text: vscode.TextEditor): Promise<void> {
    const client = await this.client.ensureStarted();
    if (!client || (text.document.isDirty && !(await text.document.save()))) return;
    const name = path.basename(text.document.uri.fsPath);
    try {
      const result = await vscode.commands.executeCommand<FileCellResult>(
        'heatlens.profileFileCell', text.document.uri.toString(), text.selection.active.line);
      const hot = result?.cellHotLine;
      const what = !result || isFailure(result)
        ? `${result?.failure.kind}: ${result?.failure.message}`
        : hot ? `hottest line ${hot.line + 1} (${formatShare(hot.share)})` : 'no sample in the cell';
      vscode.window.setStatusBarMessage(`Heatlens: cell ${result?.cell?.number ?? '?'} of ${name}: ${what}`.slice(0, 300), 10_000);
    } catch (err) {
      void vscode.window.showWarningMessage(`Heatlens: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /** Another run is going on: say so, offer to cancel it. */
  private busy(): boolean {
    if (!this.running) return false;
    void vscode.window
      .showWarningMessage(`Heatlens: ${path.basename(this.running.uri)} is still being profiled.`, 'Cancel it')
      .then((pick) => pick && this.cancel());
    return true;
  }

  /** One `heatlens/profile` with a progress notification (phase, elapsed, Cancel) and the status item. */
  private async run(name: string, shown: string, params: ProfileParams): Promise<ProfileSummary | undefined> {
    const client = await this.client.ensureStarted();
    if (!client) return undefined;
    const workDoneToken = `heatlens-profile-${process.pid}-${++this.seq}`;
    const fallback = new vscode.CancellationTokenSource();
    let summary: ProfileSummary | undefined;
    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Heatlens: profiling ${name}`, cancellable: true },
      async (progress, token) => {
        const started = Date.now();
        let phase = 'starting';
        const tick = () => progress.report({ message: progressMessage(phase, started, Date.now()) });
        tick();
        const timer = setInterval(tick, 250);
        const sub = client.onProgress(WorkDoneProgress.type, workDoneToken, (v) => {
          if (v.kind === 'end') return;
          const text = (v as WorkDoneProgressBegin | WorkDoneProgressReport).message ?? (v as WorkDoneProgressBegin).title ?? '';
          const p = text.split('·')[0].trim();
          if (p) phase = p;
        });
        const cancel = () => {
          this.log.info(`cancelling the profile of ${name}`);
          phase = 'cancelling';
          client.sendRequest(CancelRequest, {}).then(
            (r) => this.log.info(`cancel: ${JSON.stringify(r)}`),
            (err) => this.log.warn(`heatlens/cancel failed: ${String(err)}`),
          );
          // if the server does not answer the cancel, cancel the request itself
          setTimeout(() => fallback.cancel(), 10_000);
        };
        this.running = { uri: shown, cancel };
        void vscode.commands.executeCommand('setContext', 'heatlens.profiling', true);
        this.status.profiling(shown);
        const onCancel = token.onCancellationRequested(cancel);
        try {
          this.log.info(`profiling ${shown} (backend ${params.backend ?? this.client.current.server.backend})`);
          summary = await client.sendRequest(ProfileRequest, { ...params, workDoneToken }, fallback.token);
        } catch (err) {
          if (fallback.token.isCancellationRequested) this.log.warn('the profile request was cancelled');
          else this.errors.show(`profile:${String(err)}`, `profiling ${name} failed: ${err instanceof Error ? err.message : String(err)}`);
        } finally {
          clearInterval(timer);
          sub.dispose();
          onCancel.dispose();
          fallback.dispose();
          this.running = undefined;
          void vscode.commands.executeCommand('setContext', 'heatlens.profiling', false);
          this.status.finished(summary);
        }
      },
    );
    if (summary) this.announce(summary, name);
    return summary;
  }

  private announce(summary: ProfileSummary, name: string): void {
    this.log.info(`run ${summary.runId}: ${summary.backend}, ${formatDuration(summary.duration)}, failure=${summary.failure?.kind || 'ok'}`);
    if (summary.failure?.kind === 'cancelled') {
      vscode.window.setStatusBarMessage(`Heatlens: profiling ${name} was cancelled`, 5000);
    } else if (isFailure(summary)) {
      // one message per failed run; the partial profile (if any) is still painted
      void vscode.window
        .showErrorMessage(`Heatlens: ${name} ${summary.failure.kind}: ${summary.failure.message}`.slice(0, 500), 'Show report', 'Show logs')
        .then((pick) => {
          if (pick === 'Show report') void vscode.commands.executeCommand('heatlens.showReport');
          if (pick === 'Show logs') this.log.show();
        });
    } else {
      const top = summary.hotspots[0];
      const hot = top ? `, hottest: ${top.name} ${formatShare(top.share)}` : '';
      vscode.window.setStatusBarMessage(`Heatlens: ${name} profiled in ${formatDuration(summary.duration)}${hot}`, 10_000);
    }
  }

  /** Lenses and hovers of the compared run's files show the deltas (server side); here: one summary message. */
  private async compareWithPrevious(c: NonNullable<Awaited<ReturnType<HeatlensClient['ensureStarted']>>>): Promise<void> {
    const result = await c.sendRequest(CompareRequest, { baseline: 'previous' });
    const text = `Heatlens: ${describeComparison(result)}`;
    this.log.info(text);
    const show = result.regressed ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
    const pick = await show(text.slice(0, 500), 'Show history');
    if (pick) await vscode.commands.executeCommand('heatlens.showHistory');
  }

  cancel(): void {
    if (this.running) this.running.cancel();
    else vscode.window.setStatusBarMessage('Heatlens: nothing is being profiled', 3000);
  }

  private async clear(): Promise<void> {
    this.heat.clear();
    await this.withClient(async (c) => {
      await c.sendRequest(ClearRequest, {});
    });
  }

  private async toggleHeat(): Promise<void> {
    const cfg = vscode.workspace.getConfiguration('heatlens');
    const info = cfg.inspect<boolean>('heat.enabled');
    const target =
      info?.workspaceFolderValue !== undefined || info?.workspaceValue !== undefined
        ? vscode.ConfigurationTarget.Workspace
        : vscode.ConfigurationTarget.Global;
    await cfg.update('heat.enabled', !(cfg.get<boolean>('heat.enabled') ?? true), target);
  }
}
