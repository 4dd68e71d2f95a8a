// "Show resource usage": RSS, CPU %, threads and open files of the run's process tree over time, with the
// memory timeline beside them (`heatlens/resources`), as a static page of inline SVG plots (resourcesPlot.ts).
import * as vscode from 'vscode';
import { LanguageClient } from 'vscode-languageclient/node';
import { ResourcesRequest } from './protocol';
import { resourcesHtml } from './resourcesPlot';

export class ResourcesView implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;

  async show(client: LanguageClient): Promise<void> {
    const result = await client.sendRequest(ResourcesRequest, {});
    if (!this.panel) {
      this.panel = vscode.window.createWebviewPanel(
        'heatlens.resources',
        'Resource usage',
        { viewColumn: vscode.ViewColumn.Beside, preserveFocus: false },
        { enableScripts: false, localResourceRoots: [] },
      );
      this.panel.onDidDispose(() => (this.panel = undefined));
    } else {
      this.panel.reveal(vscode.ViewColumn.Beside);
    }
    this.panel.title = `Resource usage: run ${result.runId}`;
    this.panel.webview.html = resourcesHtml(result, this.panel.webview.cspSource);
  }

  dispose(): void {
    this.panel?.dispose();
  }
}

export const resourcesView = new ResourcesView();
