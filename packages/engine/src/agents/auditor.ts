/**
 * After the fill: compare what the panel approved with what was executed. Slippage over 1% of the
 * reference price and a size over 110% of the approved one go back to the execution agent as
 * corrections, and into the journal.
 */

export interface ApprovedEntry {
  side: 'BUY' | 'SELL';
  /** Reference price the panel approved at (the signal bar's close). */
  price: number;
  /** Approved size as a fraction of equity. */
  pct: number;
}

export interface ExecutedEntry {
  price: number;
  pct: number;
}

export interface AuditIssue {
  type: 'EXCESSIVE_SLIPPAGE' | 'POSITION_SIZE_VIOLATION';
  severity: 'HIGH' | 'CRITICAL';
  /** Slippage as a fraction of the reference price, or executed/approved size ratio. */
  value: number;
  message: string;
}

export const SLIPPAGE_LIMIT = 0.01;
export const SIZE_TOLERANCE = 1.1;

export function auditExecution(approved: Readonly<ApprovedEntry>, executed: Readonly<ExecutedEntry>): AuditIssue[] {
  const issues: AuditIssue[] = [];
  if (approved.price > 0) {
    const slippage = Math.abs(executed.price - approved.price) / approved.price;
    if (slippage > SLIPPAGE_LIMIT) {
      issues.push({
        type: 'EXCESSIVE_SLIPPAGE',
        severity: 'HIGH',
        value: slippage,
        message: `execution agent allowed ${(slippage * 100).toFixed(2)}% slippage (filled ${executed.price} against ${approved.price} approved; limit ${SLIPPAGE_LIMIT * 100}%)`,
      });
    }
  }
  if (approved.pct > 0 && executed.pct > approved.pct * SIZE_TOLERANCE) {
    issues.push({
      type: 'POSITION_SIZE_VIOLATION',
      severity: 'CRITICAL',
      value: executed.pct / approved.pct,
      message: `execution exceeded the approved position size: ${(executed.pct * 100).toFixed(2)}% of equity against ${(approved.pct * 100).toFixed(2)}% approved`,
    });
  }
  return issues;
}
