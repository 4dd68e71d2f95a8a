// Build the extension bundle (and the unit-test bundle, and the daemon wheel the .vsix ships).
//   node esbuild.mjs [--production] [--watch]   bundle extension/src/extension.ts -> out/extension.js
//   node esbuild.mjs --tests                      bundle tests/extension/*.test.ts -> out/tests/
//   node esbuild.mjs --wheel                      build the heatlens wheel into out/wheels/
import * as esbuild from 'esbuild';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(fileURLToPath(import.meta.url));
const args = new Set(process.argv.slice(2));
const production = args.has('--production');

if (args.has('--wheel')) {
  // the daemon's own code: the extension pip-installs it into a private venv on first use
  const venvPython = join(root, '.venv', process.platform === 'win32' ? 'Scripts/python.exe' : 'bin/python');
  const python = process.env.HEATLENS_BUILD_PYTHON || (existsSync(venvPython) ? venvPython : 'python3');
  const outDir = join(root, 'out', 'wheels');
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  // an isolated build: pip installs [build-system].requires (setuptools >= 77 reads `license = "MIT"`),
  // whatever setuptools the chosen interpreter happens to have
  execFileSync(python, ['-m', 'pip', 'wheel', '--no-deps', '--disable-pip-version-check',
    '-q', '-w', outDir, root], { stdio: 'inherit', cwd: root });
  console.log('wheel:', readdirSync(outDir).join(', '));
} else if (args.has('--tests')) {
  const dir = join(root, 'tests', 'extension');
  await esbuild.build({
    entryPoints: readdirSync(dir).filter((f) => f.endsWith('.test.ts')).map((f) => join(dir, f)),
    outdir: join(root, 'out', 'tests'),
    bundle: true, platform: 'node', format: 'cjs', target: 'node20', sourcemap: 'inline',
    external: ['vscode'], logLevel: 'warning',
  });
} else {
  const options = {
    entryPoints: [join(root, 'extension', 'src', 'extension.ts')],
    outfile: join(root, 'out', 'extension.js'),
    bundle: true, platform: 'node', format: 'cjs', target: 'node20',
    external: ['vscode'], minify: production, sourcemap: !production, logLevel: 'warning',
  };
  // speedscope's prebuilt viewer is shipped as-is and loaded into the flame-graph webview
  cpSync(join(root, 'node_modules', 'speedscope', 'dist', 'release'), join(root, 'out', 'speedscope'),
    { recursive: true, filter: (src) => !/\.(txt|map)$/.test(src) || src.endsWith('release.txt') });
  cpSync(join(root, 'node_modules', 'speedscope', 'LICENSE'), join(root, 'out', 'speedscope', 'LICENSE'));
  // Graphviz (wasm) is bundled into extension.js: its licence ships beside it
  cpSync(join(root, 'node_modules', '@hpcc-js', 'wasm-graphviz', 'LICENSE'), join(root, 'out', 'LICENSE.wasm-graphviz'));
  if (args.has('--watch')) {
    await (await esbuild.context(options)).watch();
  } else {
    await esbuild.build(options);
  }
}
