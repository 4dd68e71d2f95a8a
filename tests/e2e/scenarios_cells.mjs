// "Profile this cell" on a plain .py file with `# %%` cells, in a real VS Code: a lens on each code cell's
// marker line; clicking the hot cell's lens runs the file through that cell and paints heat on the cell's
// hot line only (not on its cheap line, not on the later cell, which never ran); the hover gives its numbers.
import { decorationsOn, editorLine, openFile, openWorkbench, runCommand, waitFor } from './scenarios.mjs';

/** The "Profile this cell" lens links with their vertical positions. */
async function cellLenses(page) {
  return page.evaluate(() => [...document.querySelectorAll('.monaco-editor .codelens-decoration a')]
    .filter((a) => (a.textContent || '').trim() === 'Profile this cell')
    .map((a) => ({ y: a.getBoundingClientRect().top })));
}

export async function scenarioCells(c, { base }) {
  const { page, run } = c;
  await c.check('cells: a lens "Profile this cell" sits on each code cell of a .py file', async () => {
    await openWorkbench(c, base, run.trusted, true);
    await openFile(page, 'cells.py');
    await page.locator('.codelens-decoration', { hasText: 'Profile this cell' }).first().waitFor({ timeout: 90_000 });
    const lenses = await waitFor(async () => {
      const l = await cellLenses(page);
      return l.length === 3 ? l : null;
    }, 15_000, 'three "Profile this cell" lenses (data, hot cell, later cell)');
    const marker = await editorLine(page, '# %% hot cell').boundingBox();
    const above = lenses.filter((l) => l.y < marker.y && marker.y - l.y < 2.5 * marker.height);
    if (above.length !== 1) throw new Error(`no lens directly above "# %% hot cell" (at ${marker.y}): ${JSON.stringify(lenses)}`);
    await c.shot('cell-lenses');
    return `${lenses.length} lenses at y ${lenses.map((l) => Math.round(l.y)).join(', ')}; hot cell marker at ${Math.round(marker.y)}`;
  });

  await c.check("clicking the cell's lens paints heat on the cell's hot line only", async () => {
    const marker = await editorLine(page, '# %% hot cell').boundingBox();
    const link = page.locator('.monaco-editor .codelens-decoration a', { hasText: 'Profile this cell' });
    let index = -1;
    for (let i = 0; i < (await link.count()); i++) {
      const box = await link.nth(i).boundingBox();
      if (box && box.y < marker.y && marker.y - box.y < 2.5 * marker.height) index = i;
    }
    if (index < 0) throw new Error('the hot cell lens is gone');
    await link.nth(index).click();
    const toast = page.locator('.notifications-toasts .notification-list-item', { hasText: /profiling cell 2 of cells\.py/ }).first();
    if (await toast.waitFor({ timeout: 8_000 }).then(() => true, () => false)) await c.shot('cell-profiling-progress');
    const hot = await waitFor(async () => {
      const d = await decorationsOn(page, "the cell's hot line");
      return d.tints.length && d.gutter.length ? d : null;
    }, 120_000, "a heat decoration on the cell's hot line").catch(async (e) => {
      throw new Error(`${e.message}: ${JSON.stringify(await decorationsOn(page, "the cell's hot line"))}`);
    });
    const cheap = await decorationsOn(page, "the cell's cheap line");
    const later = await decorationsOn(page, 'the cell that does not run');
    await c.shot('cell-heat');
    if (cheap.tints.length || cheap.gutter.length) throw new Error(`the cell's cheap line has heat: ${JSON.stringify(cheap)}`);
    if (later.tints.length || later.gutter.length) throw new Error(`the cell that never ran has heat: ${JSON.stringify(later)}`);
    return `hot line: tint ${hot.tints.join(',')}, gutter ${hot.gutter.length}; cheap line and later cell: none`;
  });

  await c.check("hover on the cell's hot line shows its numbers", async () => {
    const line = editorLine(page, "the cell's hot line");
    const word = line.locator('span', { hasText: /^sum\(?/ }).first();
    await ((await word.count()) ? word : line).hover();
    const hover = page.locator('.monaco-hover:not(.hidden)', { hasText: /CPU/ }).first();
    await hover.waitFor({ timeout: 15_000 });
    const text = await hover.innerText();
    // the file's own line number (the run was not of some temporary script) and most of the run's CPU
    const share = /line 11 as profiled[\s\S]*?(\d+(?:\.\d+)?)% of run/.exec(text);
    if (!share) throw new Error(`the hover has no share of line 11: ${text}`);
    if (!(Number(share[1]) >= 50)) throw new Error(`the hot line's hover shows ${share[1]}%: ${text}`);
    await c.shot('cell-hover');
    await page.keyboard.press('Escape');
    return text.replace(/\s+/g, ' ').slice(0, 240);
  });

  await c.check('"Heatlens: Profile this cell" from the palette profiles the cell at the cursor', async () => {
    await editorLine(page, 'print("values"').click();
    await runCommand(page, 'Heatlens: Profile this cell');
    const status = page.locator('.statusbar-item', { hasText: 'Heatlens: cell 1 of cells.py' }).first();
    await status.waitFor({ timeout: 120_000 });
    // the new run went through the data cell only: its line is hot, the hot cell (not run this time) is not
    const data = await waitFor(async () => {
      const d = await decorationsOn(page, "the data cell's line");
      return d.tints.length ? d : null;
    }, 15_000, "heat on the data cell's line");
    await waitFor(async () => (await decorationsOn(page, "the cell's hot line")).tints.length === 0, 15_000,
      'the heat of the cell that did not run this time to go');
    await c.shot('cell-from-palette');
    return `${(await status.innerText()).trim()}; data line tint ${data.tints.join(',')}`;
  });
}
