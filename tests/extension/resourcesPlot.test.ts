import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pathData, resourcesHtml, ResourcesResult, timePlotSvg } from '../../extension/src/resourcesPlot';

const result = (extra: Partial<ResourcesResult> = {}): ResourcesResult => ({
  runId: 7, name: 'run 7: alloc.py', backend: 'agent',
  resources: { t: [0, 0.5, 1], rssMb: [10, 60, 110], cpuPercent: [0, 90, 95], threads: [1, 2, 2], openFiles: [3, 4, 4], processes: [1, 1, 1] },
  summary: { samples: 3, duration: 1, rss_start_mb: 10, rss_end_mb: 110, rss_peak_mb: 110, rss_peak_t: 1, cpu_mean_percent: 92.5,
    cpu_peak_percent: 95, threads_peak: 2, open_files_peak: 4, open_files_start: 3, processes_peak: 1 },
  memory: { t: [0, 1], currentMb: [1, 90], peakMb: [1, 95], rssMb: [null, 100] },
  lineMemory: { t: [0.2, 0.8], lines: [{ file: '/w/alloc.py', line: 6, liveMb: [20, 80] }] },
  ...extra,
});

test('path data follows the samples and breaks where a value is missing', () => {
  const d = pathData([0, 1, 2, 3], [0, 5, null, 10], (t) => t * 10, (v) => 100 - v);
  assert.equal(d, 'M0.0,100.0L10.0,95.0M30.0,90.0');
});

test('a plot scales time to the width and values to the height; the largest value is at the top', () => {
  const svg = timePlotSvg('RSS', 'MB', [0, 1, 2], [{ label: 'RSS', values: [0, 50, 100], cls: 's1' }], 440, 150);
  const d = /<path d="([^"]+)"/.exec(svg)?.[1] ?? '';
  const pts = d.split(/[ML]/).filter(Boolean).map((p) => p.split(',').map(Number));
  assert.deepEqual(pts.map((p) => p[0]), [48, 239, 430]);
  assert.equal(pts[2][1], 22); // top padding: the max
  assert.equal(pts[0][1], 128); // the x axis: zero
  assert.match(svg, /100 MB/);
  assert.match(timePlotSvg('RSS', 'MB', [], []), /no samples/);
});

test('the page has the four resource plots and the memory timeline, and no script', () => {
  const html = resourcesHtml(result(), 'vscode-resource:');
  for (const title of ['resident memory (RSS)', 'CPU', 'threads', 'open files', 'memory timeline (traced heap)', 'live memory of the top allocating lines']) {
    assert.ok(html.includes(`data-plot="${title}"`), title);
  }
  assert.equal((html.match(/<path d=/g) ?? []).length, 4 + 3 + 1);
  assert.ok(html.includes('alloc.py:6'));
  assert.match(html, /RSS 10 → peak 110 MB at 1 s · CPU mean 93 %/);
  assert.ok(!/<script/.test(html));
  assert.match(resourcesHtml(result({ summary: null }), 'x'), /No resource samples/);
});
