import type { ExitReason } from '../backtest/index.js';
import type { OutcomeLabel } from './types.js';

/**
 * The label a trade earns when it closes (journal/README.md, "Outcome rules"):
 * - still open                      → PENDING
 * - closed by its stop-loss         → STOPPED (the market proved the entry wrong, whatever the fees)
 * - closed with net P&L above zero  → CORRECT
 * - anything else                   → FALSE_POSITIVE (the signal did not pay for its fees)
 */
export function classifyOutcome(exit: { exitReason: ExitReason | null; pnl: number | null } | null): OutcomeLabel {
  if (exit === null || exit.exitReason === null || exit.pnl === null) return 'PENDING';
  if (exit.exitReason === 'stop') return 'STOPPED';
  return exit.pnl > 0 ? 'CORRECT' : 'FALSE_POSITIVE';
}
