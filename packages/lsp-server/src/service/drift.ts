/**
 * A paper or live session's drift report (engine `lineUp`, written by `volt drift`) as findings on
 * the strategy's lines: VOLT206, one per line of the strategy whose decisions diverged. A decision
 * is placed on the line that gives its reason (the string passed as `reason`), else on `onBar`.
 */
import type { DriftReport } from '@volt/engine';
import type { ServerFinding } from './diagnostics.js';

export function driftFindings(text: string, report: DriftReport, sessionId: number): ServerFinding[] {
  const lines = text.split('\n');
  const onBar = Math.max(0, lines.findIndex((l) => /\bonBar\b/.test(l)));
  const byLine = new Map<number, DriftReport['lines']>();
  for (const d of report.lines) {
    if (d.kind === 'same') continue;
    let at = -1;
    if (d.reason) at = lines.findIndex((l) => l.includes(`'${d.reason}'`) || l.includes(`"${d.reason}"`) || l.includes(`\`${d.reason}\``));
    const line = at >= 0 ? at : onBar;
    byLine.set(line, [...(byLine.get(line) ?? []), d]);
  }
  const out: ServerFinding[] = [];
  for (const [line, ds] of [...byLine].sort((a, b) => a[0] - b[0])) {
    const text0 = lines[line] ?? '';
    const start = text0.length - text0.trimStart().length;
    const first = ds[0]!;
    const kinds = [...new Set(ds.map((d) => d.kind))].join(', ');
    const more = ds.length > 1 ? ` (and ${ds.length - 1} more: ${kinds})` : '';
    out.push({
      code: 'VOLT206',
      severity: 'info',
      source: 'session',
      message: `session ${sessionId} drifted from the backtest here: bar ${first.signalBar} (${new Date(first.time).toISOString().slice(0, 16).replace('T', ' ')}), ${first.kind}: ${first.why}${more}`,
      range: { start: { line, character: start }, end: { line, character: text0.length } },
    });
  }
  return out;
}
