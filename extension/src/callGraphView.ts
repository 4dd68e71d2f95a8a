// "Show call graph": the project's static call graph merged with the last run (`heatlens/callgraph`), laid
// out by Graphviz (@hpcc-js/wasm-graphviz, WebAssembly bundled into the extension: nothing is fetched) in the
// extension host, and shown as inline SVG. The DOT comes from the server (heatlens.analysis.callgraph.to_dot):
// functions filled by measured time, never-ran ones dashed grey, taken edges bold with their time.
// Clicking a function opens its source.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { LanguageClient } from 'vscode-languageclient/node';
import { callGraphHtml, CallGraphResult, renderDot } from './callGraphRender';
import { CallGraphRequest } from './protocol';
import { besidePanel, nonce } from './views/panel';


export class CallGraphView implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private graph: CallGraphResult | undefined;

  async show(client: LanguageClient, uri?: vscode.Uri): Promise<void> {
    const g = await client.sendRequest(CallGraphRequest, uri && uri.scheme === 'file' ? { uri: uri.toString() } : {});
    const svg = await renderDot(g.dot);
    this.graph = g;
    const fresh = !this.panel;
    const panel = (this.panel = besidePanel(this.panel, 'heatlens.callGraph', 'Call graph', true, () => (this.panel = undefined)));
    if (fresh) {
      panel.webview.onDidReceiveMessage((msg: { type?: string; id?: string }) => {
        if (msg.type === 'open' && msg.id) void this.open(msg.id);
      });
    }
    panel.title = `Call graph: run ${g.runId}`;
    panel.webview.html = callGraphHtml(g, svg, panel.webview.cspSource, nonce());
  }

  private async open(id: string): Promise<void> {
    const node = this.graph?.nodes.find((n) => n.id === id);
    if (!node || !node.file || !path.isAbsolute(node.file) || !fs.existsSync(node.file)) {
      vscode.window.setStatusBarMessage(`Heatlens: ${id} has no source on disk`, 4000);
      return;
    }
    const pos = new vscode.Position(Math.max(0, node.line - 1), 0);
    await vscode.window.showTextDocument(vscode.Uri.file(node.file), {
      viewColumn: vscode.ViewColumn.One,
      selection: new vscode.Range(pos, pos),
      preserveFocus: false,
    });
  }

  dispose(): void {
    this.panel?.dispose();
  }
}

export const callGraphView = new CallGraphView();
