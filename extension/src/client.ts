// The language client: starts the daemon (`python -m heatlens serve` over stdio) in its own environment,
// passes settings, and routes the custom notifications. Errors reach the user once, never as a storm.
import * as vscode from 'vscode';
import {
  CloseAction,
  CloseHandlerResult,
  DidChangeConfigurationNotification,
  ErrorAction,
  ErrorHandlerResult,
  LanguageClient,
  LanguageClientOptions,
  RevealOutputChannelOn,
  ServerOptions,
  State,
} from 'vscode-languageclient/node';
import { BootstrapError, checkServer, resolveServer } from './bootstrap';
import {
  HEAT_DELTAS_CAPABILITY,
  HeatDeltaNotification,
  HeatDeltaParams,
  HeatNotification,
  HeatParams,
  parseHeat,
  parseHeatDelta,
  StateNotification,
  StateParams,
} from './protocol';
import { PythonInterpreter } from './python';
import { parseSettings, Parsed } from './settings';

export interface ClientEvents {
  onHeat(params: HeatParams): void;
  onHeatDelta(params: HeatDeltaParams): void;
  onState(params: StateParams): void;
  onRunning(running: boolean): void;
}

/** Shows each distinct error once per session, with actions that lead somewhere. */
export class ErrorOnce {
  private readonly shown = new Set<string>();
  constructor(private readonly log: vscode.LogOutputChannel) {}

  show(key: string, message: string, actions: Record<string, () => unknown> = {}): void {
    this.log.error(message);
    if (this.shown.has(key)) return;
    this.shown.add(key);
    const all: Record<string, () => unknown> = { ...actions, 'Show logs': () => this.log.show() };
    void vscode.window.showErrorMessage(`Heatlens: ${message}`, ...Object.keys(all)).then((pick) => pick && all[pick]());
  }

  reset(key: string): void {
    this.shown.delete(key);
  }
}

export class HeatlensClient implements vscode.Disposable {
  private client: LanguageClient | undefined;
  private starting: Promise<LanguageClient | undefined> | undefined;
  private settings: Parsed;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly log: vscode.LogOutputChannel,
    private readonly python: PythonInterpreter,
    private readonly errors: ErrorOnce,
    private readonly events: ClientEvents,
  ) {
    this.settings = parseSettings(vscode.workspace.getConfiguration('heatlens'));
    this.subscriptions.push(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('heatlens.serverPython')) void this.restart();
        else if (e.affectsConfiguration('heatlens')) void this.pushSettings();
      }),
      python.onDidChange(() => void this.pushSettings()),
    );
  }

  get current(): Parsed {
    return this.settings;
  }

  /** The running client, starting (and bootstrapping) it on first use; undefined if it cannot start. */
  ensureStarted(): Promise<LanguageClient | undefined> {
    if (!vscode.workspace.isTrusted) return Promise.resolve(undefined);
    if (this.client && this.client.state === State.Running) return Promise.resolve(this.client);
    if (!this.starting) {
      this.starting = this.start().finally(() => (this.starting = undefined));
    }
    return this.starting;
  }

  async restart(): Promise<void> {
    await this.stop();
    this.errors.reset('start');
    await this.ensureStarted();
  }

  async stop(): Promise<void> {
    const c = this.client;
    this.client = undefined;
    if (c) {
      try {
        await c.stop(5000);
      } catch (err) {
        this.log.warn(`stopping the server: ${String(err)}`);
      }
    }
  }

  private async computeSettings(): Promise<Parsed> {
    const cfg = vscode.workspace.getConfiguration('heatlens');
    const raw = parseSettings(cfg);
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const interp = await this.python.resolve(raw.client.pythonOverride, folder);
    const parsed = parseSettings(cfg, interp.path);
    parsed.problems.forEach((p) => this.log.warn(p));
    this.log.info(`target interpreter: ${interp.path || '(the server’s own)'} [${interp.source}]`);
    this.settings = parsed;
    return parsed;
  }

  private async pushSettings(): Promise<void> {
    const settings = await this.computeSettings();
    if (this.client?.state === State.Running) {
      await this.client.sendNotification(DidChangeConfigurationNotification.type, { settings: { heatlens: settings.server } });
    }
  }

  private async start(): Promise<LanguageClient | undefined> {
    const settings = await this.computeSettings();
    let server;
    try {
      server = await resolveServer({
        serverPython: settings.client.serverPython,
        basePython: settings.server.python,
        extensionPath: this.context.extensionPath,
        storageDir: this.context.globalStorageUri.fsPath,
        log: this.log,
      });
    } catch (err) {
      const remedy = err instanceof BootstrapError ? ` ${err.remedy}` : '';
      this.errors.show('start', `cannot start the server: ${err instanceof Error ? err.message : String(err)}.${remedy}`, {
        'Open Settings': () => vscode.commands.executeCommand('workbench.action.openSettings', 'heatlens.serverPython'),
      });
      return undefined;
    }
    const problem = await checkServer(server.python, this.log);
    if (problem) {
      this.errors.show('start', problem, {
        'Open Settings': () => vscode.commands.executeCommand('workbench.action.openSettings', 'heatlens.serverPython'),
      });
      return undefined;
    }
    this.log.info(`starting server: ${server.python} ${server.args.join(' ')}`);
    const serverOptions: ServerOptions = {
      command: server.python,
      args: server.args,
      options: { env: { ...process.env, PYTHONUNBUFFERED: '1' } },
    };
    let restarts: number[] = [];
    const clientOptions: LanguageClientOptions = {
      documentSelector: [{ scheme: 'file', language: 'python' }],
      outputChannel: this.log,
      traceOutputChannel: this.log,
      revealOutputChannelOn: RevealOutputChannelOn.Never,
      initializationOptions: settings.server,
      initializationFailedHandler: (error) => {
        // vscode-languageclient shows its own message for this; log only, so it surfaces once
        this.log.error(`the server failed to initialize: ${String(error?.message ?? error)}`);
        return false;
      },
      errorHandler: {
        error: (): ErrorHandlerResult => ({ action: ErrorAction.Continue, handled: true }),
        closed: (): CloseHandlerResult => {
          const now = Date.now();
          restarts = [...restarts.filter((t) => now - t < 180_000), now];
          if (restarts.length <= 3) {
            this.log.warn('the server stopped; restarting it');
            return { action: CloseAction.Restart, handled: true };
          }
          this.errors.show('crash', 'the server stopped 4 times in 3 minutes and was not restarted.', {
            'Restart server': () => this.restart(),
          });
          return { action: CloseAction.DoNotRestart, handled: true };
        },
      },
    };
    const client = new LanguageClient('heatlens', 'Heatlens', serverOptions, clientOptions);
    client.onNotification(HeatNotification, (raw) => {
      const params = parseHeat(raw);
      if (params) this.events.onHeat(params);
      else this.log.warn(`ignored a malformed heatlens/heat: ${JSON.stringify(raw).slice(0, 200)}`);
    });
    client.onNotification(HeatDeltaNotification, (raw) => {
      const params = parseHeatDelta(raw);
      if (params) this.events.onHeatDelta(params);
      else this.log.warn(`ignored a malformed heatlens/heatDelta: ${JSON.stringify(raw).slice(0, 200)}`);
    });
    // ask for heat deltas after edits instead of the whole file's heat on every keystroke
    client.registerFeature({
      fillClientCapabilities: (caps) => {
        caps.experimental = { ...(caps.experimental ?? {}), [HEAT_DELTAS_CAPABILITY]: true };
      },
      getState: () => ({ kind: 'static' }),
      initialize: () => undefined,
      clear: () => undefined,
    });
    client.onNotification(StateNotification, (params) => this.events.onState(params));
    client.onDidChangeState((e) => this.events.onRunning(e.newState === State.Running));
    try {
      await client.start();
    } catch (err) {
      // vscode-languageclient has already shown "couldn't create connection to server" with the output
      this.log.error(`the server did not start: ${String(err instanceof Error ? err.message : err)}`);
      try {
        await client.dispose(2000);
      } catch {
        // already stopped
      }
      return undefined;
    }
    this.client = client;
    return client;
  }

  dispose(): void {
    this.subscriptions.forEach((d) => d.dispose());
    void this.stop();
  }
}
