// The interpreter that runs the user's program: `heatlens.python` → the Python extension's selected
// environment (followed as it changes) → python3/python on PATH. The Python extension is optional.
import { PythonExtension } from '@vscode/python-extension';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';

export interface Interpreter {
  path: string; // "" when none was found
  source: 'setting' | 'python-extension' | 'PATH' | 'none';
}

/** First `names` executable found on `PATH` (pure apart from the file-system check). */
export function findOnPath(names: string[], envPath = process.env.PATH ?? '', isFile = isExecutable): string {
  const exts = process.platform === 'win32' ? ['.exe', ''] : [''];
  for (const dir of envPath.split(path.delimiter)) {
    if (!dir) continue;
    for (const name of names) {
      for (const ext of exts) {
        const candidate = path.join(dir, name + ext);
        if (isFile(candidate)) return candidate;
      }
    }
  }
  return '';
}

function isExecutable(p: string): boolean {
  try {
    fs.accessSync(p, fs.constants.X_OK);
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

export class PythonInterpreter implements vscode.Disposable {
  private api: PythonExtension | undefined;
  private readonly changed = new vscode.EventEmitter<void>();
  private readonly subscriptions: vscode.Disposable[] = [this.changed];
  private debounce: NodeJS.Timeout | undefined;
  /** Fires (debounced) when the Python extension's selected interpreter changes. */
  readonly onDidChange = this.changed.event;

  constructor(private readonly log: vscode.LogOutputChannel) {}

  /** Connect to the Python extension if it is installed; its absence is normal (e.g. code-server). */
  async init(): Promise<void> {
    if (!vscode.extensions.getExtension('ms-python.python')) {
      this.log.info('Python extension not installed: using heatlens.python or python3 on PATH');
      return;
    }
    try {
      this.api = await PythonExtension.api();
      this.subscriptions.push(
        this.api.environments.onDidChangeActiveEnvironmentPath(() => {
          if (this.debounce) clearTimeout(this.debounce);
          this.debounce = setTimeout(() => this.changed.fire(), 500);
        }),
      );
    } catch (err) {
      this.log.warn(`Python extension API unavailable (${String(err)}): using heatlens.python or PATH`);
    }
  }

  /** The interpreter for `resource` (its workspace folder decides in multi-root workspaces). */
  async resolve(override: string, resource?: vscode.Uri): Promise<Interpreter> {
    if (override) return { path: override, source: 'setting' };
    if (this.api) {
      try {
        const env = this.api.environments.getActiveEnvironmentPath(resource);
        const resolved = await this.api.environments.resolveEnvironment(env);
        const exe = resolved?.executable.uri?.fsPath;
        if (exe) return { path: exe, source: 'python-extension' };
      } catch (err) {
        this.log.warn(`could not resolve the selected Python environment: ${String(err)}`);
      }
    }
    const onPath = findOnPath(process.platform === 'win32' ? ['python', 'py'] : ['python3', 'python']);
    return onPath ? { path: onPath, source: 'PATH' } : { path: '', source: 'none' };
  }

  dispose(): void {
    if (this.debounce) clearTimeout(this.debounce);
    this.subscriptions.forEach((d) => d.dispose());
  }
}
