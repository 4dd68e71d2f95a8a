// Typed settings, parsed once from the `heatlens.*` configuration with a visible fallback for bad values.
// Pure: takes anything with `get(key)` (a vscode.WorkspaceConfiguration in the extension).

export interface ConfigReader {
  get<T>(key: string): T | undefined;
}

/** What the server reads (initializationOptions, and `workspace/didChangeConfiguration` under `heatlens`). */
export interface ServerSettings {
  backend: string;
  python: string;
  timeout: number; // seconds; 0: no limit
  memoryLimitMb: number;
  sampleInterval: number; // seconds between samples
  memory: string; // off | sampled | full
  exceptions: boolean; // count caught exceptions on Python < 3.12 too (slows calls)
  children: boolean; // profile the target's Python child processes too
  heatThreshold: number;
  hintThreshold: number;
  userCode: string[];
  envAllow: string[]; // names/globs of the daemon's environment the profiled program gets ([]: all)
  storePath: string;
  diagnostics: { warningShare: number; infoShare: number };
  clientCommands: boolean;
}

/** What only the client uses. */
export interface ClientSettings {
  pythonOverride: string; // heatlens.python; "" = Python extension, then PATH
  serverPython: string; // heatlens.serverPython; "" = bootstrap a private venv
  args: string[];
  heatEnabled: boolean;
}

export interface Parsed {
  server: ServerSettings;
  client: ClientSettings;
  problems: string[]; // one line per ignored value, shown once in the log
}

export const DEFAULT_SERVER: ServerSettings = {
  backend: 'auto',
  python: '',
  timeout: 300,
  memoryLimitMb: 0,
  sampleInterval: 0.001,
  memory: 'sampled',
  exceptions: false,
  children: true,
  heatThreshold: 0.01,
  hintThreshold: 0.02,
  userCode: [],
  envAllow: [],
  storePath: '',
  diagnostics: { warningShare: 0.02, infoShare: 0.005 },
  clientCommands: true,
};

const BACKEND_RE = /^[a-z][a-z0-9_-]*$/;
const MEMORY_MODES = ['off', 'sampled', 'full'];

/** Read every setting; a value of the wrong type or out of range falls back to its default. */
export function parseSettings(cfg: ConfigReader, interpreter = ''): Parsed {
  const problems: string[] = [];
  const str = (key: string, def: string): string => {
    const v = cfg.get<unknown>(key);
    if (v === undefined || v === null) return def;
    if (typeof v !== 'string') {
      problems.push(`heatlens.${key} must be a string; using ${JSON.stringify(def)}`);
      return def;
    }
    return v.trim();
  };
  const numIn = (key: string, def: number, min: number, max: number): number => {
    const v = cfg.get<unknown>(key);
    if (v === undefined || v === null) return def;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
      problems.push(`heatlens.${key} must be a number in [${min}, ${max}]; using ${def}`);
      return def;
    }
    return v;
  };
  const strList = (key: string): string[] => {
    const v = cfg.get<unknown>(key);
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) {
      problems.push(`heatlens.${key} must be a list of strings; using []`);
      return [];
    }
    return [...(v as string[])];
  };
  const bool = (key: string, def: boolean): boolean => {
    const v = cfg.get<unknown>(key);
    if (v === undefined || v === null) return def;
    if (typeof v !== 'boolean') {
      problems.push(`heatlens.${key} must be true or false; using ${def}`);
      return def;
    }
    return v;
  };

  let backend = str('backend', DEFAULT_SERVER.backend) || DEFAULT_SERVER.backend;
  if (!BACKEND_RE.test(backend)) {
    problems.push(`heatlens.backend ${JSON.stringify(backend)} is not a backend name; using "auto"`);
    backend = 'auto';
  }
  let memory = str('memory', DEFAULT_SERVER.memory);
  if (!MEMORY_MODES.includes(memory)) {
    problems.push(`heatlens.memory must be one of ${MEMORY_MODES.join(', ')}; using "${DEFAULT_SERVER.memory}"`);
    memory = DEFAULT_SERVER.memory;
  }
  const pythonOverride = str('python', '');
  const server: ServerSettings = {
    backend,
    python: pythonOverride || interpreter,
    timeout: numIn('timeout', DEFAULT_SERVER.timeout, 0, Number.MAX_SAFE_INTEGER),
    memoryLimitMb: numIn('memoryLimitMb', DEFAULT_SERVER.memoryLimitMb, 0, Number.MAX_SAFE_INTEGER),
    sampleInterval: numIn('sampleInterval', DEFAULT_SERVER.sampleInterval, 0.0001, 1),
    memory,
    exceptions: bool('exceptions', DEFAULT_SERVER.exceptions),
    children: bool('children', DEFAULT_SERVER.children),
    heatThreshold: numIn('heatThreshold', DEFAULT_SERVER.heatThreshold, 0, 1),
    hintThreshold: numIn('hintThreshold', DEFAULT_SERVER.hintThreshold, 0, 1),
    userCode: strList('userCode'),
    envAllow: strList('envAllow'),
    storePath: str('storePath', ''),
    diagnostics: {
      warningShare: numIn('diagnostics.warningShare', DEFAULT_SERVER.diagnostics.warningShare, 0, 1),
      infoShare: numIn('diagnostics.infoShare', DEFAULT_SERVER.diagnostics.infoShare, 0, 1),
    },
    clientCommands: true,
  };
  const client: ClientSettings = {
    pythonOverride,
    serverPython: str('serverPython', ''),
    args: strList('args'),
    heatEnabled: bool('heat.enabled', true),
  };
  return { server, client, problems };
}

/**
 * Split a command-line string the way a POSIX shell would for plain words and quotes (no expansion):
 * `a "b c" 'd e' f\ g` -> [a, b c, d e, f g]. Used for the "Profile with…" arguments box.
 */
export function splitArgs(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inWord = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === quote) quote = null;
      else if (c === '\\' && quote === '"' && i + 1 < line.length && '"\\'.includes(line[i + 1])) cur += line[++i];
      else cur += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < line.length) {
      cur += line[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) out.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (quote) throw new Error(`unterminated ${quote} quote`);
  if (inWord) out.push(cur);
  return out;
}

/** The inverse of splitArgs, for prefilling the arguments box. */
export function joinArgs(args: string[]): string {
  return args.map((a) => (a === '' ? "''" : /[\s"'\\]/.test(a) ? `'${a.replace(/'/g, `'"'"'`)}'` : a)).join(' ');
}
