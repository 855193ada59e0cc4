import { AGENT_ROLES, type AgentRole } from './types.js';

/**
 * How often each agent has been right about the trades that went through. An agent is right when it
 * backed a trade that won, or held back from one that lost. The result is a bounded multiplier on
 * its voting weight: 0.5 (always wrong) to 1.5 (always right), 1.0 with no history. A prior of two
 * wins and two losses keeps a lucky first trade from doubling anyone's say.
 */
export class TrackRecord {
  private readonly right = new Float64Array(AGENT_ROLES.length);
  private readonly judged = new Float64Array(AGENT_ROLES.length);

  multiplier(role: AgentRole): number {
    const i = AGENT_ROLES.indexOf(role);
    return 0.5 + (this.right[i]! + 2) / (this.judged[i]! + 4);
  }

  /** By index into AGENT_ROLES, for the hot path. */
  multiplierAt(i: number): number {
    return 0.5 + (this.right[i]! + 2) / (this.judged[i]! + 4);
  }

  /** `supportMask` bit i set when AGENT_ROLES[i] voted for the trade. */
  record(supportMask: number, won: boolean): void {
    for (let i = 0; i < AGENT_ROLES.length; i++) {
      const supported = (supportMask & (1 << i)) !== 0;
      this.judged[i]!++;
      if (supported === won) this.right[i]!++;
    }
  }

  winRate(role: AgentRole): number {
    const i = AGENT_ROLES.indexOf(role);
    return this.judged[i]! > 0 ? this.right[i]! / this.judged[i]! : Number.NaN;
  }

  trades(role: AgentRole): number {
    return this.judged[AGENT_ROLES.indexOf(role)]!;
  }

  reset(): void {
    this.right.fill(0);
    this.judged.fill(0);
  }
}
