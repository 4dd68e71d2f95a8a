// The user-visible scenarios the driver runs in code-server. Each step is a named check with a bounded wait;
// what is asserted is what rendered (lens text and position, decoration on the right line, hover numbers).
import path from 'node:path';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Open the workbench on `folder` and answer the workspace-trust prompt. */
export async function openWorkbench(c, base, folder, trust) {
  const { page } = c;
  await page.goto(`${base}/?folder=${folder}`, { waitUntil: 'domcontentloaded', timeout: 60_000 });
  await page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
  const button = page.locator('.monaco-dialog-box .monaco-button', { hasText: trust ? /Yes, I trust/ : /No, I don.t trust/ }).first();
  await button.waitFor({ timeout: 30_000 });
  await button.click();
  await page.locator('.monaco-dialog-box').waitFor({ state: 'detached', timeout: 10_000 });
  await page.waitForSelector('.explorer-folders-view .monaco-list-row', { timeout: 30_000 });
}

/** Take keyboard focus away from webviews (which swallow shortcuts) by clicking the sidebar's title. */
async function focusWorkbench(page) {
  await page.locator('.part.sidebar .composite.title').first().click({ timeout: 5_000 }).catch(() => {});
}

/** Open a file of the workspace by clicking it in the explorer (as a user would). */
export async function openFile(page, name) {
  await page.keyboard.press('Escape');
  await page.locator('.explorer-folders-view .monaco-list-row', { hasText: name }).first().click();
  const group = page.locator('.editor-group-container.active');
  await group.locator('.tab.active', { hasText: name }).waitFor({ timeout: 15_000 });
  await group.locator('.monaco-editor .view-lines .view-line').first().waitFor({ timeout: 15_000 });
}

/** Run a command from the command palette by its exact label. */
export async function runCommand(page, label) {
  await focusWorkbench(page);
  await page.keyboard.press('Escape');
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await input.waitFor({ timeout: 15_000 });
  await input.fill(`>${label}`);
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: label }).first();
  await row.waitFor({ timeout: 15_000 });
  await row.click();
}

/** Text of every frame of the page (webviews are nested iframes outside the editor groups' DOM). */
async function frameTexts(page) {
  const texts = [];
  for (const f of page.frames()) {
    if (f === page.mainFrame()) continue;
    texts.push(await f.locator('body').innerText({ timeout: 1_000 }).catch(() => ''));
  }
  return texts;
}

export const editorLine = (page, text) => page.locator('.monaco-editor .view-lines .view-line', { hasText: text }).first();

/** Whole-line decoration backgrounds and gutter icons drawn at the vertical position of the line showing `text`. */
export async function decorationsOn(page, text) {
  const box = await editorLine(page, text).boundingBox();
  if (!box) throw new Error(`line "${text}" is not visible`);
  return page.evaluate((y) => {
    const at = (sel) =>
      [...document.querySelectorAll(sel)].filter((el) => {
        const r = el.getBoundingClientRect();
        return r.height > 0 && Math.abs(r.top - y) < 3;
      });
    const transparent = (c) => c === 'transparent' || /rgba\([^)]*,\s*0\)$/.test(c);
    const near = [...document.querySelectorAll('.monaco-editor .margin *')]
      .filter((el) => Math.abs(el.getBoundingClientRect().top - y) < 30)
      .map((el) => `${el.className}@${Math.round(el.getBoundingClientRect().top)}`)
      .slice(0, 20);
    return {
      near: `y=${Math.round(y)} ${near.join(' ')}`,
      tints: at('.monaco-editor .view-overlays .cdr')
        .map((el) => getComputedStyle(el).backgroundColor)
        .filter((c) => !transparent(c)),
      // glyph-margin decorations (gutter icons) live in .glyph-margin-widgets since VS Code 1.85
      gutter: at('.monaco-editor .margin [class*="ced-"]')
        .map((el) => getComputedStyle(el).backgroundImage)
        .filter((b) => b.startsWith('url("data:image/svg')),
    };
  }, box.y);
}

export async function waitFor(fn, ms, what) {
  // a check that throws (a line not laid out for a moment while the editor redraws after a run) is retried
  // like one that is not met yet; its last error is in the timeout's message
  const end = Date.now() + ms;
  let last;
  let error = null;
  while (Date.now() < end) {
    try {
      last = await fn();
      error = null;
    } catch (e) {
      last = null;
      error = e;
    }
    if (last) return last;
    await sleep(250);
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what}${error ? `: ${error.message}` : ''}`);
}

const LENS_RE = /▲\s*([\d.]+)%\s*CPU/;

/** The function lenses (text + y) and the line they sit above. */
async function functionLenses(page) {
  return page.evaluate((re) => {
    const rx = new RegExp(re);
    return [...document.querySelectorAll('.monaco-editor .codelens-decoration')]
      .filter((el) => rx.test(el.textContent || ''))
      .map((el) => ({ text: (el.textContent || '').trim(), y: el.getBoundingClientRect().top }));
  }, LENS_RE.source);
}

export async function profileAndWaitForLens(c, file) {
  const { page } = c;
  await runCommand(page, 'Heatlens: Profile this file');
  const toast = page.locator('.notifications-toasts .notification-list-item', { hasText: `profiling ${file}` }).first();
  if (await toast.waitFor({ timeout: 8_000 }).then(() => true, () => false)) await c.shot('profiling-progress');
  return waitFor(async () => {
    const lenses = await functionLenses(page);
    return lenses.length ? lenses : null;
  }, 90_000, 'a function lens with a CPU share');
}

export async function scenarioMain(c, { base, processesWith }) {
  const { page, run } = c;
  await c.check('trusted workspace opens', () => openWorkbench(c, base, run.trusted, true));
  await c.check('line-1 lens "Profile this file" (server started)', async () => {
    await openFile(page, 'hot.py');
    const lens = page.locator('.codelens-decoration', { hasText: 'Profile this file' }).first();
    await lens.waitFor({ timeout: 90_000 });
    await c.shot('opened');
    return lens.innerText();
  });

  const lenses = await c.check('function lens shows the hot function with a share', async () => {
    const found = await profileAndWaitForLens(c, 'hot.py');
    await sleep(500);
    const all = await functionLenses(page);
    const def = await editorLine(page, 'def hot(n)').boundingBox();
    const above = all.filter((l) => l.y < def.y && def.y - l.y < 2.5 * def.height);
    if (above.length !== 1) throw new Error(`no lens directly above "def hot": ${JSON.stringify(all)} def at ${def.y}`);
    const share = Number(LENS_RE.exec(above[0].text)[1]);
    const others = all.filter((l) => l !== above[0]).map((l) => Number(LENS_RE.exec(l.text)[1]));
    // hot() does ~all of the work: it must hold the largest share of the functions shown (main() includes it)
    if (!(share >= 50)) throw new Error(`hot() lens share ${share}% < 50%: ${above[0].text}`);
    await c.shot('lenses-and-heat');
    return `${above[0].text} (all: ${found.length} lenses; others ${others.join(', ')})`;
  });
  void lenses;

  await c.check('hot line has heat, cold line has none', async () => {
    const hot = await waitFor(async () => {
      const d = await decorationsOn(page, 'the hot line');
      return d.tints.length && d.gutter.length ? d : null;
    }, 15_000, 'a heat decoration on the hot line').catch(async (e) => {
      throw new Error(`${e.message}: ${JSON.stringify(await decorationsOn(page, 'the hot line'))}`);
    });
    const cold = await decorationsOn(page, 'the cold line');
    if (cold.tints.length || cold.gutter.length) throw new Error(`cold line is decorated: ${JSON.stringify(cold)}`);
    return `hot: tint ${hot.tints.join(',')}, gutter ${hot.gutter.length}; cold: none`;
  });

  await c.check('Toggle heat hides and restores the heat', async () => {
    await runCommand(page, 'Heatlens: Toggle heat');
    await waitFor(async () => (await decorationsOn(page, 'the hot line')).tints.length === 0, 10_000, 'heat to disappear');
    await c.shot('heat-toggled-off');
    await runCommand(page, 'Heatlens: Toggle heat');
    await waitFor(async () => (await decorationsOn(page, 'the hot line')).tints.length > 0, 10_000, 'heat to come back');
    return 'off, then on again';
  });

  await c.check('hover on the hot line shows its numbers', async () => {
    const line = editorLine(page, 'the hot line');
    const word = line.locator('span', { hasText: /^sum\(?/ }).first();
    const target = (await word.count()) ? word : line;
    await target.hover();
    const hover = page.locator('.monaco-hover:not(.hidden)', { hasText: /CPU/ }).first();
    await hover.waitFor({ timeout: 15_000 });
    const text = await hover.innerText();
    if (!/\d+(\.\d+)?%/.test(text)) throw new Error(`hover has no share: ${text}`);
    await c.shot('hover');
    await page.keyboard.press('Escape');
    return text.replace(/\s+/g, ' ').slice(0, 200);
  });

  await c.check('edits move the heat with the code and dim the edited line (heat deltas)', async () => {
    const grey = (t) => /128,\s*128,\s*128/.test(t);
    // the editor re-renders lines while text changes: a line briefly missing reads as "not yet"
    const heat = async () => {
      const d = await decorationsOn(page, 'the hot line').catch(() => ({ tints: [] }));
      return { hot: d.tints.some((t) => !grey(t)), stale: d.tints.some(grey) };
    };
    const yOf = async (text) => (await editorLine(page, text).boundingBox({ timeout: 2_000 }).catch(() => null))?.y ?? -1;
    const y0 = await yOf('the hot line');
    // a new line above the hot line: its heat moves down with it, the new line gets none
    await editorLine(page, 'def hot(n)').click();
    await page.keyboard.press('End');
    await page.keyboard.press('Enter');
    await page.keyboard.type('# typed above');
    await waitFor(async () => (await yOf('the hot line')) > y0 && (await heat()).hot, 10_000, 'the heat on the moved hot line');
    const typed = await decorationsOn(page, 'typed above');
    if (typed.tints.length) throw new Error(`the typed line has heat: ${JSON.stringify(typed)}`);
    // typing on the hot line dims it as stale; undoing the typing brings its heat back
    await editorLine(page, 'the hot line').click();
    await page.keyboard.press('End');
    await page.keyboard.type(' edited');
    await waitFor(async () => {
      const h = await heat();
      return h.stale && !h.hot;
    }, 10_000, 'the edited hot line dimmed as stale');
    await c.shot('edited-line-stale');
    await page.keyboard.press('Escape'); // a word-completion popup would take the undo
    await page.keyboard.press('Control+Z');
    await waitFor(async () => {
      const h = await heat();
      return h.hot && !h.stale;
    }, 10_000, 'the heat back after undo');
    await page.keyboard.press('Escape');
    // undo the typed line too (the editor may need several steps: the words, the Enter)
    for (let i = 0; i < 8 && (await yOf('the hot line')) !== y0; i++) {
      await page.keyboard.press('Control+Z');
      await sleep(400);
    }
    await waitFor(async () => (await yOf('the hot line')) === y0 && (await heat()).hot, 10_000, 'the original text with its heat');
    return 'moved with an inserted line, stale while edited, hot again after undo';
  });

  await c.check('flame graph webview opens with the profile', async () => {
    // park the cursor on line 10, which is no frame's line, so opening a frame's source is visible
    await editorLine(page, 'the cold line').click();
    await runCommand(page, 'Heatlens: Show flame graph');
    await page.locator('.tabs-container .tab', { hasText: 'Flame graph' }).first().waitFor({ timeout: 20_000 });
    const frame = page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
    await frame.locator('canvas').first().waitFor({ timeout: 30_000 });
    // speedscope shows the profile's name in its toolbar once it has loaded it
    const title = frame.locator('div', { hasText: /speedscope\.json|hot/ }).last();
    await title.waitFor({ timeout: 20_000 });
    await sleep(1000);
    await c.shot('flamegraph');
    return (await frame.locator('body').innerText()).replace(/\s+/g, ' ').slice(0, 160);
  });

  await c.check('clicking a frame in the flame graph opens its source line', async () => {
    const view = await page.locator('iframe.webview.ready').first().boundingBox();
    const sel = page.locator('.statusbar-item[id="status.editor.selection"]').first();
    // walk down the chart's rows (speedscope draws frames on a canvas: no DOM to target) until a click
    // selects a frame, which must bring hot.py forward at that frame's line
    for (let y = 100; y < 340; y += 10) {
      await page.mouse.click(view.x + view.width * 0.75, view.y + y);
      await sleep(400);
      const active = await page.locator('.tabs-container .tab.active').first().innerText({ timeout: 500 }).catch(() => '');
      const where = await sel.innerText({ timeout: 500 }).catch(() => '');
      // frames of hot.py: <module> line 1, hot 5, its list comprehension 6, main 13
      if (/hot\.py/.test(active) && /Ln (1|5|6|13),/.test(where)) {
        await c.shot('flamegraph-click-opens-source');
        return `click at y=${y}: ${active.trim()} ${where}`;
      }
    }
    throw new Error('no click on the flame chart opened hot.py at a frame line');
  });

  await c.check('report opens as rendered Markdown', async () => {
    await runCommand(page, 'Heatlens: Show report');
    await page.locator('.tabs-container .tab', { hasText: /Preview/ }).first().waitFor({ timeout: 20_000 });
    const text = await waitFor(async () => (await frameTexts(page)).find((t) => /heatlens summary[\s\S]*hot\.py/.test(t)), 20_000, 'report text');
    await c.shot('report');
    return text.replace(/\s+/g, ' ').slice(0, 160);
  });

  await c.check('Profile with… runs the chosen backend and arguments', async () => {
    await openFile(page, 'hot.py');
    await runCommand(page, 'Heatlens: Profile with…');
    const input = page.locator('.quick-input-widget .quick-input-box input');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'cprofile' }).first().waitFor({ timeout: 15_000 });
    await input.fill('cprofile');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'cProfile: exact call counts' }).first().click();
    await page.locator('.quick-input-widget', { hasText: 'arguments for the program' }).first().waitFor({ timeout: 10_000 });
    await input.fill('--label "two words"');
    await c.shot('profile-with-arguments');
    await page.keyboard.press('Enter');
    const toast = page.locator('.notifications-toasts .notification-list-item', { hasText: 'profiling hot.py' }).first();
    await toast.waitFor({ timeout: 15_000 });
    await toast.waitFor({ state: 'detached', timeout: 90_000 });
    // the run is the report's latest: it names the backend that ran
    await runCommand(page, 'Heatlens: Show report');
    const text = await waitFor(async () => (await frameTexts(page)).find((t) => /backend:\s*cprofile/.test(t)), 20_000, 'a report of the cprofile run');
    await c.shot('profiled-with-cprofile');
    return text.replace(/\s+/g, ' ').slice(0, 160);
  });

  await c.check('heat on a loop body lands on the line that costs, not on its last line', async () => {
    await openFile(page, 'loop_body.py');
    await profileAndWaitForLens(c, 'loop_body.py');
    const costly = await waitFor(async () => {
      const d = await decorationsOn(page, 'the costly membership');
      return d.tints.length ? d : null;
    }, 20_000, 'heat on the membership line');
    const last = await decorationsOn(page, 'the cheap last line');
    await c.shot('loop-body-heat');
    if (last.tints.length || last.gutter.length) throw new Error(`the loop's last line has heat: ${JSON.stringify(last)}`);
    return `membership: tint ${costly.tints.join(',')}; last line of the body: none`;
  });

  await c.check('cancel stops a long-running target (no process left)', async () => {
    await openFile(page, 'slow.py');
    const target = path.join(run.trusted, 'slow.py');
    await runCommand(page, 'Heatlens: Profile this file');
    const procs = await waitFor(async () => {
      const p = processesWith(target);
      return p.length ? p : null;
    }, 30_000, 'the slow.py process').catch((e) => {
      throw new Error(`${e.message}; python processes: ${processesWith('python').join(' ; ').slice(0, 1500)}`);
    });
    const toast = page.locator('.notifications-toasts .notification-list-item', { hasText: 'profiling slow.py' }).first();
    await toast.waitFor({ timeout: 15_000 });
    await sleep(1500); // let it run a little: the progress shows the phase and elapsed time
    await c.shot('cancel-progress');
    const progressText = await toast.innerText();
    await toast.hover();
    await toast.locator('.monaco-button', { hasText: 'Cancel' }).first().click();
    await waitFor(async () => processesWith(target).length === 0, 20_000, 'the slow.py process to end');
    await toast.waitFor({ state: 'detached', timeout: 20_000 });
    await c.shot('cancelled');
    return `killed ${procs.length} process(es); progress said "${progressText.replace(/\s+/g, ' ').slice(0, 120)}"`;
  });
}

export async function scenarioUntrusted(c, { base, processesWith, heatlensLog }) {
  const { page, run } = c;
  await c.check('untrusted workspace opens in Restricted Mode', () => openWorkbench(c, base, run.untrusted, false));
  await c.check('untrusted workspace refuses to profile', async () => {
    await openFile(page, 'hot.py');
    await runCommand(page, 'Heatlens: Profile this file');
    const toast = page.locator('.notifications-toasts .notification-list-item', { hasText: 'until you trust the workspace' }).first();
    await toast.waitFor({ timeout: 20_000 });
    const manage = toast.locator('.monaco-button', { hasText: 'Manage Workspace Trust' }).first();
    await manage.waitFor({ timeout: 5_000 });
    await c.shot('untrusted-refused');
    const target = path.join(run.untrusted, 'hot.py');
    for (let i = 0; i < 8; i++) {
      if (processesWith(target).length) throw new Error(`the target ran: ${processesWith(target)}`);
      await sleep(250);
    }
    const logText = heatlensLog();
    if (!/refused: the workspace is not trusted/.test(logText)) throw new Error('the extension log does not record the refusal');
    if (!/the server starts once it is/.test(logText)) throw new Error('the server was not held back in Restricted Mode');
    if (logText.includes(`profiling ${target}`)) throw new Error('the extension asked the server to profile');
    await manage.click();
    await page.locator('.tabs-container .tab', { hasText: 'Workspace Trust' }).first().waitFor({ timeout: 15_000 });
    await c.shot('manage-workspace-trust');
    return 'refused with "Manage Workspace Trust"; no process started';
  });
  await c.check('granting trust starts Heatlens', async () => {
    await page.locator('.workspace-trust-editor .monaco-button', { hasText: /^Trust$/ }).first().click();
    await openFile(page, 'hot.py');
    const lens = page.locator('.codelens-decoration', { hasText: 'Profile this file' }).first();
    await lens.waitFor({ timeout: 60_000 });
    await c.shot('trusted-later-server-started');
    return lens.innerText();
  });
}

export async function scenarioBootstrap(c, { base, processesWith }) {
  const { page, run } = c;
  await c.check('workspace opens (fresh profile, no serverPython)', () => openWorkbench(c, base, run.trusted, true));
  await c.check('the extension bootstraps its server environment from the shipped wheel', async () => {
    await openFile(page, 'hot.py');
    const toast = page.locator('.notifications-toasts .notification-list-item', { hasText: 'setting up the server environment' }).first();
    const lens = page.locator('.codelens-decoration', { hasText: 'Profile this file' }).first();
    // A fast index can finish the setup before the toast is looked for: the server's process below is the proof.
    const first = await Promise.race([
      toast.waitFor({ timeout: 360_000 }).then(() => 'toast', () => 'none'),
      lens.waitFor({ timeout: 360_000 }).then(() => 'lens', () => 'none'),
    ]);
    if (first === 'toast') await c.shot('bootstrap-progress');
    await lens.waitFor({ timeout: 360_000 });
    const server = processesWith('server-venv').filter((l) => /-m heatlens serve/.test(l));
    if (!server.length) throw new Error(`no server running from the private venv: ${processesWith('heatlens')}`);
    await c.shot('bootstrap-server-started');
    return server[0].slice(0, 200);
  });
  await c.check('a profile runs through the bootstrapped server', async () => {
    const lenses = await profileAndWaitForLens(c, 'hot.py');
    await c.shot('bootstrap-profiled');
    return lenses.map((l) => l.text).join(' | ');
  });
}
