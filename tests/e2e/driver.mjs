// End-to-end driver: a real VS Code (code-server from npm) with the packaged .vsix installed into a fresh
// profile, driven by Debian's headless Chromium through playwright-core. See docs in E2E notes:
// fresh HOME/TMPDIR/XDG dirs per run, one code-server start per scenario set, every wait bounded.
//
//   node tests/e2e/driver.mjs --vsix heatlens.vsix --artifacts e2e-artifacts/main \
//        --scenario main --server-python .venv/bin/python
//   node tests/e2e/driver.mjs --vsix heatlens.vsix --artifacts e2e-artifacts/bootstrap \
//        --scenario bootstrap --base-python .venv/bin/python
//
// Writes <artifacts>/result.json: {ok, checks: {name: {ok, detail}}, screenshots, logs, seconds}.
import { chromium } from 'playwright-core';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { scenarioBootstrap, scenarioMain, scenarioUntrusted } from './scenarios.mjs';
import { scenarioViews } from './scenarios_views.mjs';
import { scenarioCells } from './scenarios_cells.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..', '..');

function parseArgs(argv) {
  const o = { scenario: 'main', timeout: 170, vsix: path.join(repo, 'heatlens.vsix'), artifacts: path.join(repo, 'e2e-artifacts') };
  for (let i = 0; i < argv.length; i += 2) {
    const k = argv[i].replace(/^--/, '').replace(/-(\w)/g, (_, c) => c.toUpperCase());
    o[k] = argv[i + 1];
  }
  o.timeout = Number(o.timeout);
  o.codeServer ||= process.env.HEATLENS_CODE_SERVER || path.join(repo, '.e2e', 'code-server', 'node_modules', '.bin', 'code-server');
  o.chromium ||= process.env.HEATLENS_CHROMIUM || '/usr/bin/chromium';
  return o;
}

const opts = parseArgs(process.argv.slice(2));
const t0 = Date.now();
const artifacts = path.resolve(opts.artifacts);
fs.rmSync(artifacts, { recursive: true, force: true });
fs.mkdirSync(artifacts, { recursive: true });
const driverLog = fs.createWriteStream(path.join(artifacts, 'driver.log'));
export const log = (...a) => {
  const line = `[${((Date.now() - t0) / 1000).toFixed(1)}s] ${a.join(' ')}`;
  console.log(line);
  driverLog.write(line + '\n');
};

let csPid = 0; // code-server's process group, killed on every way out
const result = { ok: false, scenario: opts.scenario, checks: {}, screenshots: [], logs: [], errors: [], seconds: 0 };
let shotNo = 0;

/** Context handed to scenarios: checks, screenshots, paths. */
export function makeContext(page, run) {
  return {
    page,
    run,
    log,
    async shot(name) {
      await page.waitForTimeout(800); // let toasts and hovers finish fading in
      const file = path.join(artifacts, `${String(++shotNo).padStart(2, '0')}-${name}.png`);
      await page.screenshot({ path: file }).catch((e) => log('screenshot failed:', e.message));
      result.screenshots.push(file);
      log('screenshot', file);
      return file;
    },
    /** Record a check; a failed one throws so the scenario stops (later scenarios still run). */
    async check(name, fn) {
      const started = Date.now();
      try {
        const detail = await fn();
        result.checks[name] = { ok: true, detail: detail ?? '', ms: Date.now() - started };
        log(`PASS ${name}${detail ? ': ' + String(detail).slice(0, 300) : ''}`);
        return detail;
      } catch (err) {
        result.checks[name] = { ok: false, detail: String(err && err.message ? err.message : err).slice(0, 2000), ms: Date.now() - started };
        log(`FAIL ${name}: ${result.checks[name].detail}`);
        throw err;
      }
    },
  };
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

/** A fresh run folder: HOME, TMPDIR, XDG dirs, user data, extensions, and copies of the workspace. */
function makeRun() {
  // short path: VS Code puts unix sockets into TMPDIR (108-byte limit)
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hl-e2e-'));
  const run = {
    dir,
    home: path.join(dir, 'home'),
    tmp: path.join(dir, 'tmp'),
    xdg: path.join(dir, 'xdg'),
    userData: path.join(dir, 'user'),
    extensions: path.join(dir, 'ext'),
    chrome: path.join(dir, 'chrome'),
    trusted: path.join(dir, 'ws-trusted'),
    untrusted: path.join(dir, 'ws-untrusted'),
  };
  for (const d of [run.home, run.tmp, run.xdg, path.join(run.userData, 'User'), run.extensions, run.chrome]) fs.mkdirSync(d, { recursive: true });
  for (const ws of [run.trusted, run.untrusted]) fs.cpSync(path.join(here, 'workspace'), ws, { recursive: true });
  return run;
}

function childEnv(run) {
  const env = { ...process.env, HOME: run.home, TMPDIR: run.tmp, XDG_CONFIG_HOME: run.xdg, XDG_DATA_HOME: run.xdg, XDG_CACHE_HOME: run.xdg };
  // a user's editor does not inherit the repo's virtual environment
  delete env.VIRTUAL_ENV;
  delete env.PYTHONPATH;
  delete env.PYTHONHOME;
  env.PATH = (env.PATH || '').split(path.delimiter).filter((p) => !p.includes(`${path.sep}.venv${path.sep}`)).join(path.delimiter);
  return env;
}

function userSettings(extra) {
  return {
    'workbench.startupEditor': 'none',
    'telemetry.telemetryLevel': 'off',
    'update.mode': 'none',
    'extensions.autoUpdate': false,
    'extensions.autoCheckUpdates': false,
    'workbench.enableExperiments': false,
    'workbench.tips.enabled': false,
    'editor.codeLens': true,
    'editor.hover.delay': 300,
    'window.commandCenter': false,
    'workbench.colorTheme': 'Default Light Modern',
    'security.workspace.trust.enabled': true,
    'security.workspace.trust.startupPrompt': 'always',
    'security.workspace.trust.untrustedFiles': 'open',
    'git.enabled': false,
    ...extra,
  };
}

async function waitHealthy(port, ms) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    try {
      const r = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (r.ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`code-server did not answer /healthz within ${ms} ms`);
}

/**
 * Every process whose command line mentions `needle` (for "no process left" checks). A path also matches
 * a process that names only its file name but runs in its folder (targets may be started as `x.py`).
 */
export function processesWith(needle) {
  const out = spawnSync('ps', ['-ww', '-eo', 'pid=,args='], { encoding: 'utf8' }).stdout || '';
  const base = path.basename(needle);
  const dir = path.dirname(needle);
  return out
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.includes('ps -ww -eo'))
    .filter((l) => {
      if (l.includes(needle)) return true;
      if (!path.isAbsolute(needle) || !l.includes(base)) return false;
      try {
        return fs.readlinkSync(`/proc/${l.split(/\s+/)[0]}/cwd`) === dir;
      } catch {
        return false;
      }
    });
}

/** Files under `dir` (recursively) whose path matches `re`. */
function findFiles(dir, re) {
  const out = [];
  const walk = (d) => {
    let entries;
    try {
      entries = fs.readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (re.test(p)) out.push(p);
    }
  };
  walk(dir);
  return out;
}

function collectLogs(run) {
  const found = findFiles(path.join(run.userData, 'logs'), /\.log$/);
  const keep = found.filter((p) => /exthost|Heatlens|heatlens|remoteagent|sharedprocess/i.test(p));
  for (const p of keep) {
    const rel = path.relative(path.join(run.userData, 'logs'), p).replace(/[\\/]/g, '__');
    const dest = path.join(artifacts, 'logs', rel);
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    fs.copyFileSync(p, dest);
    result.logs.push(dest);
  }
  const cs = path.join(run.dir, 'code-server.log');
  if (fs.existsSync(cs)) {
    fs.copyFileSync(cs, path.join(artifacts, 'code-server.log'));
    result.logs.push(path.join(artifacts, 'code-server.log'));
  }
}

/** The Heatlens LogOutputChannel file(s) of this run, concatenated (the scenarios read it). */
export function heatlensLog(run) {
  return findFiles(path.join(run.userData, 'logs'), /Heatlens\.log$/)
    .map((p) => fs.readFileSync(p, 'utf8'))
    .join('\n');
}

async function main() {
  const run = makeRun();
  log('run folder', run.dir);
  const env = childEnv(run);
  const extra = {};
  if (opts.serverPython) extra['heatlens.serverPython'] = path.resolve(opts.serverPython);
  if (opts.basePython) extra['heatlens.python'] = path.resolve(opts.basePython);
  fs.writeFileSync(path.join(run.userData, 'User', 'settings.json'), JSON.stringify(userSettings(extra), null, 2));

  const common = ['--user-data-dir', run.userData, '--extensions-dir', run.extensions];
  const inst = spawnSync(opts.codeServer, [...common, '--install-extension', path.resolve(opts.vsix)], { env, encoding: 'utf8', timeout: 120_000 });
  log('install-extension:', (inst.stdout + inst.stderr).trim().split('\n').slice(-2).join(' | '));
  if (inst.status !== 0) throw new Error(`installing the vsix failed: ${inst.stderr || inst.error}`);

  const port = await freePort();
  const csLog = fs.openSync(path.join(run.dir, 'code-server.log'), 'w');
  // its own process group (detached = setsid), so the extension host and the language server die with it
  const cs = spawn('timeout', [String(opts.timeout + 60), opts.codeServer, ...common, '--bind-addr', `127.0.0.1:${port}`,
    '--auth', 'none', '--disable-telemetry', '--disable-update-check', '--disable-getting-started-override', '--ignore-last-opened'],
  { env, detached: true, stdio: ['ignore', csLog, csLog] });
  csPid = cs.pid;
  const stopCodeServer = async () => {
    for (const sig of ['SIGTERM', 'SIGKILL']) {
      try {
        process.kill(-cs.pid, sig);
      } catch {
        return;
      }
      await new Promise((r) => setTimeout(r, 1500));
    }
  };
  let ctx;
  try {
    await waitHealthy(port, 30_000);
    log('code-server up on port', port);
    ctx = await chromium.launchPersistentContext(run.chrome, {
      executablePath: opts.chromium,
      headless: true,
      viewport: { width: 1400, height: 900 },
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
    });
    const base = `http://127.0.0.1:${port}`;
    const helpers = { base, heatlensLog: () => heatlensLog(run), processesWith };
    const newPage = async () => {
      const page = await ctx.newPage();
      page.setDefaultTimeout(15_000);
      page.on('pageerror', (e) => log('pageerror:', e.message.slice(0, 200)));
      return page;
    };
    if (opts.scenario === 'main') {
      for (const [name, fn] of [['main', scenarioMain], ['untrusted', scenarioUntrusted]]) {
        const page = await newPage();
        try {
          await fn(makeContext(page, run), helpers);
        } catch (err) {
          result.errors.push(`${name}: ${String(err && err.message ? err.message : err).slice(0, 500)}`);
          await makeContext(page, run).shot(`${name}-failure`);
        }
        await page.close();
      }
    } else if (opts.scenario === 'bootstrap') {
      const page = await newPage();
      try {
        await scenarioBootstrap(makeContext(page, run), helpers);
      } catch (err) {
        result.errors.push(`bootstrap: ${String(err && err.message ? err.message : err).slice(0, 500)}`);
        await makeContext(page, run).shot('bootstrap-failure');
      }
    } else if (opts.scenario === 'views') {
      const page = await newPage();
      try {
        await scenarioViews(makeContext(page, run), helpers);
      } catch (err) {
        result.errors.push(`views: ${String(err && err.message ? err.message : err).slice(0, 500)}`);
        await makeContext(page, run).shot('views-failure');
      }
    } else if (opts.scenario === 'cells') {
      const page = await newPage();
      try {
        await scenarioCells(makeContext(page, run), helpers);
      } catch (err) {
        result.errors.push(`cells: ${String(err && err.message ? err.message : err).slice(0, 500)}`);
        await makeContext(page, run).shot('cells-failure');
      }
    } else {
      throw new Error(`unknown scenario ${opts.scenario}`);
    }
  } finally {
    if (ctx) await ctx.close().catch(() => {});
    await stopCodeServer();
    collectLogs(run);
    const left = processesWith(run.dir);
    if (left.length) {
      result.errors.push(`processes left after stopping code-server: ${left.join(' ; ')}`);
      for (const l of left) {
        try {
          process.kill(Number(l.split(/\s+/)[0]), 'SIGKILL');
        } catch {
          // gone
        }
      }
    }
    fs.rmSync(run.dir, { recursive: true, force: true });
  }
}

const timer = setTimeout(() => {
  result.errors.push(`global timeout of ${opts.timeout} s`);
  finish(3);
}, opts.timeout * 1000);

function finish(code) {
  clearTimeout(timer);
  if (code !== 0 && csPid) {
    try {
      process.kill(-csPid, 'SIGKILL');
    } catch {
      // already stopped
    }
  }
  result.seconds = (Date.now() - t0) / 1000;
  const checks = Object.values(result.checks);
  result.ok = code === 0 && result.errors.length === 0 && checks.length > 0 && checks.every((c) => c.ok);
  fs.writeFileSync(path.join(artifacts, 'result.json'), JSON.stringify(result, null, 2));
  log(result.ok ? 'E2E PASS' : 'E2E FAIL', `(${result.seconds.toFixed(1)} s)`);
  driverLog.end(() => process.exit(result.ok ? 0 : 1));
}

main().then(
  () => finish(0),
  (err) => {
    result.errors.push(String(err && err.stack ? err.stack : err).slice(0, 2000));
    finish(1);
  },
);
