/** The review form (trade view and the Review this trade modal): outcome, rating, playbook tags, text. */
import type { OutcomeLabel, TradeReview } from '@volt/lsp-server/protocol';
import { parseTags, type ReviewValues } from '../review.js';

const OUTCOMES: readonly OutcomeLabel[] = ['CORRECT', 'FALSE_POSITIVE', 'STOPPED', 'PENDING'];

export function renderReviewForm(parent: HTMLElement, recorded: OutcomeLabel, current: TradeReview | null, onSave: (values: ReviewValues) => Promise<unknown>): HTMLFormElement {
  const form = parent.createEl('form', { cls: 'volt-review-form' });
  const row = (label: string) => {
    const r = form.createDiv({ cls: 'volt-review-row' });
    r.createEl('label', { text: label });
    return r;
  };
  const outcome = row('Outcome').createEl('select', { attr: { name: 'outcome' } });
  outcome.createEl('option', { text: `as recorded (${recorded})`, value: '' });
  for (const o of OUTCOMES) outcome.createEl('option', { text: o, value: o });
  outcome.value = current?.outcome ?? '';

  const rating = row('Rating').createEl('select', { attr: { name: 'rating' } });
  rating.createEl('option', { text: 'not rated', value: '' });
  for (let i = 1; i <= 5; i++) rating.createEl('option', { text: `${i} ${'★'.repeat(i)}`, value: String(i) });
  rating.value = current?.rating ? String(current.rating) : '';

  const tags = row('Playbook tags').createEl('input', { type: 'text', attr: { name: 'tags', placeholder: 'breakout, news' } });
  tags.value = (current?.tags ?? []).join(', ');

  const text = row('Review').createEl('textarea', { attr: { name: 'review', rows: '5', placeholder: 'What happened, what you would do again' } });
  text.value = current?.review ?? '';

  const save = form.createEl('button', { text: 'Save review', type: 'submit', cls: 'mod-cta' });
  const status = form.createSpan({ cls: 'volt-review-status' });
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    save.disabled = true;
    status.setText('saving…');
    void onSave({
      outcome: outcome.value ? (outcome.value as OutcomeLabel) : null,
      rating: rating.value ? Number(rating.value) : null,
      tags: parseTags(tags.value),
      review: text.value,
    }).then(
      (r) => status.setText(r === undefined ? 'not saved' : 'saved'),
      () => status.setText('not saved'),
    ).finally(() => (save.disabled = false));
  });
  return form;
}
