import { useCallback, useRef, useState } from 'react';
import { createPortal } from 'react-dom';
import { productLabel } from '../../../core/catalog/catalog.ts';
import { usePos } from '../app/pos-store.ts';
import { usePanelDialog, usePolling } from '../app/use-panel.ts';
import { answerQuestion, listQuestions, moderateQuestion, QaOffline, type QaConnection, type TillQuestion } from '../sync/qa-client.ts';
import './OrdersPanel.css';

/**
 * The drop's live Q&A at a booth that runs the live stream: shoppers' questions from the drop page, answered,
 * pinned or hidden from the till the staff already use (the ban is the organiser's, in the console). Re-read
 * every few seconds while open; what is answered reaches every shopper's page live.
 */
const POLL_MS = 3000;

/** The "Live Q&A" button for the sell screen's top bar; shown only on a paired till. */
export function LiveQaButton() {
  const store = usePos((s) => s.store);
  const [open, setOpen] = useState(false);
  const profile = store?.profile;
  if (!profile?.serverUrl || !profile.token) return null;
  return (
    <>
      <button className="ghost light" onClick={() => setOpen(true)} aria-haspopup="dialog">
        Live Q&amp;A
      </button>
      {open && createPortal(<QaPanel onClose={() => setOpen(false)} />, document.body)}
    </>
  );
}

export function QaPanel({ onClose, fetchFn }: { onClose: () => void; fetchFn?: typeof fetch }) {
  const store = usePos((s) => s.store);
  const profile = store?.profile;
  const config = store?.config();
  const conn: QaConnection | undefined = profile?.serverUrl && profile.token ? { serverUrl: profile.serverUrl, token: profile.token, eventId: profile.eventId } : undefined;
  const names = new Map((store?.allProducts() ?? []).map((p) => [p.sku, productLabel(p)]));
  const connRef = useRef(conn);
  connRef.current = conn;
  const [questions, setQuestions] = useState<TillQuestion[] | undefined>();
  const [watching, setWatching] = useState(0);
  const [offline, setOffline] = useState(false);
  const [problem, setProblem] = useState<string | undefined>();
  const dialog = usePanelDialog(onClose);

  const refresh = useCallback(async () => {
    const c = connRef.current;
    if (!c) return;
    try {
      const r = await listQuestions(c, fetchFn);
      setQuestions(r.questions.filter((q) => !q.hidden));
      setWatching(r.watching);
      setOffline(false);
    } catch (err) {
      if (err instanceof QaOffline) setOffline(true);
      else setProblem(err instanceof Error ? err.message : String(err));
    }
  }, [fetchFn]);

  usePolling(refresh, POLL_MS);

  const act = async (what: (c: QaConnection) => Promise<unknown>) => {
    const c = connRef.current;
    if (!c) return;
    setProblem(undefined);
    try {
      await what(c);
      await refresh();
    } catch (err) {
      if (err instanceof QaOffline) setOffline(true);
      else setProblem(err instanceof Error ? err.message : String(err));
    }
  };

  // Unanswered first (what the stream is waiting for), then the rest; newest first within each.
  const shown = [...(questions ?? [])].sort((a, b) => Number(!!a.answer) - Number(!!b.answer) || b.askedAt - a.askedAt);
  return (
    <div className="orders-backdrop" onClick={(e) => e.target === e.currentTarget && onClose()}>
      <div className="orders-panel" role="dialog" aria-modal="true" aria-labelledby="qa-title" tabIndex={-1} ref={dialog}>
        <header className="orders-head">
          <h2 id="qa-title">Live Q&amp;A</h2>
          <span className="muted">{questions ? `${shown.filter((q) => !q.answer).length} to answer · ${watching} watching` : ''}</span>
          <button onClick={onClose}>Close</button>
        </header>
        {offline && (
          <p role="status" className="banner orders-offline">
            Offline: the server cannot be reached. Questions show here again when it is back.
          </p>
        )}
        {problem && (
          <p role="alert" className="banner error">
            {problem}
          </p>
        )}
        {questions === undefined && !offline && <p className="muted">Loading questions…</p>}
        {questions?.length === 0 && <p className="muted">No questions yet from the drop page.</p>}
        <ul className="orders-list" aria-label="Questions">
          {shown.map((q) => (
            <li key={q.id} className="orders-item" aria-label={`Question from ${q.shopper}`}>
              <div className="orders-item-head">
                <strong>{q.shopper}</strong>
                {q.pinned && <span className="orders-status s-ready">Pinned</span>}
                <span className="muted">{new Date(q.askedAt).toLocaleTimeString(config?.locale, { hour: '2-digit', minute: '2-digit', timeZone: config?.timeZone })}</span>
                {q.sku && <span className="muted">about {names.get(q.sku) ?? q.sku}</span>}
              </div>
              <p className="qa-question">{q.text}</p>
              {q.answer && <p className="muted">Answered by {q.answer.byLabel}: {q.answer.text}</p>}
              <AnswerBox key={`${q.id}-${q.answer?.at ?? 0}`} question={q} disabled={offline} onAnswer={(text) => act((c) => answerQuestion(c, q.id, text, fetchFn))} />
              <div className="qa-actions">
                <button disabled={offline} onClick={() => void act((c) => moderateQuestion(c, q.id, { pinned: !q.pinned }, fetchFn))}>
                  {q.pinned ? 'Unpin' : 'Pin'}
                </button>
                <button disabled={offline} onClick={() => void act((c) => moderateQuestion(c, q.id, { hidden: true }, fetchFn))}>
                  Hide
                </button>
              </div>
            </li>
          ))}
        </ul>
      </div>
    </div>
  );
}

function AnswerBox({ question, disabled, onAnswer }: { question: TillQuestion; disabled: boolean; onAnswer: (text: string) => Promise<void> }) {
  const [text, setText] = useState(question.answer?.text ?? '');
  return (
    <form
      className="qa-answer"
      onSubmit={(e) => {
        e.preventDefault();
        if (text.trim()) void onAnswer(text.trim());
      }}
    >
      <input aria-label={`Answer to ${question.shopper}`} value={text} maxLength={1000} placeholder="Answer, shown to every shopper" onChange={(e) => setText(e.target.value)} />
      <button className="primary" type="submit" disabled={disabled || !text.trim()}>
        {question.answer ? 'Update' : 'Answer'}
      </button>
    </form>
  );
}
