// "Show report": the server's Markdown report of the last run, in VS Code's Markdown preview. The text is
// served from a read-only virtual document (`heatlens-report:`), so nothing is written into the workspace.
import * as vscode from 'vscode';
import { LanguageClient } from 'vscode-languageclient/node';
import { ReportKind, ReportRequest } from '../protocol';

export const REPORT_SCHEME = 'heatlens-report';

export class ReportView implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly reports = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly registration = vscode.workspace.registerTextDocumentContentProvider(REPORT_SCHEME, this);

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.reports.get(uri.toString()) ?? '_No report yet: run "Heatlens: Profile this file"._';
  }

  async show(client: LanguageClient, kind: ReportKind = 'summary'): Promise<void> {
    const result = await client.sendRequest(ReportRequest, { kind });
    const uri = vscode.Uri.from({ scheme: REPORT_SCHEME, path: `/Heatlens ${kind} report.md` });
    this.reports.set(uri.toString(), result?.markdown ?? '');
    this.changed.fire(uri);
    await vscode.commands.executeCommand('markdown.showPreview', uri);
  }

  dispose(): void {
    this.registration.dispose();
    this.changed.dispose();
  }
}
