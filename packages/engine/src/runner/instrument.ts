/**
 * Checkpoints in a strategy's bundle, so a run that loops or grows can be stopped at its line.
 *
 * The process that runs strategy code has no inspector (Node's permission model turns it off), so
 * nothing outside can pause it and ask where it is. Instead, before the bundle is sent there, a call
 * `TICK(id)` is put at the top of every loop body and every function body: a loop with no call in it
 * still passes a checkpoint on each turn. The checkpoint counts down and, every few thousand turns,
 * compares the clock and the heap with the run's limits; past one it throws at the loop or function
 * whose id it was given. The id is where that loop or function starts in the strategy's own source,
 * worked out here through the bundle's source map.
 *
 * Nothing is inserted on a new line, so the bundle's line numbers (and its source map) stay valid;
 * `originalColumn` undoes the column shift for stack frames of errors the strategy throws itself.
 */
import { Parser, type Node } from 'acorn';
import { full } from 'acorn-walk';
import { createHash, randomBytes } from 'node:crypto';
import { SourceMap, type SourceMapPayload } from 'node:module';
import path from 'node:path';

export interface CheckpointLocation {
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
  /** 'loop' or 'function': what the checkpoint sits at the top of. */
  kind: 'loop' | 'function';
}

export interface InstrumentedBundle {
  code: string;
  /**
   * The name loops' checkpoint function is passed under (functions': the same with `_f`): random,
   * so strategy code cannot shadow it.
   */
  tickName: string;
  /** Where each checkpoint id is in the strategy's source (unmapped ids point into the bundle). */
  checkpoints: CheckpointLocation[];
  /** Per 0-based bundle line, the insertions made on it: [original column, length], in order. */
  shifts: Record<number, [number, number][]>;
}

interface Insertion {
  pos: number;
  text: string;
  /** Closers go before openers at one position; among closers the inner node first. */
  order: number;
}

type AnyNode = Node & Record<string, unknown>;

const LOOPS = new Set(['ForStatement', 'ForInStatement', 'ForOfStatement', 'WhileStatement', 'DoWhileStatement']);
const FUNCTIONS = new Set(['FunctionDeclaration', 'FunctionExpression', 'ArrowFunctionExpression']);

/**
 * Where the checkpoints go in one bundle, without the name they are called by: the parse (acorn and
 * the source map, ~15 ms of a ~200 ms `volt backtest`) kept in the bundle cache beside the bundle.
 * `codeHash` is the bundle's sha256: a plan is applied only to the code it was made from.
 */
export interface CheckpointPlan {
  codeHash: string;
  /** [position in the bundle, text], the text with TICK_NAME where the run's random name goes. */
  insertions: [number, string][];
  checkpoints: CheckpointLocation[];
}

/** In a plan's texts, where the run's tick name goes (never strategy text: only the plan's own). */
const TICK_NAME = '\u0000';

/** Puts checkpoints into `code` (an esbuild bundle of `bundlePath`, with an inline source map). */
export function instrumentBundle(code: string, bundlePath: string, plan?: CheckpointPlan): InstrumentedBundle {
  const usable = plan !== undefined && plan.codeHash === codeHashOf(code) ? plan : planCheckpoints(code, bundlePath);
  return applyPlan(code, usable);
}

/** The sha256 a plan names the code it was made from by. */
export function codeHashOf(code: string): string {
  return createHash('sha256').update(code).digest('hex');
}

/** A fresh random tick name for every run, whether the plan was made now or kept. */
function applyPlan(code: string, plan: CheckpointPlan): InstrumentedBundle {
  const tickName = `__volt_checkpoint_${randomBytes(6).toString('hex')}`;
  const lineStarts = lineStartsOf(code);
  const shifts: Record<number, [number, number][]> = {};
  let out = '';
  let last = 0;
  for (const [pos, template] of plan.insertions) {
    const text = template.split(TICK_NAME).join(tickName);
    out += code.slice(last, pos) + text;
    last = pos;
    const { line, column } = positionOf(lineStarts, pos);
    (shifts[line] ??= []).push([column, text.length]);
  }
  out += code.slice(last);
  return { code: out, tickName, checkpoints: plan.checkpoints, shifts };
}

/** Parses the bundle and says where each checkpoint goes (instrumentBundle applies it). */
export function planCheckpoints(code: string, bundlePath: string): CheckpointPlan {
  const tickName = TICK_NAME;
  const ast = Parser.parse(code, {
    ecmaVersion: 'latest',
    sourceType: 'script',
    allowReturnOutsideFunction: true,
    allowHashBang: true,
  }) as unknown as AnyNode;

  const map = sourceMapOf(code);
  const lineStarts = lineStartsOf(code);
  const checkpoints: CheckpointLocation[] = [];
  const insertions: Insertion[] = [];

  const checkpoint = (node: AnyNode, kind: CheckpointLocation['kind']): number => {
    const { line, column } = positionOf(lineStarts, node.start);
    const mapped = map ? mapPosition(map, bundlePath, line, column) : undefined;
    checkpoints.push({ ...(mapped ?? { file: bundlePath, line: line + 1, column: column + 1 }), kind });
    return checkpoints.length - 1;
  };
  // Functions pass theirs under a second name, which counts each call as many loop turns: a strategy
  // whose only "loop" is onBar being called is still looked at every few bars.
  const call = (id: number, kind: CheckpointLocation['kind'] = 'loop') => `${kind === 'loop' ? tickName : `${tickName}_f`}(${id});`;

  full(ast as Node, (n) => {
    const node = n as AnyNode;
    if (LOOPS.has(node.type)) {
      const body = node.body as AnyNode;
      const id = checkpoint(node, 'loop');
      if (body.type === 'BlockStatement') {
        insertions.push({ pos: body.start + 1, text: call(id), order: 1e12 - body.end });
      } else {
        insertions.push({ pos: body.start, text: `{${call(id)}`, order: 1e12 - body.end });
        insertions.push({ pos: body.end, text: '}', order: -body.start });
      }
    } else if (FUNCTIONS.has(node.type)) {
      const body = node.body as AnyNode;
      const id = checkpoint(node, 'function');
      if (body.type === 'BlockStatement') {
        // After any directive prologue ('use strict'), which must stay first.
        const statements = body.body as AnyNode[];
        let at = body.start + 1;
        for (const s of statements) {
          if (s.type === 'ExpressionStatement' && typeof s.directive === 'string') at = s.end;
          else break;
        }
        insertions.push({ pos: at, text: call(id, 'function'), order: 1e12 - body.end });
      } else {
        insertions.push({ pos: body.start, text: `(${tickName}_f(${id}),`, order: 1e12 - body.end });
        insertions.push({ pos: body.end, text: ')', order: -body.start });
      }
    }
  });

  insertions.sort((a, b) => a.pos - b.pos || a.order - b.order);
  return { codeHash: codeHashOf(code), insertions: insertions.map((i) => [i.pos, i.text]), checkpoints };
}

/** A 0-based column in the instrumented line → the column in the bundle as esbuild wrote it. */
export function originalColumn(shifts: InstrumentedBundle['shifts'], line: number, column: number): number {
  const onLine = shifts[line];
  if (!onLine) return column;
  let shift = 0;
  for (const [at, length] of onLine) {
    if (at + shift + length > column) break;
    shift += length;
  }
  return column - shift;
}

function sourceMapOf(code: string): SourceMap | undefined {
  const m = /\/\/# sourceMappingURL=data:application\/json;base64,([A-Za-z0-9+/=]+)\s*$/.exec(code);
  if (!m) return undefined;
  return new SourceMap(JSON.parse(Buffer.from(m[1]!, 'base64').toString('utf8')) as SourceMapPayload);
}

function mapPosition(map: SourceMap, bundlePath: string, line: number, column: number): Omit<CheckpointLocation, 'kind'> | undefined {
  const entry = map.findEntry(line, column) as Partial<{ originalSource: string; originalLine: number; originalColumn: number }>;
  if (entry.originalSource === undefined || entry.originalLine === undefined) return undefined;
  return {
    file: path.resolve(path.dirname(bundlePath), entry.originalSource),
    line: entry.originalLine + 1,
    column: (entry.originalColumn ?? 0) + 1,
  };
}

function lineStartsOf(code: string): number[] {
  const starts = [0];
  for (let i = 0; i < code.length; i++) if (code.charCodeAt(i) === 10) starts.push(i + 1);
  return starts;
}

function positionOf(lineStarts: number[], pos: number): { line: number; column: number } {
  let lo = 0;
  let hi = lineStarts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (lineStarts[mid]! <= pos) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo, column: pos - lineStarts[lo]! };
}
