/**
 * What the browser test loads into Chromium: the plugin's renderers and the obsidian stand-in (its
 * DOM helpers on real elements), bundled by esbuild. The test hands data from the real sidecar to
 * `window.volt` and reads back what was drawn.
 */
import '../obsidian-stand-in.js';
import { renderTrade } from '../../src/views/trade-render.js';
import { renderRun } from '../../src/views/run-render.js';
import { dailyPnl, renderCalendar } from '../../src/views/calendar.js';
import { renderComparison } from '../../src/views/compare-render.js';
import { renderAgentStatus } from '../../src/views/agent-status-render.js';
import { parseTags } from '../../src/review.js';

Object.assign(window, { volt: { renderTrade, renderRun, renderCalendar, dailyPnl, renderComparison, renderAgentStatus, parseTags } });
