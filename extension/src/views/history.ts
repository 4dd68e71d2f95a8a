// "Show history": a webview with the stored runs (table) and plots of duration and peak memory per run.
// The page is static HTML built by historyPlot.ts: no scripts, nothing loaded from the network.
import * as vscode from 'vscode';
import { LanguageClient } from 'vscode-languageclient/node';
import { besidePanel } from './panel';
import { HistoryRequest } from '../protocol';
import { historyHtml } from './historyPlot';

export const HISTORY_LIMIT = 50;

export class HistoryView implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;

  async show(client: LanguageClient): Promise<void> {
    const result = await client.sendRequest(HistoryRequest, { limit: HISTORY_LIMIT });
    const panel = (this.panel = besidePanel(this.panel, 'heatlens.history', 'Heatlens history', false, () => (this.panel = undefined)));
    panel.webview.html = historyHtml(result?.runs ?? [], panel.webview.cspSource);
  }

  dispose(): void {
    this.panel?.dispose();
  }
}
