import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  analyzeStrategySource,
  applyEdits,
  findConfigFile,
  loadConfig,
  parseSyntheticSpec,
  resolveDataSpec,
  STATIC_RULES,
  VoltError,
  type AnalysisConfig,
  type Finding,
} from '@volt/engine';
import { writeFileSync } from 'node:fs';
import { EXIT, UsageError, parseCommandArgs } from '../usage.js';

export const summary = "check a strategy for trading mistakes and type errors (the sidecar's VOLT1xx)";

const USAGE = `usage: volt lint <strategy.ts>... [--json] [--fix] [--data SPEC] [--no-types]

  --json        print the findings as one JSON document: [{ file, findings: [...] }]
  --fix         apply every mechanical fix (one per finding, first come first served) and
                write the file back; prints what is left
  --data SPEC   data the strategy will run on, for warm-up checks (VOLT107; default:
                data.default of volt.config.json)
  --no-types    skip TypeScript's type check (faster; trading rules only)

Rules:
${STATIC_RULES.map((r) => `  ${r.code}  ${r.severity.padEnd(7)}  ${r.title}${r.fix ? ` (fix: ${r.fix})` : ''}`).join('\n')}

Exit 0 when no finding is an error, 1 when any is, 2 usage.`;

/** The folder holding the volt.config.json at or above `file`, else the current folder. */
function workspaceOf(file: string): string {
  const config = findConfigFile(path.dirname(path.resolve(file)));
  return config !== undefined ? path.dirname(config) : process.cwd();
}

async function barsOf(spec: string, cwd: string): Promise<number | undefined> {
  const synthetic = parseSyntheticSpec(spec);
  if (synthetic) return synthetic.bars;
  try {
    return (await resolveDataSpec(spec, { cwd, lenient: true })).length;
  } catch {
    return undefined; // unreadable data is the backtest's error to report, not lint's
  }
}

function format(file: string, f: Finding): string {
  const where = `${file}:${f.range.start.line + 1}:${f.range.start.character + 1}`;
  return `${where}: ${f.severity} ${f.code}: ${f.message}${f.fix ? `\n  fix available: ${f.fix.title}` : ''}`;
}

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs({
    args: argv,
    options: {
      json: { type: 'boolean', default: false },
      fix: { type: 'boolean', default: false },
      data: { type: 'string' },
      'no-types': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE + '\n');
    return EXIT.ok;
  }
  if (positionals.length === 0) throw new UsageError(`name a strategy file\n\n${USAGE}`);

  const results: { file: string; findings: Finding[] }[] = [];
  for (const file of positionals) {
    const full = path.resolve(file);
    let text: string;
    try {
      text = readFileSync(full, 'utf8');
    } catch {
      throw new VoltError({ kind: 'usage', message: `cannot read ${file}`, file: full, hint: 'check the path' });
    }
    const root = workspaceOf(full);
    const config = loadConfig(root);
    const spec = values.data ?? config.data.default;
    const analysis: AnalysisConfig = { maxPositionCap: config.lint.maxPositionCap, dataLabel: spec, typeCheck: !values['no-types'] };
    const bars = await barsOf(spec, root);
    if (bars !== undefined) analysis.bars = bars;
    let findings = analyzeStrategySource(text, full, analysis);
    if (values.fix) {
      // Fixes can overlap (two insert into params): apply one, re-analyse, repeat.
      for (let round = 0; round < 50; round++) {
        const next = findings.find((f) => f.fix);
        if (!next?.fix) break;
        text = applyEdits(text, next.fix.edits);
        findings = analyzeStrategySource(text, full, analysis);
      }
      writeFileSync(full, text);
    }
    results.push({ file, findings });
  }

  if (values.json) {
    process.stdout.write(JSON.stringify(results, null, 2) + '\n');
  } else {
    for (const { file, findings } of results) for (const f of findings) process.stdout.write(format(file, f) + '\n');
    const total = results.reduce((n, r) => n + r.findings.length, 0);
    const errors = results.reduce((n, r) => n + r.findings.filter((f) => f.severity === 'error').length, 0);
    process.stdout.write(total === 0 ? 'no findings\n' : `${total} finding(s), ${errors} error(s)\n`);
  }
  return results.some((r) => r.findings.some((f) => f.severity === 'error')) ? EXIT.error : EXIT.ok;
}
