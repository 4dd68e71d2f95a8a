import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { HistoryRun } from '../../extension/src/protocol';
import { escapeHtml, historyHtml, historySeries, linePlotSvg } from '../../extension/src/views/historyPlot';

const run = (runId: number, duration: number, peakMemMb: number | null, extra: Partial<HistoryRun> = {}): HistoryRun => ({
  runId, target: '/w/prog.py', backend: 'agent', startedAt: 1_700_000_000 + runId, duration, cpu: duration * 0.9,
  peakMemMb, gitCommit: null, failure: 'ok', ...extra,
});

test('series are oldest first, and runs without a peak are left out of the memory plot only', () => {
  const s = historySeries([run(3, 0.5, 40), run(2, 2.0, null), run(1, 1.0, 20)]); // newest first, as the server sends
  assert.deepEqual(s.duration, [{ runId: 1, value: 1.0 }, { runId: 2, value: 2.0 }, { runId: 3, value: 0.5 }]);
  assert.deepEqual(s.peakMem, [{ runId: 1, value: 20 }, { runId: 3, value: 40 }]);
  assert.deepEqual(historySeries([run(1, Number.NaN, -1)]), { duration: [], peakMem: [] });
});

/** The (x, y) of each polyline vertex. */
const vertices = (svg: string): number[][] => {
  const m = /<polyline points="([^"]+)"/.exec(svg);
  assert.ok(m, svg);
  return m[1].split(' ').map((p) => p.split(',').map(Number));
};

test('the plot scales y from 0 to the largest value, spreads x evenly and labels each point', () => {
  const svg = linePlotSvg([{ runId: 1, value: 1 }, { runId: 2, value: 4 }, { runId: 3, value: 2 }], { title: 'duration (s)', unit: 's', width: 200, height: 100 });
  const v = vertices(svg);
  assert.equal(v.length, 3);
  assert.ok(v[0][0] < v[1][0] && v[1][0] < v[2][0]);
  assert.ok(Math.abs(v[1][0] - v[0][0] - (v[2][0] - v[1][0])) < 0.2); // evenly spaced
  const [top, bottom] = [22, 100 - 22]; // paddings of the plot area
  assert.equal(v[1][1], top); // the maximum touches the top
  assert.ok(Math.abs(bottom - v[0][1] - (bottom - top) / 4) < 0.2); // 1 of 4 is a quarter up
  assert.ok(v[2][1] < v[0][1]); // a larger value is higher (smaller y)
  assert.match(svg, /<title>run #2: 4\.00 s<\/title>/);
  assert.match(svg, />#1<\/text>/);
  assert.match(svg, />#3<\/text>/);
  assert.match(linePlotSvg([], { title: 't', unit: 's' }), /no data/);
  assert.equal(vertices(linePlotSvg([{ runId: 7, value: 3 }], { title: 't', unit: 's' })).length, 1);
});

test('the page has both plots and a row per run, escapes what it shows and loads nothing', () => {
  const html = historyHtml([run(2, 1.5, 30, { target: '/w/<evil>.py', gitCommit: 'abcdef1234567890' }), run(1, 1.0, 20, { failure: 'timeout' })], 'vscode-resource:');
  assert.equal((html.match(/<svg /g) ?? []).length, 2);
  assert.match(html, /duration \(s\)/);
  assert.match(html, /peak memory \(MB\)/);
  assert.equal((html.match(/<tr title=/g) ?? []).length, 2);
  assert.ok(html.includes('&lt;evil&gt;.py') && !html.includes('<evil>'));
  assert.ok(html.includes('abcdef12') && html.includes('timeout') && html.includes('30.0 MB'));
  assert.ok(!/<script/i.test(html) && !/https?:\/\//.test(html.replaceAll('http://www.w3.org/2000/svg', '')));
  assert.match(html, /default-src 'none'/);
  assert.match(historyHtml([], 'x'), /No runs stored yet/);
  assert.equal(escapeHtml(`a&"'`), 'a&amp;&quot;&#39;');
});
