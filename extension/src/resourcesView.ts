// "Show resource usage": RSS, CPU %, threads and open files of the run's process tree over time, with the
// memory timeline beside them (`heatlens/resources`), as a static page of inline SVG plots (resourcesPlot.ts).
import * as vscode from 'vscode';
import { LanguageClient } from 'vscode-languageclient/node';
import { besidePanel } from './views/panel';
import { ResourcesRequest } from './protocol';
import { resourcesHtml } from './resourcesPlot';

export class ResourcesView implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;

  async show(client: LanguageClient): Promise<void> {
    const result = await client.sendRequest(ResourcesRequest, {});
    const panel = (this.panel = besidePanel(this.panel, 'heatlens.resources', 'Resource usage', false, () => (this.panel = undefined)));
    panel.title = `Resource usage: run ${result.runId}`;
    panel.webview.html = resourcesHtml(result, panel.webview.cspSource);
  }

  dispose(): void {
    this.panel?.dispose();
  }
}

export const resourcesView = new ResourcesView();
