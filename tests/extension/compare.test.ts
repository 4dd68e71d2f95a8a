import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeComparison, formatChange } from '../../extension/src/compare';
import type { ChangeInfo, CompareResult } from '../../extension/src/protocol';

const change = (before: number, after: number, extra: Partial<ChangeInfo> = {}): ChangeInfo => ({
  before, after, change: before > 0 ? after / before - 1 : null, ciLow: null, ciHigh: null, pValue: null,
  verdict: 'within noise', note: '', ...extra,
});

const result = (extra: Partial<CompareResult> = {}): CompareResult => ({
  runId: 5, baselineRunId: 4, label: 'previous', wall: change(2, 1, { verdict: 'improvement' }), cpu: change(2, 1), peakMem: null,
  speedup: 2, regressed: false, notes: [],
  functions: [
    { uri: 'file:///w/p.py', qualname: 'gone', line: null, time: change(1, 0), selfTime: change(1, 0), memory: change(0, 0),
      shareBefore: 0.5, shareAfter: 0, isNew: false, removed: true },
    { uri: 'file:///w/p.py', qualname: 'work', line: 3, time: change(1, 0.62), selfTime: change(1, 0.62), memory: change(0, 0),
      shareBefore: 0.5, shareAfter: 0.4, isNew: false, removed: false },
  ],
  ...extra,
});

test('formatChange: signed percent with a real minus, one decimal below 10%', () => {
  assert.equal(formatChange(-0.38), '\u221238%');
  assert.equal(formatChange(2.12), '+212%');
  assert.equal(formatChange(0.042), '+4.2%');
  assert.equal(formatChange(null), 'new');
});

test('describeComparison: both times, speedup, verdict, interval when known, and the top function still present', () => {
  const text = describeComparison(result());
  assert.equal(text, 'run #5 vs previous (#4): 2.00 s → 1.00 s (\u221250%, 2.00× faster, improvement); biggest change: work \u221238%');
  const slower = describeComparison(result({
    label: '#2', baselineRunId: 2, speedup: 0.5, regressed: true,
    wall: change(1, 2, { verdict: 'regression', ciLow: 0.8, ciHigh: 1.2 }),
  }));
  assert.match(slower, /^run #5 vs #2: 1\.00 s → 2\.00 s \(\+100% \[\+80% … \+120%\], 2\.00× slower, regression\)/);
});
