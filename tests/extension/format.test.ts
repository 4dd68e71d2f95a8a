import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeRun, formatDuration, formatShare } from '../../extension/src/format';
import type { ProfileSummary } from '../../extension/src/protocol';

const run = (over: Partial<ProfileSummary>): ProfileSummary => ({
  runId: 7, target: '/w/proj/hot.py', backend: 'agent', duration: 2.345,
  failure: { kind: 'ok', message: '' }, hotspots: [], ...over,
});

test('formatShare and formatDuration', () => {
  assert.equal(formatShare(0.621), '62 %');
  assert.equal(formatShare(0.0456), '4.6 %');
  assert.equal(formatDuration(0.25), '250 ms');
  assert.equal(formatDuration(2.345), '2.35 s');
  assert.equal(formatDuration(42.42), '42.4 s');
  assert.equal(formatDuration(125), '2 min 5 s');
  assert.equal(formatDuration(Number.NaN), '?');
});

test('describeRun: idle, success with the hottest function, failure, cancelled', () => {
  assert.deepEqual(describeRun(undefined), { text: 'Heatlens: idle', detail: 'no run yet', error: false });
  const ok = describeRun(run({ hotspots: [{ uri: 'file:///w/proj/hot.py', line: 3, name: 'busy', share: 0.7 }] }));
  assert.equal(ok.text, 'Heatlens: hot.py 2.35 s');
  assert.equal(ok.detail, 'agent (in-process: approximate lines) · hottest busy 70 %');
  assert.equal(describeRun(run({ backend: 'pyspy' })).detail, 'pyspy (exact lines)');
  assert.equal(describeRun(run({ backend: 'scalene' })).detail, 'scalene');
  assert.equal(ok.error, false);
  const bad = describeRun(run({ failure: { kind: 'import_error', message: "No module named 'x'" } }));
  assert.equal(bad.text, 'Heatlens: hot.py failed (import_error)');
  assert.equal(bad.detail, "No module named 'x'");
  assert.equal(bad.error, true);
  const cancelled = describeRun(run({ failure: { kind: 'cancelled', message: '' } }));
  assert.match(cancelled.text, /cancelled$/);
  assert.equal(cancelled.error, false);
});
