// What every heatlens webview shares: one panel beside the editor, re-shown instead of duplicated, and a
// CSP nonce for the views that run a script.
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';

/** A fresh, unguessable nonce for a webview's Content-Security-Policy. */
export const nonce = (): string => randomBytes(16).toString('hex');

/** The existing panel revealed beside the editor, or a new one (`onDispose` clears the caller's reference). */
export function besidePanel(
  panel: vscode.WebviewPanel | undefined,
  viewType: string,
  title: string,
  enableScripts: boolean,
  onDispose: () => void,
): vscode.WebviewPanel {
  if (panel) {
    panel.reveal(vscode.ViewColumn.Beside);
    return panel;
  }
  const created = vscode.window.createWebviewPanel(
    viewType,
    title,
    { viewColumn: vscode.ViewColumn.Beside, preserveFocus: false },
    { enableScripts, localResourceRoots: [] },
  );
  created.onDidDispose(onDispose);
  return created;
}
