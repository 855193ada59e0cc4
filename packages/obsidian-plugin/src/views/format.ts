/** How numbers read in every view: percentages signed, prices to the instrument's decimals, UTC times. */
export const pct = (v: number | null | undefined, digits = 2): string =>
  v === null || v === undefined || !Number.isFinite(v) ? '—' : `${v >= 0 ? '+' : ''}${(v * 100).toFixed(digits)}%`;
/** A share of a whole (a win rate): no sign, it is never a gain or a loss. */
export const share = (v: number | null | undefined, digits = 1): string => (v === null || v === undefined || !Number.isFinite(v) ? '—' : `${(v * 100).toFixed(digits)}%`);
export const num = (v: number | null | undefined, digits = 2): string => (v === null || v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(digits));
export const signed = (v: number | null | undefined, digits = 2): string => (v === null || v === undefined || !Number.isFinite(v) ? '—' : `${v >= 0 ? '+' : ''}${v.toFixed(digits)}`);
export const when = (ms: number | null | undefined): string => (ms === null || ms === undefined || !Number.isFinite(ms) ? '—' : `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`);

/** A table with a header row; each row's cells as text. Returns the body rows, for click handlers. */
export function table(parent: HTMLElement, head: readonly string[], rows: readonly (readonly string[])[], cls = 'volt-table'): HTMLTableRowElement[] {
  const t = parent.createEl('table', { cls });
  const hr = t.createEl('thead').createEl('tr');
  for (const h of head) hr.createEl('th', { text: h });
  const body = t.createEl('tbody');
  return rows.map((r) => {
    const tr = body.createEl('tr');
    for (const c of r) tr.createEl('td', { text: c });
    return tr;
  });
}
