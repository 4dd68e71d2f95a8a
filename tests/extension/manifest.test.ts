import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { BUCKETS } from '../../extension/src/heat';

const root = join(__dirname, '..', '..');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const source = (rel: string) => readFileSync(join(root, 'extension', 'src', rel), 'utf8');

test('every contributed command is registered by the extension, and every registered one is contributed', () => {
  const declared = manifest.contributes.commands.map((c: { command: string }) => c.command).sort();
  const registered = [...source('commands.ts').matchAll(/reg\('(heatlens\.[a-zA-Z]+)'/g)].map((m) => m[1]).sort();
  assert.deepEqual(registered, declared);
  for (const id of ['heatlens.profileFile', 'heatlens.profileWith', 'heatlens.cancel', 'heatlens.clear', 'heatlens.toggleHeat',
    'heatlens.showFlameGraph', 'heatlens.showReport', 'heatlens.restartServer', 'heatlens.showLogs']) {
    assert.ok(declared.includes(id), `${id} missing`);
  }
  for (const c of manifest.contributes.commands) assert.equal(c.category, 'Heatlens', c.command);
});

test('menus and keybindings only name declared commands; Profile this file is in the editor title, explorer and keys', () => {
  const declared = new Set(manifest.contributes.commands.map((c: { command: string }) => c.command));
  const menus = manifest.contributes.menus as Record<string, { command: string }[]>;
  for (const [where, items] of Object.entries(menus)) {
    for (const item of items) assert.ok(declared.has(item.command), `${where}: ${item.command}`);
  }
  assert.ok(menus['editor/title'].some((m) => m.command === 'heatlens.profileFile'));
  assert.ok(menus['explorer/context'].some((m) => m.command === 'heatlens.profileFile'));
  const keys = manifest.contributes.keybindings as { command: string; key: string }[];
  assert.ok(keys.some((k) => k.command === 'heatlens.profileFile' && k.key));
  for (const k of keys) assert.ok(declared.has(k.command), k.command);
  const flame = manifest.contributes.commands.find((c: { command: string }) => c.command === 'heatlens.profileFile');
  assert.equal(flame.icon, '$(flame)');
});

test('workspace trust: limited support, and the interpreter settings are restricted', () => {
  const trust = manifest.capabilities.untrustedWorkspaces;
  assert.equal(trust.supported, 'limited');
  assert.ok(trust.restrictedConfigurations.includes('heatlens.serverPython'));
  assert.ok(trust.restrictedConfigurations.includes('heatlens.python'));
});

test('heat colors: one per level for every theme kind, getting stronger with the level', () => {
  const colors = new Map<string, Record<string, string>>(
    manifest.contributes.colors.map((c: { id: string; defaults: Record<string, string> }) => [c.id, c.defaults]),
  );
  for (const theme of ['light', 'dark', 'highContrast', 'highContrastLight']) {
    let prev = -1;
    for (let b = 1; b <= BUCKETS; b++) {
      const value = colors.get(`heatlens.heat${b}Background`)?.[theme];
      assert.match(value ?? '', /^#[0-9a-f]{8}$/i, `heat${b} ${theme}`);
      const alpha = parseInt((value as string).slice(7), 16);
      assert.ok(alpha > prev, `heat${b} ${theme} alpha ${alpha} <= ${prev}`);
      prev = alpha;
    }
    assert.ok(colors.get('heatlens.staleBackground')?.[theme]);
    assert.ok(colors.get('heatlens.heatOverviewRuler')?.[theme]);
  }
});

test('engines and pinned dependencies: VS Code 1.99 (code-server 4.99), exact versions only', () => {
  assert.equal(manifest.engines.vscode, '^1.99.0');
  for (const deps of [manifest.dependencies, manifest.devDependencies]) {
    for (const [name, version] of Object.entries(deps as Record<string, string>)) {
      assert.match(version, /^\d+\.\d+\.\d+$/, `${name} is not pinned: ${version}`);
    }
  }
  assert.equal(manifest.devDependencies['@types/vscode'], '1.99.0');
});
