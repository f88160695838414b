// The drop's live Q&A on the page: shoppers ask the brand, and every answer, pin or hidden question reaches
// every open page live (Server-Sent Events). A shopper is shown as "Shopper 4F2A" (a pseudonym the server makes
// from this browser's key), never by a name or an e-mail. See docs/api.md, "Live Q&A".
/* global document, fetch, EventSource, navigator, Option */

const MAX = 300;

/**
 * `api`: the event's API base; `token`: the storefront token; `browserKey()`: this browser's kept key;
 * `products()`: [{ sku, label }] for the "about" choice; `refusal(res)`: the sentence for a refused call.
 */
export function startQa({ api, token, browserKey, products, refusal }) {
  const $ = (id) => document.getElementById(id);
  const box = $('qa');
  box.hidden = false;
  /** The shown questions by id (the snapshot, then each change). */
  const shown = new Map();
  const when = (ms) => new Intl.DateTimeFormat(navigator.language, { hour: '2-digit', minute: '2-digit' }).format(new Date(ms));

  const render = () => {
    const all = [...shown.values()].sort((a, b) => (a.pinned === b.pinned ? b.askedAt - a.askedAt : a.pinned ? -1 : 1));
    $('qa-empty').hidden = all.length > 0;
    $('qa-list').replaceChildren(
      ...all.map((q) => {
        const li = document.createElement('li');
        li.className = `qa-item${q.pinned ? ' pinned' : ''}${q.answer ? ' answered' : ''}`;
        const head = document.createElement('p');
        head.className = 'qa-meta';
        const about = q.sku ? products().find((p) => p.sku === q.sku)?.label : undefined;
        head.textContent = `${q.pinned ? 'Pinned · ' : ''}${q.shopper} · ${when(q.askedAt)}${about ? ` · about ${about}` : ''}`;
        const text = document.createElement('p');
        text.className = 'qa-text';
        text.textContent = q.text;
        li.append(head, text);
        if (q.answer) {
          const a = document.createElement('p');
          a.className = 'qa-answer';
          const who = document.createElement('strong');
          who.textContent = 'The brand: ';
          a.append(who, q.answer.text);
          li.append(a);
        }
        return li;
      }),
    );
  };

  const apply = (changes) => {
    for (const c of changes) {
      if (c.removed) shown.delete(c.id);
      else shown.set(c.id, c);
    }
    render();
  };

  const fillAbout = () => {
    const select = $('qa-about');
    const keep = select.value;
    const seen = new Set();
    const options = [new Option('The whole drop', '')];
    for (const p of products()) {
      if (seen.has(p.sku)) continue;
      seen.add(p.sku);
      options.push(new Option(p.label, p.sku));
    }
    select.replaceChildren(...options);
    select.value = keep;
  };

  const text = $('qa-text');
  const count = () => {
    $('qa-count').textContent = `${[...text.value].length} / ${MAX}`;
  };
  text.addEventListener('input', count);
  count();

  $('qa-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const question = text.value.trim();
    if (!question) return;
    const button = $('qa-ask');
    button.disabled = true;
    $('qa-message').textContent = '';
    try {
      const sku = $('qa-about').value;
      const res = await fetch(`${api}/qa/questions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ browserKey: browserKey(), text: question, ...(sku ? { sku } : {}) }),
      });
      const body = await res.json().catch(() => undefined);
      if (res.status === 201) {
        apply([body]);
        text.value = '';
        // The next question starts about the whole drop again, not silently about the last product.
        $('qa-about').value = '';
        count();
        $('qa-message').textContent = `Asked as ${body.shopper}. The answer appears here for everyone.`;
        $('qa-message').className = 'qa-message ok';
      } else {
        $('qa-message').textContent = qaRefusal({ status: res.status, body }, refusal);
        $('qa-message').className = 'qa-message';
      }
    } catch {
      $('qa-message').textContent = qaRefusal({ status: 0 }, refusal);
      $('qa-message').className = 'qa-message';
    } finally {
      button.disabled = false;
    }
  });

  // Late joiners read the snapshot (cacheable a second), then the stream carries each change. The stream's own
  // snapshot replaces it on every (re)connection, so a page that was offline catches up.
  const source = new EventSource(`${api}/qa/stream?token=${encodeURIComponent(token)}`);
  source.addEventListener('snapshot', (e) => {
    shown.clear();
    apply(JSON.parse(e.data).questions);
  });
  source.addEventListener('qa', (e) => apply(JSON.parse(e.data).changes));
  return { productsChanged: fillAbout };
}

/** What a shopper reads when a question is refused. */
export function qaRefusal(res, refusal) {
  const body = res.body ?? {};
  switch (body.type) {
    case 'ValidationError':
      if (body.field === 'text' && /e-mail|phone/.test(body.message)) return 'Please leave out e-mail addresses and phone numbers: everyone on this page sees your question.';
      if (body.field === 'text') return `Questions are 3 to ${MAX} characters long.`;
      return 'We could not take that question. Please try again.';
    case 'QaRateLimited':
      return `You have asked a lot in a short time. You can ask again in ${body.details?.retryAfterSeconds ?? 60} seconds.`;
    case 'QaSenderBanned':
      return 'The brand is no longer taking questions from this browser.';
    default:
      return refusal(res);
  }
}
