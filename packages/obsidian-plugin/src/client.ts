/** The sidecar's requests and commands the plugin uses, typed from lsp-server's protocol.ts (never re-declared). */
import {
  Commands,
  Requests,
  type AgentStatusResult,
  type AnnotateTradeParams,
  type AnnotateTradeResult,
  type BacktestParams,
  type BacktestResult,
  type BarsParams,
  type BarsResult,
  type ExportVaultParams,
  type ExportVaultResult,
  type JournalParams,
  type JournalResult,
  type RunDetailResult,
  type RunsParams,
  type RunsResult,
  type TradeDetailResult,
} from '@volt/lsp-server/protocol';

/** What a client needs of the sidecar: one request at a time (Sidecar, or a test's connection). */
export interface RequestSender {
  request<R>(method: string, params?: unknown): Promise<R>;
}

export class VoltClient {
  constructor(private readonly sidecar: RequestSender) {}

  runs(p: RunsParams = {}): Promise<RunsResult> {
    return this.sidecar.request(Requests.runs, p);
  }
  run(runId: number): Promise<RunDetailResult> {
    return this.sidecar.request(Requests.run, { runId });
  }
  trade(tradeId: number): Promise<TradeDetailResult> {
    return this.sidecar.request(Requests.trade, { tradeId });
  }
  bars(p: BarsParams): Promise<BarsResult> {
    return this.sidecar.request(Requests.bars, p);
  }
  annotateTrade(p: AnnotateTradeParams): Promise<AnnotateTradeResult> {
    return this.sidecar.request(Requests.annotateTrade, p);
  }
  exportVault(p: ExportVaultParams = {}): Promise<ExportVaultResult> {
    return this.sidecar.request(Requests.exportVault, p);
  }
  backtest(p: BacktestParams): Promise<BacktestResult> {
    return this.sidecar.request('workspace/executeCommand', { command: Commands.backtest, arguments: [p] });
  }
  journal(p: JournalParams = {}): Promise<JournalResult> {
    return this.sidecar.request('workspace/executeCommand', { command: Commands.journal, arguments: [p] });
  }
  agentStatus(): Promise<AgentStatusResult> {
    return this.sidecar.request('workspace/executeCommand', { command: Commands.agentStatus, arguments: [{}] });
  }
}
