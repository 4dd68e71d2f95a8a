import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { defaultExportName, EXPORT_DETAILS, EXPORT_SUFFIXES, exportFilters, exportStem } from '../../extension/src/exportName';

const root = join(__dirname, '..', '..');

test('default export names: the script stem, the run id, and the suffix of the format', () => {
  assert.equal(defaultExportName('speedscope', 'python /w/app.py --n 3', 12), 'app-run12.speedscope.json');
  assert.equal(defaultExportName('pstats', 'app.py', 3), 'app-run3.pstats');
  assert.equal(defaultExportName('chrome', '-m pkg.main', null), 'pkg.main.trace.json');
  assert.equal(defaultExportName('html', 'pytest::tests/test_a.py::test_x[1]'), 'test_a.py-test_x-1.html');
  assert.equal(defaultExportName('csv'), 'profile.csv');
  assert.equal(defaultExportName('weird/fmt', 'a.py'), 'a.weirdfmt');
  assert.equal(exportStem('C:\\w\\tool.pyw'), 'tool');
  assert.equal(exportStem('python3 -m pkg.main --fast'), 'pkg.main');
});

test('save filters offer the format extension first', () => {
  assert.deepEqual(exportFilters('speedscope'), { 'speedscope (*.json)': ['json'], 'All files': ['*'] });
  assert.deepEqual(Object.values(exportFilters('pstats'))[0], ['pstats']);
});

test('every server export format has a suffix and a description', () => {
  const py = readFileSync(join(root, 'server', 'heatlens', 'reports', 'export.py'), 'utf8');
  const block = py.slice(py.indexOf('EXPORTERS'), py.indexOf('EXPORT_FORMATS'));
  const formats = [...block.matchAll(/^\s+"([a-z]+)":/gm)].map((m) => m[1]).sort();
  assert.ok(formats.length >= 7, formats.join(','));
  assert.deepEqual(Object.keys(EXPORT_SUFFIXES).sort(), formats);
  assert.deepEqual(Object.keys(EXPORT_DETAILS).sort(), formats);
});
