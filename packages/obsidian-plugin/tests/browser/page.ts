/**
 * What the browser test loads into Chromium: the plugin's renderers, its `volt` code block and the
 * obsidian stand-in (its DOM helpers on real elements), bundled by esbuild. The test hands data from
 * the real sidecar to `window.volt` and reads back what was drawn; a code block asks the real sidecar
 * itself, through `window.voltRequest` (the test's bridge to the plugin's Sidecar in Node).
 */
import '../obsidian-stand-in.js';
import { VoltClient } from '../../src/client.js';
import { renderTrade } from '../../src/views/trade-render.js';
import { renderRun } from '../../src/views/run-render.js';
import { dailyPnl, renderCalendar } from '../../src/views/calendar.js';
import { renderComparison } from '../../src/views/compare-render.js';
import { renderAgentStatus } from '../../src/views/agent-status-render.js';
import { VoltBlock } from '../../src/views/codeblock.js';
import { parseTags } from '../../src/review.js';

type Bridge = { voltRequest(method: string, params: unknown): Promise<unknown> };

/** A note's ```volt block drawn into `el` as Obsidian would: `note` is the note's text, the block opening on line `lineStart`. */
async function codeBlock(el: HTMLElement, note: string, lineStart: number): Promise<{ notices: string[]; opened: string[]; series: Record<string, number> | undefined }> {
  const notices: string[] = [];
  const opened: string[] = [];
  const lines = note.split('\n');
  const lineEnd = lines.findIndex((l, i) => i > lineStart && /^\s*(```|~~~)\s*$/.test(l));
  const body = lines.slice(lineStart + 1, lineEnd).join('\n');
  const client = new VoltClient({ request: <R>(method: string, params?: unknown) => (window as unknown as Bridge).voltRequest(method, params) as Promise<R> });
  const host = {
    ctx: { client, syncAfterRun: false, notify: (m: string) => void notices.push(m) },
    openTrade: async (id: number) => void opened.push(`trade ${id}`),
    openRun: async (id: number) => void opened.push(`run ${id}`),
  };
  const block = new VoltBlock(el, host, body, () => ({ text: note, lineStart, lineEnd }));
  await block.render();
  return { notices, opened, series: (block as unknown as { drawn?: { series: Record<string, number> } }).drawn?.series };
}

Object.assign(window, { volt: { renderTrade, renderRun, renderCalendar, dailyPnl, renderComparison, renderAgentStatus, parseTags, codeBlock } });
