import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigReader, DEFAULT_SERVER, joinArgs, parseSettings, splitArgs } from '../../extension/src/settings';

const reader = (values: Record<string, unknown>): ConfigReader => ({
  get: <T>(key: string) => values[key] as T | undefined,
});

test('defaults when nothing is set; the interpreter found by the client becomes `python`', () => {
  const p = parseSettings(reader({}), '/usr/bin/python3');
  assert.deepEqual(p.server, { ...DEFAULT_SERVER, python: '/usr/bin/python3' });
  assert.deepEqual(p.client, { pythonOverride: '', serverPython: '', args: [], heatEnabled: true });
  assert.deepEqual(p.problems, []);
  assert.equal(p.server.clientCommands, true, 'the extension implements heatlens.profileFile itself');
});

test('timeout 0 means no limit and is kept; the sampling interval is read within its range', () => {
  const p = parseSettings(reader({ timeout: 0, sampleInterval: 0.005 }));
  assert.equal(p.server.timeout, 0);
  assert.equal(p.server.sampleInterval, 0.005);
  assert.deepEqual(p.problems, []);
  const bad = parseSettings(reader({ sampleInterval: 5 }));
  assert.equal(bad.server.sampleInterval, DEFAULT_SERVER.sampleInterval);
  assert.ok(bad.problems.some((l) => l.startsWith('heatlens.sampleInterval')));
});

test('heatlens.python overrides the detected interpreter', () => {
  const p = parseSettings(reader({ python: ' /opt/py/bin/python ' }), '/usr/bin/python3');
  assert.equal(p.server.python, '/opt/py/bin/python');
  assert.equal(p.client.pythonOverride, '/opt/py/bin/python');
});

test('valid values pass through', () => {
  const p = parseSettings(
    reader({
      backend: 'scalene', timeout: 30, memoryLimitMb: 512, heatThreshold: 0.05, hintThreshold: 0.1,
      userCode: ['lib/**'], storePath: '/tmp/h.db', 'diagnostics.warningShare': 0.1, 'diagnostics.infoShare': 0.01,
      serverPython: '/srv/venv/bin/python', args: ['--n', '3'], 'heat.enabled': false, memory: 'full', exceptions: true, children: false,
    }),
  );
  assert.equal(p.server.backend, 'scalene');
  assert.equal(p.server.timeout, 30);
  assert.equal(p.server.memoryLimitMb, 512);
  assert.equal(p.server.memory, 'full');
  assert.equal(p.server.exceptions, true);
  assert.equal(p.server.children, false);
  assert.equal(p.server.heatThreshold, 0.05);
  assert.deepEqual(p.server.userCode, ['lib/**']);
  assert.deepEqual(p.server.diagnostics, { warningShare: 0.1, infoShare: 0.01 });
  assert.deepEqual(p.client, { pythonOverride: '', serverPython: '/srv/venv/bin/python', args: ['--n', '3'], heatEnabled: false });
  assert.deepEqual(p.problems, []);
});

test('bad values fall back to defaults, each with one visible problem line', () => {
  const p = parseSettings(
    reader({ backend: 'rm -rf /', timeout: -5, heatThreshold: 2, userCode: 'x', 'heat.enabled': 'yes', python: 42, memory: 'all' }),
  );
  assert.equal(p.server.backend, 'auto');
  assert.equal(p.server.timeout, DEFAULT_SERVER.timeout);
  assert.equal(p.server.heatThreshold, DEFAULT_SERVER.heatThreshold);
  assert.deepEqual(p.server.userCode, []);
  assert.equal(p.client.heatEnabled, true);
  assert.equal(p.server.python, '');
  assert.equal(p.server.memory, 'sampled');
  assert.equal(p.problems.length, 7, p.problems.join('\n'));
  assert.ok(p.problems.some((l) => l.startsWith('heatlens.timeout')));
});

test('every setting the client reads is declared in package.json, and every declared one is read', () => {
  const read = new Set<string>();
  parseSettings({ get: <T>(key: string) => (read.add(key), undefined as T | undefined) });
  const manifest = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8'));
  const declared = Object.keys(manifest.contributes.configuration.properties).map((k) => k.replace(/^heatlens\./, ''));
  for (const k of read) assert.ok(declared.includes(k), `heatlens.${k} is read but not declared`);
  // trace.server is read by vscode-languageclient itself
  for (const k of declared.filter((k) => k !== 'trace.server')) assert.ok(read.has(k), `heatlens.${k} is declared but never read`);
  // defaults in the manifest agree with the parser's
  const props = manifest.contributes.configuration.properties;
  assert.equal(props['heatlens.timeout'].default, DEFAULT_SERVER.timeout);
  assert.equal(props['heatlens.heatThreshold'].default, DEFAULT_SERVER.heatThreshold);
  assert.equal(props['heatlens.hintThreshold'].default, DEFAULT_SERVER.hintThreshold);
  assert.equal(props['heatlens.backend'].default, DEFAULT_SERVER.backend);
  assert.equal(props['heatlens.memory'].default, DEFAULT_SERVER.memory);
  assert.deepEqual(props['heatlens.memory'].enum, ['off', 'sampled', 'full']);
  assert.equal(props['heatlens.exceptions'].default, DEFAULT_SERVER.exceptions);
  assert.equal(props['heatlens.children'].default, DEFAULT_SERVER.children);
});

test('splitArgs handles quotes and escapes without expanding anything', () => {
  assert.deepEqual(splitArgs(''), []);
  assert.deepEqual(splitArgs('  a  b '), ['a', 'b']);
  assert.deepEqual(splitArgs(`--name "two words" 'single $HOME' x\\ y ""`), ['--name', 'two words', 'single $HOME', 'x y', '']);
  assert.deepEqual(splitArgs('"a\\"b"'), ['a"b']);
  assert.throws(() => splitArgs('"open'), /unterminated/);
});

test('joinArgs round-trips through splitArgs', () => {
  for (const args of [[], ['a'], ['two words', "it's", '', 'back\\slash', '"q"', '--x=1']]) {
    assert.deepEqual(splitArgs(joinArgs(args)), args);
  }
});
