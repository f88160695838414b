import { showTab, useEventState } from '../console-store.ts';
import { setupChecklist, type ChecklistStep } from '../setup-checklist.ts';

/** Takes the organiser to the card where a step is done (switching tab first when needed). */
function go(step: ChecklistStep): void {
  showTab(step.tab);
  // After the tab has rendered: scroll to the card and put the keyboard there.
  requestAnimationFrame(() => {
    const card = document.querySelector<HTMLElement>(`section[aria-label="${step.card}"]`);
    card?.scrollIntoView({ block: 'start' });
    card?.querySelector<HTMLElement>('input, select, textarea, button')?.focus({ preventScroll: true });
  });
}

/** The first-event checklist at the top of Set-up: what is done, what is next, each step one click from its card. */
export function SetupChecklist() {
  const state = useEventState();
  if (!state) return null;
  const steps = setupChecklist(state);
  const next = steps.find((s) => !s.done);
  const left = steps.filter((s) => !s.done).length;
  return (
    <section className="card checklist" aria-label="First-event checklist">
      <h2>First-event checklist</h2>
      <p role="status" className={left ? 'muted' : 'ok-text'}>
        {left ? `${steps.length - left} of ${steps.length} done. Next: ${next!.title.toLowerCase()}.` : 'All set: the tills can sell.'}
      </p>
      <ol>
        {steps.map((s) => (
          <li key={s.id} className={s.done ? 'done' : s === next ? 'next' : 'todo'}>
            <span className="state" aria-hidden="true">
              {s.done ? '✓' : s === next ? '→' : '○'}
            </span>
            <span>
              <strong>{s.title}</strong> <span className="muted">— {s.detail}</span>
              <span className="sr-only">{s.done ? ' (done)' : ' (to do)'}</span>
            </span>
            <button type="button" className={s === next ? 'primary' : 'ghost'} onClick={() => go(s)} aria-label={`${s.title}: go to ${s.card}`}>
              {s.done ? 'Review' : 'Go'}
            </button>
          </li>
        ))}
      </ol>
    </section>
  );
}
