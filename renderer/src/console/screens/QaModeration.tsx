import { useCallback, useEffect, useState } from 'react';
import { zonedDateTime } from '../../../../core/reports/z-report.ts';
import { act, ev, useConsole, useEventState } from '../console-store.ts';
import { download } from '../csv-download.ts';
import { allProducts } from '../derive.ts';

/** A question as the moderation list gives it (docs/api.md, "Live Q&A"): hidden ones too, never the sender's key. */
export interface ModeratedQuestion {
  id: string;
  askedAt: number;
  shopper: string;
  text: string;
  sku?: string;
  pinned: boolean;
  hidden: boolean;
  senderBanned: boolean;
  answer?: { text: string; at: number; byRole: string; byLabel: string };
}

/** Re-read every 3 s: a live room moves fast, and an answer given at a till shows here too. */
const REFRESH_MS = 3000;

/**
 * The drop's live Q&A for the organiser: every question, newest first, with the answer box, pin, hide and ban
 * (banning takes the sender's other questions off the page too). What is answered, pinned or hidden reaches
 * every shopper's page within the feed's coalescing window.
 */
export function QaModeration() {
  const api = useConsole((s) => s.api)!;
  const state = useEventState();
  const [questions, setQuestions] = useState<ModeratedQuestion[] | undefined>();
  const [watching, setWatching] = useState(0);
  const [open, setOpen] = useState<'open' | 'all'>('open');
  const load = useCallback(async () => {
    const r = await api.get<{ questions: ModeratedQuestion[]; watching: number }>(ev('/qa/moderation'));
    setQuestions(r.questions);
    setWatching(r.watching);
  }, [api]);
  useEffect(() => {
    void load().catch(() => undefined);
    const t = setInterval(() => void load().catch(() => undefined), REFRESH_MS);
    return () => clearInterval(t);
  }, [load]);
  const tz = state?.config?.timeZone ?? 'UTC';
  const products = new Map((state ? allProducts(state) : []).map((p) => [p.sku, p.variant ? `${p.name} — ${p.variant}` : p.name]));
  const q = `/qa/questions/`;
  const after = async (what: () => Promise<unknown>, done: string) => {
    await act(what, done);
    await load().catch(() => undefined);
  };
  const unanswered = (questions ?? []).filter((x) => !x.answer && !x.hidden).length;
  const shown = (questions ?? []).filter((x) => open === 'all' || !x.hidden);
  const exportCsv = async () => {
    const csv = await act(() => api.request<string>('GET', ev('/qa/analysis?format=csv'), undefined, { accept: 'text/csv' }));
    if (csv !== undefined) download(`qa-${useConsole.getState().eventId ?? 'event'}.csv`, csv);
  };
  return (
    <section className="card" aria-label="Questions and answers">
      <div className="card-head">
        <h2>
          Questions &amp; answers{' '}
          {questions && (
            <span className="muted">
              ({unanswered} to answer · {questions.length} in all · {watching} watching)
            </span>
          )}
        </h2>
        <div className="row tight">
          <label className="check">
            <input type="checkbox" checked={open === 'all'} onChange={(e) => setOpen(e.target.checked ? 'all' : 'open')} /> Show hidden questions
          </label>
          <button type="button" className="ghost" onClick={() => void exportCsv()}>
            Download Q&amp;A (CSV)
          </button>
        </div>
      </div>
      {!questions ? (
        <p className="muted">Loading…</p>
      ) : shown.length === 0 ? (
        <p className="muted">{questions.length === 0 ? 'No questions yet. Shoppers ask from the drop page.' : 'Every question is hidden.'}</p>
      ) : (
        <ul className="qa-mod-list">
          {shown.map((x) => (
            <li key={x.id} className={`qa-mod${x.hidden ? ' hidden-q' : ''}${x.pinned ? ' pinned-q' : ''}`} aria-label={`Question from ${x.shopper}`}>
              <p className="muted">
                {x.shopper} · {zonedDateTime(x.askedAt, tz)}
                {x.sku && ` · about ${products.get(x.sku) ?? x.sku}`}
                {x.pinned && ' · pinned'}
                {x.hidden && ' · hidden from shoppers'}
                {x.senderBanned && ' · sender banned'}
              </p>
              <p className="qa-mod-text">{x.text}</p>
              {x.answer && (
                <p className="qa-mod-answer">
                  <strong>Answered</strong> by {x.answer.byLabel}: {x.answer.text}
                </p>
              )}
              <AnswerForm key={`${x.id}-${x.answer?.at ?? 0}`} question={x} onAnswer={(text) => after(() => api.put(ev(`${q}${encodeURIComponent(x.id)}/answer`), { text }), `Answered ${x.shopper}: every shopper on the page sees it`)} />
              <div className="row tight">
                <button type="button" className="ghost" onClick={() => void after(() => api.patch(ev(`${q}${encodeURIComponent(x.id)}`), { pinned: !x.pinned }), x.pinned ? 'Unpinned' : 'Pinned to the top of the page')}>
                  {x.pinned ? 'Unpin' : 'Pin'}
                </button>
                <button type="button" className="ghost" onClick={() => void after(() => api.patch(ev(`${q}${encodeURIComponent(x.id)}`), { hidden: !x.hidden }), x.hidden ? 'Shown again' : 'Hidden from every shopper')}>
                  {x.hidden ? 'Show' : 'Hide'}
                </button>
                {!x.senderBanned && (
                  <button
                    type="button"
                    className="danger"
                    aria-label={`Ban ${x.shopper}`}
                    onClick={() => {
                      if (!window.confirm(`Ban ${x.shopper}? Their questions are hidden and they cannot ask again in this drop.`)) return;
                      void after(() => api.post(ev(`${q}${encodeURIComponent(x.id)}/ban-sender`), {}), `${x.shopper} is banned; their questions are hidden`);
                    }}
                  >
                    Ban sender
                  </button>
                )}
              </div>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function AnswerForm({ question, onAnswer }: { question: ModeratedQuestion; onAnswer: (text: string) => Promise<void> }) {
  const [text, setText] = useState(question.answer?.text ?? '');
  const id = `answer-${question.id}`;
  return (
    <form
      className="qa-answer-form"
      onSubmit={(e) => {
        e.preventDefault();
        if (text.trim()) void onAnswer(text.trim());
      }}
    >
      <label htmlFor={id} className="sr-only">
        Answer to {question.shopper}
      </label>
      <textarea id={id} value={text} maxLength={1000} rows={2} placeholder="Your answer, shown to every shopper" onChange={(e) => setText(e.target.value)} />
      <button type="submit" disabled={!text.trim()}>
        {question.answer ? 'Update answer' : 'Answer'}
      </button>
    </form>
  );
}
