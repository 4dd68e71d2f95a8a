// The call-graph and resource-usage webviews in a real VS Code: profile hot.py, then check what the views drew
// (the graph's nodes and edges as Graphviz laid them out, the plots' paths) and that a click on a function opens it.
import { editorLine, openFile, openWorkbench, profileAndWaitForLens, runCommand, waitFor } from './scenarios.mjs';

/** The webview frame (nested iframes) in which `selector` matches something. */
async function frameWith(page, selector) {
  for (const f of page.frames()) {
    if (f === page.mainFrame()) continue;
    if (await f.locator(selector).count().catch(() => 0)) return f;
  }
  return null;
}

export async function scenarioViews(c, { base }) {
  const { page, run } = c;
  await c.check('views: trusted workspace opens and hot.py is profiled', async () => {
    await openWorkbench(c, base, run.trusted, true);
    await openFile(page, 'hot.py');
    await page.locator('.codelens-decoration', { hasText: 'Profile this file' }).first().waitFor({ timeout: 90_000 });
    const lenses = await profileAndWaitForLens(c, 'hot.py');
    return lenses.map((l) => l.text).join(' | ');
  });

  await c.check('call graph webview draws the functions that ran, the never-ran ones dashed, the taken edge bold', async () => {
    await editorLine(page, 'the cold line').click(); // park the cursor off every function's first line
    await runCommand(page, 'Heatlens: Show call graph');
    await page.locator('.tabs-container .tab', { hasText: 'Call graph' }).first().waitFor({ timeout: 60_000 });
    const frame = await waitFor(() => frameWith(page, '#graph svg g.node'), 60_000, 'the call graph svg');
    const drawn = await frame.evaluate(() => ({
      summary: document.getElementById('summary')?.textContent ?? '',
      nodes: [...document.querySelectorAll('#graph g.node')].map((g) => ({
        id: g.querySelector('title')?.textContent ?? '',
        dashed: !!g.querySelector('[stroke-dasharray]'),
        fill: g.querySelector('polygon')?.getAttribute('fill') ?? '',
      })),
      edges: [...document.querySelectorAll('#graph g.edge')].map((g) => ({
        id: g.querySelector('title')?.textContent ?? '',
        bold: !!g.querySelector('path[stroke-width="2"]'),
      })),
    }));
    const node = (id) => drawn.nodes.find((n) => n.id === id);
    for (const id of ['hot.hot', 'hot.main']) {
      const n = node(id);
      if (!n || n.dashed || !n.fill || n.fill === 'none') throw new Error(`${id} is not drawn as a function that ran: ${JSON.stringify(drawn)}`);
    }
    const spin = node('slow.spin'); // slow.py was not run: its function never ran
    if (!spin || !spin.dashed) throw new Error(`slow.spin is not dashed: ${JSON.stringify(drawn.nodes)}`);
    const taken = drawn.edges.find((e) => e.id === 'hot.main->hot.hot');
    if (!taken || !taken.bold) throw new Error(`the edge main -> hot is not bold: ${JSON.stringify(drawn.edges)}`);
    if (!/\d+ ran, \d+ never/.test(drawn.summary)) throw new Error(`summary: ${drawn.summary}`);
    await c.shot('call-graph');
    return `${drawn.summary}; nodes ${drawn.nodes.map((n) => n.id + (n.dashed ? '(dashed)' : '')).join(', ')}`;
  });

  await c.check('clicking a function in the call graph opens its source line', async () => {
    const frame = await frameWith(page, '#graph svg g.node');
    const target = frame.locator('#graph g.node').filter({ has: frame.locator('title', { hasText: /^hot\.hot$/ }) }).first();
    await target.locator('text').first().click();
    const sel = page.locator('.statusbar-item[id="status.editor.selection"]').first();
    const where = await waitFor(async () => {
      const active = await page.locator('.tabs-container .tab.active').first().innerText({ timeout: 500 }).catch(() => '');
      const text = await sel.innerText({ timeout: 500 }).catch(() => '');
      return /hot\.py/.test(active) && /Ln 5,/.test(text) ? `${active.trim()} ${text}` : null;
    }, 15_000, 'hot.py at line 5 (def hot)');
    await c.shot('call-graph-click-opens-source');
    return where;
  });

  await c.check('resource usage webview plots RSS, CPU, threads and open files over time, and the memory timeline', async () => {
    await runCommand(page, 'Heatlens: Show resource usage');
    await page.locator('.tabs-container .tab', { hasText: 'Resource usage' }).first().waitFor({ timeout: 30_000 });
    const frame = await waitFor(() => frameWith(page, '#resources svg[data-plot]'), 30_000, 'the resource plots');
    const plots = await frame.evaluate(() => ({
      summary: document.getElementById('summary')?.textContent ?? '',
      resources: [...document.querySelectorAll('#resources svg[data-plot]')].map((s) => ({
        title: s.getAttribute('data-plot'),
        points: (s.querySelector('path')?.getAttribute('d') ?? '').split(/[ML]/).filter(Boolean).length,
      })),
      memory: [...document.querySelectorAll('#memory svg[data-plot]')].map((s) => s.getAttribute('data-plot')),
    }));
    const titles = plots.resources.map((p) => p.title).join(', ');
    if (titles !== 'resident memory (RSS), CPU, threads, open files') throw new Error(`plots: ${titles}`);
    const thin = plots.resources.filter((p) => p.points < 3);
    if (thin.length) throw new Error(`plots with fewer than 3 samples: ${JSON.stringify(plots)}`);
    if (!plots.memory.length) throw new Error('no memory timeline beside the resources');
    if (!/RSS [\d.]+ → peak [\d.]+ MB/.test(plots.summary)) throw new Error(`summary: ${plots.summary}`);
    await c.shot('resources');
    return `${plots.summary} | ${plots.resources.map((p) => `${p.title}: ${p.points} pts`).join(', ')}`;
  });
}
