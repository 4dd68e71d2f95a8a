import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { CLIENT_REQUESTS, isFailure, parseHeat, ProfileSummary, SERVER_NOTIFICATIONS } from '../../extension/src/protocol';

const root = join(__dirname, '..', '..');

/** `heatlens/...` methods listed in the docs table that follows `heading`. */
function methodsUnder(doc: string, heading: string): string[] {
  const start = doc.indexOf(heading);
  assert.ok(start >= 0, `docs/protocol.md has no "${heading}" section`);
  const next = doc.indexOf('\n## ', start + heading.length);
  const section = doc.slice(start, next < 0 ? undefined : next);
  return [...section.matchAll(/^\|\s*`(heatlens\/[a-zA-Z]+)`/gm)].map((m) => m[1]);
}

test('the client speaks exactly the custom methods that docs/protocol.md lists', () => {
  const doc = readFileSync(join(root, 'docs', 'protocol.md'), 'utf8');
  assert.deepEqual([...CLIENT_REQUESTS].sort(), methodsUnder(doc, '## Requests').sort());
  assert.deepEqual([...SERVER_NOTIFICATIONS].sort(), methodsUnder(doc, '## Notifications').sort());
});

test('the client matches the server: method names in server/heatlens/lsp/protocol.py', () => {
  let py: string;
  try {
    py = readFileSync(join(root, 'server', 'heatlens', 'lsp', 'protocol.py'), 'utf8');
  } catch {
    return; // server not present in this checkout
  }
  const names = [...py.matchAll(/^[A-Z_]+ = "(heatlens\/[a-zA-Z]+)"/gm)].map((m) => m[1]).sort();
  assert.deepEqual(names, [...CLIENT_REQUESTS, ...SERVER_NOTIFICATIONS].sort());
});

test('parseHeat keeps well-formed lines and clamps or drops the rest', () => {
  const p = parseHeat({
    uri: 'file:///w/a.py',
    version: 3,
    lines: [
      { line: 4, cpuShare: 0.5, memMb: 2, stale: false },
      { line: 5, cpuShare: 1.7, memMb: 'x', stale: 'yes' },
      { line: -1, cpuShare: 0.5 },
      { line: 2.5, cpuShare: 0.5 },
      null,
      { cpuShare: 0.5 },
    ],
  });
  assert.deepEqual(p, {
    uri: 'file:///w/a.py',
    version: 3,
    lines: [
      { line: 4, cpuShare: 0.5, memMb: 2, stale: false },
      { line: 5, cpuShare: 1, memMb: 0, stale: false },
    ],
  });
  assert.equal(parseHeat({ uri: 'file:///a', lines: [] })?.version, null);
  assert.equal(parseHeat({ lines: [] }), undefined);
  assert.equal(parseHeat('nope'), undefined);
});

test('isFailure: ok and cancelled runs are not failures', () => {
  const s = (kind: string): ProfileSummary => ({ runId: 1, target: 't.py', backend: 'agent', duration: 1, failure: { kind, message: '' }, hotspots: [] });
  assert.equal(isFailure(s('ok')), false);
  assert.equal(isFailure(s('')), false);
  assert.equal(isFailure(s('cancelled')), false);
  assert.equal(isFailure(s('import_error')), true);
  assert.equal(isFailure(s('timeout')), true);
});
