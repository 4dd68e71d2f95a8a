// The language status item next to "Python" in the status bar: idle, profiling, or the last run.
import * as vscode from 'vscode';
import { describeRun } from './format';
import type { ProfileSummary } from './protocol';

export class StatusItem implements vscode.Disposable {
  private readonly item = vscode.languages.createLanguageStatusItem('heatlens.status', { language: 'python' });
  private last: ProfileSummary | undefined;

  constructor() {
    this.item.name = 'Heatlens';
    this.idle();
  }

  profiling(target: string): void {
    this.item.busy = true;
    this.item.severity = vscode.LanguageStatusSeverity.Information;
    this.item.text = `$(flame) profiling ${target.split(/[\\/]/).pop()}`;
    this.item.detail = 'Heatlens';
    this.item.command = { title: 'Cancel', command: 'heatlens.cancel' };
  }

  finished(summary: ProfileSummary | undefined): void {
    if (summary) this.last = summary;
    this.idle();
  }

  private idle(): void {
    const d = describeRun(this.last);
    this.item.busy = false;
    this.item.text = d.text;
    this.item.detail = d.detail;
    this.item.severity = d.error ? vscode.LanguageStatusSeverity.Error : vscode.LanguageStatusSeverity.Information;
    this.item.command = this.last
      ? { title: 'Report', command: 'heatlens.showReport' }
      : { title: 'Profile', command: 'heatlens.profileFile' };
  }

  dispose(): void {
    this.item.dispose();
  }
}
