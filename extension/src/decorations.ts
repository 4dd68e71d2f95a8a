// Paints `heatlens/heat` onto editors: a background tint and a gutter bar per heat level, overview-ruler
// marks, and dimmed stale lines. Colors are theme colors contributed in package.json.
import * as vscode from 'vscode';
import { applyHeatDelta, BUCKETS, gutterSvg, planHeat } from './heat';
import type { HeatDeltaParams, HeatLine, HeatParams } from './protocol';

const GUTTER = { light: '#e8490f', dark: '#ff7b39', stale: '#9a9a9a' };

export class HeatDecorations implements vscode.Disposable {
  private readonly levels: vscode.TextEditorDecorationType[];
  private readonly stale: vscode.TextEditorDecorationType;
  private readonly heat = new Map<string, HeatLine[]>();
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    private enabled: boolean,
    private threshold: number,
  ) {
    this.levels = Array.from({ length: BUCKETS }, (_, i) =>
      vscode.window.createTextEditorDecorationType({
        isWholeLine: true,
        backgroundColor: new vscode.ThemeColor(`heatlens.heat${i + 1}Background`),
        overviewRulerColor: new vscode.ThemeColor('heatlens.heatOverviewRuler'),
        overviewRulerLane: vscode.OverviewRulerLane.Right,
        light: { gutterIconPath: vscode.Uri.parse(gutterSvg(i + 1, GUTTER.light)), gutterIconSize: 'contain' },
        dark: { gutterIconPath: vscode.Uri.parse(gutterSvg(i + 1, GUTTER.dark)), gutterIconSize: 'contain' },
        rangeBehavior: vscode.DecorationRangeBehavior.ClosedClosed,
      }),
    );
    this.stale = vscode.window.createTextEditorDecorationType({
      isWholeLine: true,
      backgroundColor: new vscode.ThemeColor('heatlens.staleBackground'),
      gutterIconPath: vscode.Uri.parse(gutterSvg(1, GUTTER.stale)),
      gutterIconSize: 'contain',
      opacity: '0.75',
      rangeBehavior: vscode.DecorationRangeBehavior.ClosedClosed,
    });
    this.subscriptions.push(vscode.window.onDidChangeVisibleTextEditors((eds) => eds.forEach((e) => this.paint(e))));
  }

  /** A `heatlens/heat` notification: remember it and repaint the editors showing that document. */
  update(params: HeatParams): void {
    if (params.lines.length === 0) this.heat.delete(params.uri);
    else this.heat.set(params.uri, params.lines);
    this.repaint(params.uri);
  }

  /** A `heatlens/heatDelta` (after an edit): move the held heat by its edits, set its lines, repaint. */
  applyDelta(params: HeatDeltaParams): void {
    const lines = applyHeatDelta(this.heat.get(params.uri) ?? [], params);
    if (lines.length === 0) this.heat.delete(params.uri);
    else this.heat.set(params.uri, lines);
    this.repaint(params.uri);
  }

  private repaint(uri: string): void {
    for (const editor of vscode.window.visibleTextEditors) {
      if (editor.document.uri.toString() === uri) this.paint(editor);
    }
  }

  clear(): void {
    this.heat.clear();
    this.repaintAll();
  }

  configure(enabled: boolean, threshold: number): void {
    if (enabled === this.enabled && threshold === this.threshold) return;
    this.enabled = enabled;
    this.threshold = threshold;
    this.repaintAll();
  }

  /** Lines of a document painted at each level (for logs and the status line). */
  linesOf(uri: string): HeatLine[] {
    return this.heat.get(uri) ?? [];
  }

  private repaintAll(): void {
    for (const editor of vscode.window.visibleTextEditors) this.paint(editor);
  }

  private paint(editor: vscode.TextEditor): void {
    const lines = this.enabled ? this.heat.get(editor.document.uri.toString()) : undefined;
    const plan = planHeat(lines ?? [], this.threshold, editor.document.lineCount);
    const toRanges = (ls: number[]) => ls.map((l) => new vscode.Range(l, 0, l, 0));
    this.levels.forEach((type, i) => editor.setDecorations(type, toRanges(plan.buckets[i])));
    editor.setDecorations(this.stale, toRanges(plan.stale));
  }

  dispose(): void {
    this.subscriptions.forEach((d) => d.dispose());
    this.levels.forEach((d) => d.dispose());
    this.stale.dispose();
  }
}
