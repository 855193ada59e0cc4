import type { Journal } from '../journal/index.js';
import { isoWeekOf, postWeeklyWebhook, weeklyReport, writeWeeklyNote, type IsoWeek } from '../vault/index.js';

/** What a session writes as weeks pass (`weeklyReport` of volt.config.json, and `vault.path`). */
export interface WeeklySchedule {
  /** The vault the note goes to (`Performance/Week_YYYY-Www.md`); no note without one. */
  vault?: string;
  /** POSTed the week's summary (JSON, as `volt report weekly --webhook`). */
  webhook?: string;
  /** Also the week so far, this often (hours of the exchange's clock). */
  everyHours?: number;
}

/** Why a note was written: the week ended during the session, or `everyHours` came round. */
export type WeeklyReportReason = 'week-ended' | 'every';

export type WeeklyReportEvent =
  | { type: 'report'; week: string; reason: WeeklyReportReason; note: string | null; trades: number; pnl: number; problem: string | null }
  | { type: 'webhook'; week: string; url: string; problem: string | null };

/**
 * The weekly report on a session's clock (the exchange's, as its hours are, read from the bars it
 * has taken): once the week's last bar is taken, that week's report; with `everyHours`,
 * the week so far that often. The note is written at once (a rewrite keeps what the trader wrote
 * below its marker); the webhook is POSTed in the background, so a slow receiver never holds up a
 * bar, and `settle()` waits for what is still in flight when the session ends. Nothing here stops a
 * session: a failure is an event.
 */
export class WeeklyReporter {
  private week: IsoWeek | undefined;
  private nextEvery = Infinity;
  private readonly posts = new Set<Promise<void>>();

  constructor(
    private readonly journal: Journal,
    private readonly schedule: WeeklySchedule,
    private readonly emit: (e: WeeklyReportEvent) => void,
  ) {}

  /** A look at `now`: the close of the last bar the session has taken (the exchange's clock as far as the journal has it). */
  look(now: number): void {
    if (this.week === undefined) {
      this.week = isoWeekOf(now);
      const every = this.schedule.everyHours;
      if (every !== undefined && every > 0) this.nextEvery = now + every * 3_600_000;
      return;
    }
    if (now >= this.week.end) {
      const ended = this.week;
      this.week = isoWeekOf(now);
      this.write(ended, 'week-ended');
    }
    if (now >= this.nextEvery) {
      const every = this.schedule.everyHours! * 3_600_000;
      // A session that was slow (or a clock that jumped) writes once, not once per period missed.
      while (this.nextEvery <= now) this.nextEvery += every;
      this.write(this.week, 'every');
    }
  }

  private write(week: IsoWeek, reason: WeeklyReportReason): void {
    let note: string | null = null;
    let report;
    try {
      report = weeklyReport(this.journal, week);
      if (this.schedule.vault !== undefined) note = writeWeeklyNote(this.schedule.vault, report);
    } catch (e) {
      this.emit({ type: 'report', week: week.label, reason, note: null, trades: 0, pnl: 0, problem: `the weekly report could not be written: ${e instanceof Error ? e.message : String(e)}` });
      return;
    }
    this.emit({ type: 'report', week: week.label, reason, note, trades: report.trades, pnl: report.pnl, problem: null });
    const url = this.schedule.webhook;
    if (url === undefined) return;
    const post: Promise<void> = postWeeklyWebhook(url, report).then(
      () => this.emit({ type: 'webhook', week: week.label, url, problem: null }),
      (e: unknown) => this.emit({ type: 'webhook', week: week.label, url, problem: e instanceof Error ? e.message : String(e) }),
    );
    this.posts.add(post);
    void post.finally(() => this.posts.delete(post));
  }

  /** Waits for the webhooks still in flight (each bounded by its own timeout). */
  async settle(): Promise<void> {
    await Promise.all([...this.posts]);
  }
}
