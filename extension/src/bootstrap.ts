// The daemon's own environment. `heatlens.serverPython` wins; otherwise a private venv in the extension's
// global storage, created with the user's Python and filled from the heatlens wheel the .vsix ships (its
// dependencies come from the package index). Built in a temporary folder and renamed into place, so a
// half-made venv is never used and two windows bootstrapping at once do not break each other.
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';

export class BootstrapError extends Error {
  constructor(
    message: string,
    readonly remedy: string,
  ) {
    super(message);
  }
}

export function venvPython(venvDir: string, platform = process.platform): string {
  return platform === 'win32' ? path.join(venvDir, 'Scripts', 'python.exe') : path.join(venvDir, 'bin', 'python');
}

/** The wheel shipped in the extension (out/wheels/heatlens-*.whl), newest version first. */
export function findWheel(extensionPath: string): string | undefined {
  const dir = path.join(extensionPath, 'out', 'wheels');
  let names: string[];
  try {
    names = fs.readdirSync(dir).filter((n) => /^heatlens-.*\.whl$/.test(n));
  } catch {
    return undefined;
  }
  names.sort((a, b) => b.localeCompare(a, undefined, { numeric: true }));
  return names.length ? path.join(dir, names[0]) : undefined;
}

/** What the venv was built from; a different wheel or base interpreter means rebuild. */
export function stampOf(wheel: string, basePython: string): string {
  return JSON.stringify({ wheel: path.basename(wheel), base: basePython });
}

function run(cmd: string, args: string[], log: vscode.LogOutputChannel, timeoutMs: number): Promise<string> {
  log.info(`$ ${[cmd, ...args].join(' ')}`);
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024, env: { ...process.env, PIP_NO_INPUT: '1' } }, (err, stdout, stderr) => {
      if (stdout.trim()) log.info(stdout.trim());
      if (stderr.trim()) {
        if (err) log.error(stderr.trim());
        else log.info(stderr.trim());
      }
      if (err) reject(Object.assign(err, { stderr }));
      else resolve(stdout);
    });
  });
}

function tail(text: string, lines = 3): string {
  return text.trim().split('\n').slice(-lines).join(' ').slice(0, 400);
}

export interface ServerCommand {
  python: string;
  args: string[];
}

/** The interpreter + argv that start the daemon, bootstrapping the private venv if needed. */
export async function resolveServer(opts: {
  serverPython: string;
  basePython: string;
  extensionPath: string;
  storageDir: string;
  log: vscode.LogOutputChannel;
}): Promise<ServerCommand> {
  const args = ['-m', 'heatlens', 'serve'];
  if (opts.serverPython) return { python: opts.serverPython, args };

  const wheel = findWheel(opts.extensionPath);
  if (!wheel) {
    throw new BootstrapError(
      'this build of the extension ships no heatlens wheel',
      'Set "heatlens.serverPython" to a Python that has heatlens installed (pip install heatlens).',
    );
  }
  if (!opts.basePython) {
    throw new BootstrapError(
      'no Python interpreter was found to create the Heatlens server environment',
      'Install Python 3.10 or newer (with venv), select it in the Python extension or set "heatlens.python", then run "Heatlens: Restart server".',
    );
  }
  const venv = path.join(opts.storageDir, 'server-venv');
  const stampFile = path.join(venv, 'heatlens-stamp.json');
  const stamp = stampOf(wheel, opts.basePython);
  const ready = (): boolean => {
    try {
      return fs.readFileSync(stampFile, 'utf8') === stamp && fs.existsSync(venvPython(venv));
    } catch {
      return false;
    }
  };
  if (ready()) return { python: venvPython(venv), args };

  await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'Heatlens: setting up the server environment', cancellable: false },
    async (progress) => {
      fs.mkdirSync(opts.storageDir, { recursive: true });
      const tmp = fs.mkdtempSync(path.join(opts.storageDir, 'server-venv.tmp-'));
      try {
        progress.report({ message: 'creating a virtual environment' });
        try {
          const version = await run(opts.basePython, ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'], opts.log, 60_000);
          const [maj, min] = version.trim().split('.').map(Number);
          if (maj < 3 || (maj === 3 && min < 10)) {  // the daemon's deps (msgpack, cattrs) need 3.10
            throw new BootstrapError(
              `${opts.basePython} is Python ${version.trim()}; the Heatlens server needs 3.10 or newer (the profiled program may use 3.9)`,
              'Select a newer interpreter in the Python extension or set "heatlens.python", then run "Heatlens: Restart server".',
            );
          }
          await run(opts.basePython, ['-m', 'venv', tmp], opts.log, 180_000);
        } catch (err) {
          if (err instanceof BootstrapError) throw err;
          throw new BootstrapError(
            `could not create a virtual environment with ${opts.basePython}: ${tail(String((err as { stderr?: string }).stderr || err))}`,
            'Install the venv module (on Debian/Ubuntu: sudo apt install python3-venv) or set "heatlens.serverPython" to a Python that has heatlens installed.',
          );
        }
        progress.report({ message: 'installing heatlens and its dependencies' });
        try {
          await run(venvPython(tmp), ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-input', wheel], opts.log, 600_000);
        } catch (err) {
          throw new BootstrapError(
            `pip could not install heatlens into its environment: ${tail(String((err as { stderr?: string }).stderr || err))}`,
            'Check the network access to the package index (pip configuration, proxy), then run "Heatlens: Restart server"; or set "heatlens.serverPython" to a Python that has heatlens installed.',
          );
        }
        fs.writeFileSync(path.join(tmp, 'heatlens-stamp.json'), stamp);
        // swap into place; a renamed venv works because the daemon is started as `python -m heatlens`
        // (only console-script shebangs hold the old path)
        fs.rmSync(venv, { recursive: true, force: true });
        fs.renameSync(tmp, venv);
      } finally {
        fs.rmSync(tmp, { recursive: true, force: true });
      }
    },
  );
  if (!ready()) {
    throw new BootstrapError('the server environment was not created', 'Run "Heatlens: Show logs" for details.');
  }
  return { python: venvPython(venv), args };
}

/** Why `python -m heatlens` cannot run (a message with the remedy), or "" when it can. */
export async function checkServer(python: string, log: vscode.LogOutputChannel): Promise<string> {
  try {
    const out = await run(python, ['-m', 'heatlens', '--version'], log, 60_000);
    log.info(`server: ${out.trim()}`);
    return '';
  } catch (err) {
    const e = err as { code?: unknown; stderr?: string };
    if (e.code === 'ENOENT') {
      return `the server interpreter ${python} does not exist. Fix "heatlens.serverPython" (or clear it to let Heatlens set up its own environment).`;
    }
    return (
      `${python} cannot run the Heatlens server (${tail(String(e.stderr || err), 2)}). ` +
      `Install it there (${python} -m pip install heatlens), or clear "heatlens.serverPython" to let Heatlens set up its own environment.`
    );
  }
}
