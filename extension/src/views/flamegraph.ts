// Flame graph of the last run in speedscope (its prebuilt viewer from npm, shipped in out/speedscope).
// The profile is handed over with speedscope's own loader hook (`window.speedscope.loadFileFromBase64`,
// which it installs when the page is opened with `#localProfilePath=`); clicking a frame shows its stack
// below the chart with `(file:line)` entries, and clicking one of those opens the source there.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { LanguageClient } from 'vscode-languageclient/node';
import { FlamegraphRequest } from '../protocol';
import { nonce } from './panel';

/** `(path/to/file.py:12)` or `(file.py:12:4)` at the end of a stack line -> file and 1-based line. */
export function parseFileLine(text: string): { file: string; line: number } | undefined {
  const m = /\(([^()]+?):(\d+)(?::\d+)?\)\s*$/.exec(text);
  return m ? { file: m[1], line: Number(m[2]) } : undefined;
}


export class FlameGraphView implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private pending: { name: string; base64: string } | undefined;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  async show(client: LanguageClient): Promise<void> {
    const result = await client.sendRequest(FlamegraphRequest, {});
    if (!result || !result.speedscope) {
      void vscode.window.showInformationMessage('Heatlens: no run to show yet. Run "Heatlens: Profile this file" first.');
      return;
    }
    this.pending = { name: result.name || 'heatlens', base64: Buffer.from(JSON.stringify(result.speedscope)).toString('base64') };
    const root = vscode.Uri.joinPath(this.extensionUri, 'out', 'speedscope');
    if (this.panel) {
      this.panel.title = `Flame graph: ${this.pending.name}`;
      this.panel.reveal(vscode.ViewColumn.Beside);
      this.panel.webview.html = this.html(this.panel.webview, root); // reload with the new profile
      return;
    }
    const panel = vscode.window.createWebviewPanel(
      'heatlens.flamegraph',
      `Flame graph: ${this.pending.name}`,
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: false },
      { enableScripts: true, retainContextWhenHidden: true, localResourceRoots: [root] },
    );
    this.panel = panel;
    panel.onDidDispose(() => (this.panel = undefined));
    panel.webview.onDidReceiveMessage((msg: { type?: string; file?: string; line?: number; text?: string }) => {
      if (msg.type === 'ready' && this.pending) {
        void panel.webview.postMessage({ type: 'load', ...this.pending });
      } else if (msg.type === 'open' && msg.file) {
        void this.open(msg.file, msg.line ?? 1);
      } else if (msg.type === 'log') {
        this.log.info(`flame graph: ${msg.text}`);
      }
    });
    panel.webview.html = this.html(panel.webview, root);
  }

  private async open(file: string, line: number): Promise<void> {
    if (!path.isAbsolute(file) || !fs.existsSync(file)) {
      vscode.window.setStatusBarMessage(`Heatlens: ${file} is not a file on disk`, 4000);
      return;
    }
    const pos = new vscode.Position(Math.max(0, line - 1), 0);
    await vscode.window.showTextDocument(vscode.Uri.file(file), {
      viewColumn: vscode.ViewColumn.One,
      selection: new vscode.Range(pos, pos),
      preserveFocus: false,
    });
  }

  private html(webview: vscode.Webview, root: vscode.Uri): string {
    const index = fs.readFileSync(path.join(root.fsPath, 'index.html'), 'utf8');
    const n = nonce();
    const base = `${webview.asWebviewUri(root).toString()}/`;
    const csp = [
      "default-src 'none'",
      `img-src ${webview.cspSource} data: blob:`,
      `style-src ${webview.cspSource} 'unsafe-inline'`,
      `font-src ${webview.cspSource} data:`,
      `script-src ${webview.cspSource} 'nonce-${n}' 'wasm-unsafe-eval'`,
      `connect-src ${webview.cspSource}`,
    ].join('; ');
    const boot = `<script nonce="${n}">${WEBVIEW_SCRIPT}</script>`;
    return index
      .replace('<head>', `<head><meta http-equiv="Content-Security-Policy" content="${csp}"><base href="${base}">${boot}`)
      .replace(/<script src=/g, `<script nonce="${n}" src=`);
  }

  dispose(): void {
    this.panel?.dispose();
  }
}

// Runs in the webview before speedscope's bundle: asks speedscope to install its loader hook, hands it the
// profile, and turns clicks on `(file:line)` stack entries (and on frames) into "open source" messages.
const WEBVIEW_SCRIPT = `(function () {
  const vscode = acquireVsCodeApi();
  // an absolute URL: relative ones resolve against the <base> of speedscope's assets (another origin)
  try { history.replaceState(null, '', location.href.split('#')[0] + '#localProfilePath=heatlens&view=flamechart'); }
  catch (e) { vscode.postMessage({ type: 'log', text: 'cannot set the speedscope hash: ' + e }); }
  const re = ${/\(([^()]+?):(\d+)(?::\d+)?\)\s*$/.toString()};
  let profile = null;
  function tryLoad() {
    if (profile && window.speedscope && window.speedscope.loadFileFromBase64) {
      window.speedscope.loadFileFromBase64(profile.name + '.speedscope.json', profile.base64);
      profile = null;
      vscode.postMessage({ type: 'log', text: 'profile loaded' });
      return true;
    }
    return false;
  }
  window.addEventListener('message', (e) => {
    if (e.data && e.data.type === 'load') { profile = e.data; if (!tryLoad()) { const t = setInterval(() => { if (tryLoad()) clearInterval(t); }, 50); } }
  });
  function stackEntries() {
    const out = [];
    for (const el of document.querySelectorAll('span')) {
      if (el.children.length === 0) { const m = re.exec(el.textContent || ''); if (m) out.push({ el, file: m[1], line: Number(m[2]) }); }
    }
    return out;
  }
  const firstKey = () => { const s = stackEntries(); return s.length ? s[0].file + ':' + s[0].line + ':' + s.length : ''; };
  let before = '';
  document.addEventListener('mousedown', () => { before = firstKey(); }, true);
  document.addEventListener('click', (e) => {
    let el = e.target;
    for (let i = 0; el && i < 3; i++, el = el.parentElement) {
      const m = re.exec(el.textContent || '');
      if (m && (el.textContent || '').length < 2000) { vscode.postMessage({ type: 'open', file: m[1], line: Number(m[2]) }); return; }
    }
    // a click in the chart selects a frame; speedscope then renders its stack (selected frame first)
    const onCanvas = e.target && e.target.tagName === 'CANVAS';
    setTimeout(() => {
      const s = stackEntries();
      if (s.length && (onCanvas || firstKey() !== before)) vscode.postMessage({ type: 'open', file: s[0].file, line: s[0].line });
    }, 150);
  }, true);
  window.addEventListener('load', () => vscode.postMessage({ type: 'ready' }));
})();`;
