/** The outcome of one doctor check, as a row of the table. */
export interface CheckResult {
  name: string;
  /** `warn` is worth knowing but does not fail the doctor; `skipped` could not be checked or does not apply. */
  status: 'ok' | 'warn' | 'problem' | 'skipped';
  detail: string;
  /** What to do about a warning or a problem. */
  fix?: string;
}

const STATUS_LABEL: Record<CheckResult['status'], string> = { ok: 'OK', warn: 'WARN', problem: 'PROBLEM', skipped: 'SKIPPED' };

/** The results as an aligned plain-text table; a fix goes on its own line under its row. */
export function formatReport(results: CheckResult[]): string {
  const nameWidth = Math.max('CHECK'.length, ...results.map((result) => result.name.length));
  const statusWidth = Math.max(...Object.values(STATUS_LABEL).map((label) => label.length));
  const row = (name: string, status: string, text: string) => `${name.padEnd(nameWidth)}  ${status.padEnd(statusWidth)}  ${text}`.trimEnd();
  const lines = [row('CHECK', 'STATUS', 'DETAIL / HOW TO FIX')];
  for (const result of results) {
    lines.push(row(result.name, STATUS_LABEL[result.status], result.detail));
    if (result.fix) lines.push(row('', '', `fix: ${result.fix}`));
  }
  const problems = results.filter((result) => result.status === 'problem').length;
  const warnings = results.filter((result) => result.status === 'warn').length;
  lines.push('', problems === 0 ? `All checks passed${warnings ? ` (${warnings} warning${warnings === 1 ? '' : 's'})` : ''}.` : `${problems} problem${problems === 1 ? '' : 's'} found.`);
  return lines.join('\n');
}

/** The message of anything thrown, for a table cell. */
export function describeError(error: unknown): string {
  return error instanceof Error ? error.message.split('\n')[0]! : String(error);
}
