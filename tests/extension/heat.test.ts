import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyHeatDelta, BUCKET_BOUNDS, BUCKETS, bucketOf, gutterSvg, planHeat } from '../../extension/src/heat';
import { parseHeatDelta } from '../../extension/src/protocol';

test('bucketOf: below the threshold or zero gets no heat', () => {
  assert.equal(bucketOf(0, 0.01), 0);
  assert.equal(bucketOf(0.009, 0.01), 0);
  assert.equal(bucketOf(Number.NaN, 0.01), 0);
  assert.equal(bucketOf(-1, 0), 0);
});

test('bucketOf: levels rise with the share and the bounds are inclusive', () => {
  assert.equal(bucketOf(0.01, 0.01), 1);
  assert.equal(bucketOf(0.039, 0.01), 1);
  assert.equal(bucketOf(0.04, 0.01), 2);
  assert.equal(bucketOf(0.1, 0.01), 3);
  assert.equal(bucketOf(0.2, 0.01), 4);
  assert.equal(bucketOf(0.4, 0.01), 5);
  assert.equal(bucketOf(1, 0.01), 5);
  let prev = 0;
  for (let s = 0.01; s <= 1; s += 0.005) {
    const b = bucketOf(s, 0.01);
    assert.ok(b >= prev && b >= 1 && b <= BUCKETS, `share ${s} -> ${b}`);
    prev = b;
  }
  assert.equal(BUCKET_BOUNDS.length, BUCKETS);
});

test('planHeat groups lines by level, keeps stale lines apart, drops cold, duplicate and out-of-range lines', () => {
  const plan = planHeat(
    [
      { line: 7, cpuShare: 0.62, memMb: 0, stale: false },
      { line: 3, cpuShare: 0.05, memMb: 1.5, stale: false },
      { line: 9, cpuShare: 0.3, memMb: 0, stale: true },
      { line: 2, cpuShare: 0.001, memMb: 80, stale: false }, // cold: memory alone paints no heat
      { line: 7, cpuShare: 0.01, memMb: 0, stale: false }, // duplicate of line 7: first wins
      { line: 50, cpuShare: 0.5, memMb: 0, stale: false }, // past the end of a 20-line document
      { line: 4, cpuShare: 0.041, memMb: 0, stale: false },
    ],
    0.01,
    20,
  );
  assert.deepEqual(plan.buckets, [[], [3, 4], [], [], [7]]);
  assert.deepEqual(plan.stale, [9]);
});

test('planHeat honours a raised threshold', () => {
  const lines = [
    { line: 0, cpuShare: 0.03, memMb: 0, stale: false },
    { line: 1, cpuShare: 0.5, memMb: 0, stale: false },
  ];
  assert.deepEqual(planHeat(lines, 0.1).buckets, [[], [], [], [], [1]]);
  assert.deepEqual(planHeat([], 0.01), { buckets: [[], [], [], [], []], stale: [] });
});

test('gutterSvg: a data URI whose bar widens with the level', () => {
  const width = (b: number) => {
    const uri = gutterSvg(b, '#ff0000');
    assert.match(uri, /^data:image\/svg\+xml;base64,/);
    const svg = Buffer.from(uri.split(',')[1], 'base64').toString();
    assert.match(svg, /fill="#ff0000"/);
    return Number(/<rect [^>]*width="(\d+)"/.exec(svg)?.[1]);
  };
  const ws = [1, 2, 3, 4, 5].map(width);
  for (let i = 1; i < ws.length; i++) assert.ok(ws[i] > ws[i - 1], `widths ${ws}`);
  assert.ok(ws[4] <= 16);
});

test('applyHeatDelta drops the replaced lines, moves the following ones, then sets the delta lines', () => {
  const h = (line: number, cpuShare: number, stale = false) => ({ line, cpuShare, memMb: 0, stale });
  const held = [h(0, 0.1), h(3, 0.5), h(4, 0.2), h(9, 0.3)];
  // two lines inserted at the top, then line 5 (the old line 3) retyped: stale, still hot
  const out = applyHeatDelta(held, {
    uri: 'file:///a.py',
    version: 2,
    edits: [
      { line: 0, removed: 1, inserted: 3 },
      { line: 5, removed: 1, inserted: 1 },
    ],
    lines: [h(2, 0.1), h(5, 0.5, true)],
  });
  assert.deepEqual(out, [h(2, 0.1), h(5, 0.5, true), h(6, 0.2), h(11, 0.3)]);
  // deleting lines 5..6 leaves nothing of them; the held array itself is never changed
  assert.deepEqual(applyHeatDelta(out, { uri: 'file:///a.py', version: 3, edits: [{ line: 5, removed: 2, inserted: 1 }], lines: [] }), [
    h(2, 0.1),
    h(10, 0.3),
  ]);
  assert.equal(held[1].line, 3);
});

test('parseHeatDelta refuses a delta whose edits cannot be replayed', () => {
  const ok = parseHeatDelta({ uri: 'file:///a', version: 1, edits: [{ line: 0, removed: 1, inserted: 2 }], lines: [{ line: 1, cpuShare: 0.2 }] });
  assert.deepEqual(ok?.edits, [{ line: 0, removed: 1, inserted: 2 }]);
  assert.deepEqual(ok?.lines, [{ line: 1, cpuShare: 0.2, memMb: 0, stale: false }]);
  assert.equal(parseHeatDelta({ uri: 'file:///a', edits: [{ line: -1, removed: 1, inserted: 1 }], lines: [] }), undefined);
  assert.equal(parseHeatDelta({ uri: 'file:///a', lines: [] }), undefined);
});
