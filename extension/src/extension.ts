// Activation: wires the log, the interpreter, the client, heat decorations, the status item and commands.
// Nothing of the workspace runs here: the daemon only reads; profiling asks for workspace trust first.
import * as vscode from 'vscode';
import { ErrorOnce, HeatlensClient } from './client';
import { callGraphView } from './callGraphView';
import { Commands } from './commands';
import { HeatDecorations } from './decorations';
import { PythonInterpreter } from './python';
import { resourcesView } from './resourcesView';
import { parseSettings } from './settings';
import { StatusItem } from './status';
import { FlameGraphView } from './views/flamegraph';
import { HistoryView } from './views/history';
import { ReportView } from './views/report';

let client: HeatlensClient | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const log = vscode.window.createOutputChannel('Heatlens', { log: true });
  const errors = new ErrorOnce(log);
  const settings = parseSettings(vscode.workspace.getConfiguration('heatlens'));
  const heat = new HeatDecorations(settings.client.heatEnabled, settings.server.heatThreshold);
  const status = new StatusItem();
  const python = new PythonInterpreter(log);
  await python.init();
  client = new HeatlensClient(context, log, python, errors, {
    onHeat: (params) => heat.update(params),
    onHeatDelta: (params) => heat.applyDelta(params),
    onState: (params) => {
      void vscode.commands.executeCommand('setContext', 'heatlens.profiling', params.state === 'profiling');
      if (params.state === 'profiling') status.profiling(params.target ?? '');
      else if (!commands.isProfiling) status.finished(params.lastRun);
    },
    onRunning: (running) => log.info(running ? 'server running' : 'server not running'),
  });
  const flame = new FlameGraphView(context.extensionUri, log);
  const report = new ReportView();
  const history = new HistoryView();
  const commands = new Commands(context, client, heat, status, log, errors, flame, report, history);
  context.subscriptions.push(
    log,
    heat,
    status,
    python,
    client,
    flame,
    report,
    history,
    callGraphView,
    resourcesView,
    ...commands.register(),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('heatlens.heat') || e.affectsConfiguration('heatlens.heatThreshold')) {
        const s = parseSettings(vscode.workspace.getConfiguration('heatlens'));
        heat.configure(s.client.heatEnabled, s.server.heatThreshold);
      }
    }),
  );
  log.info(`Heatlens ${String(context.extension.packageJSON.version)} activated (workspace ${vscode.workspace.isTrusted ? 'trusted' : 'not trusted'})`);
  // start the daemon now so lenses and saved heat show up (the first start may bootstrap its venv); in
  // Restricted Mode nothing starts: the daemon's commands (e.g. "apply fix and verify") run the code
  if (vscode.workspace.isTrusted) {
    void client.ensureStarted();
  } else {
    log.info('the workspace is not trusted: the server starts once it is');
    const started = client;
    context.subscriptions.push(vscode.workspace.onDidGrantWorkspaceTrust(() => void started.ensureStarted()));
  }
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}
