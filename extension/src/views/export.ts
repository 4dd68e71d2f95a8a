// "Export run…": pick a format (the server's list), pick a file, then `heatlens/export` writes it.
import * as vscode from 'vscode';
import { LanguageClient } from 'vscode-languageclient/node';
import { defaultExportName, EXPORT_DETAILS, exportFilters } from '../exportName';
import { ExportFormatsRequest, ExportRequest, RunsRequest } from '../protocol';

export async function exportRun(client: LanguageClient): Promise<void> {
  const [{ formats }, { runs }] = await Promise.all([
    client.sendRequest(ExportFormatsRequest, {}),
    client.sendRequest(RunsRequest, { limit: 1 }),
  ]);
  const latest = runs[0];
  if (!latest) {
    void vscode.window.showInformationMessage('Heatlens: no runs yet: profile something first.');
    return;
  }
  const pick = await vscode.window.showQuickPick(
    formats.map((f) => ({ label: f, detail: EXPORT_DETAILS[f] })),
    { title: `Heatlens: export run #${latest.runId} (${latest.target}) as`, placeHolder: 'format' },
  );
  if (!pick) return;
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  const name = defaultExportName(pick.label, latest.target, latest.runId);
  const uri = await vscode.window.showSaveDialog({
    title: `Heatlens: export as ${pick.label}`,
    defaultUri: folder ? vscode.Uri.joinPath(folder, name) : undefined,
    filters: exportFilters(pick.label),
  });
  if (!uri) return;
  if (uri.scheme !== 'file') {
    void vscode.window.showWarningMessage('Heatlens: exports are written by the local server: choose a file on disk.');
    return;
  }
  const result = await client.sendRequest(ExportRequest, { format: pick.label, path: uri.fsPath, runId: latest.runId });
  const open = await vscode.window.showInformationMessage(
    `Heatlens: exported run #${latest.runId} as ${pick.label} (${result.bytes.toLocaleString()} bytes).`,
    'Open',
  );
  if (!open) return;
  const written = vscode.Uri.file(result.path);
  if (pick.label === 'html') await vscode.env.openExternal(written);
  else await vscode.commands.executeCommand('vscode.open', written);
}
