/** A calendar of daily P&L: one month per block, each day coloured by the P&L of the trades that closed on it (UTC). */
import type { ReviewTradeEntry } from '@volt/lsp-server/protocol';
import { signed } from './format.js';

export interface DayPnl {
  pnl: number;
  trades: number;
}

/** P&L per UTC day of each closed trade's exit; open trades have none yet. */
export function dailyPnl(trades: readonly ReviewTradeEntry[]): Map<string, DayPnl> {
  const days = new Map<string, DayPnl>();
  for (const t of trades) {
    if (t.exitTime === null || t.pnl === null) continue;
    const day = new Date(t.exitTime).toISOString().slice(0, 10);
    const d = days.get(day) ?? { pnl: 0, trades: 0 };
    d.pnl += t.pnl;
    d.trades++;
    days.set(day, d);
  }
  return days;
}

const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

export function renderCalendar(el: HTMLElement, title: string, days: Map<string, DayPnl>): void {
  el.empty();
  el.addClass('volt-calendar');
  el.createEl('h2', { text: title });
  if (days.size === 0) {
    el.createDiv({ cls: 'volt-empty', text: 'No closed trades yet.' });
    return;
  }
  const keys = [...days.keys()].sort();
  const total = [...days.values()].reduce((a, d) => a + d.pnl, 0);
  const worst = Math.max(...[...days.values()].map((d) => Math.abs(d.pnl)), 1e-9);
  el.createDiv({ cls: 'volt-sub', text: `${keys.length} trading days, ${keys[0]} → ${keys[keys.length - 1]}, total ${signed(total)}` });
  const months = [...new Set(keys.map((k) => k.slice(0, 7)))];
  for (const month of months) {
    const box = el.createDiv({ cls: 'volt-month' });
    const [y, mo] = month.split('-').map(Number) as [number, number];
    const monthPnl = keys.filter((k) => k.startsWith(month)).reduce((a, k) => a + days.get(k)!.pnl, 0);
    box.createEl('h4', { text: `${new Date(Date.UTC(y, mo - 1, 1)).toLocaleString('en', { month: 'long', timeZone: 'UTC' })} ${y} · ${signed(monthPnl)}` });
    const grid = box.createDiv({ cls: 'volt-month-grid' });
    for (const w of WEEKDAYS) grid.createDiv({ cls: 'volt-weekday', text: w });
    const first = (new Date(Date.UTC(y, mo - 1, 1)).getUTCDay() + 6) % 7;
    for (let i = 0; i < first; i++) grid.createDiv({ cls: 'volt-day volt-day-blank' });
    const length = new Date(Date.UTC(y, mo, 0)).getUTCDate();
    for (let day = 1; day <= length; day++) {
      const key = `${month}-${String(day).padStart(2, '0')}`;
      const d = days.get(key);
      const cell = grid.createDiv({ cls: 'volt-day', attr: { 'data-day': key } });
      cell.createDiv({ cls: 'volt-day-number', text: String(day) });
      if (d) {
        cell.addClass(d.pnl >= 0 ? 'volt-day-win' : 'volt-day-loss');
        // Stronger colour for a bigger day, relative to the biggest day shown.
        cell.style.setProperty('--volt-day-strength', (0.25 + 0.75 * (Math.abs(d.pnl) / worst)).toFixed(2));
        cell.createDiv({ cls: 'volt-day-pnl', text: signed(d.pnl) });
        cell.setAttr('title', `${key}: ${signed(d.pnl)} over ${d.trades} trade${d.trades === 1 ? '' : 's'}`);
      }
    }
  }
}
