import { useState, type FormEvent } from 'react';
import { act, ev, useConsole } from '../console-store.ts';
import { useCreators } from '../use-creators.ts';

/** Creators, their codes (typed at the till) and links (`/r/<code>`, counted by the server), with clicks so far. */
export function CreatorsSetup() {
  const api = useConsole((s) => s.api)!;
  const { creators, reload } = useCreators();
  const [f, setF] = useState({ code: '', name: '', url: '' });
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const ok = await act(() => api.put(ev(`/creators/${encodeURIComponent(f.code.trim())}`), { name: f.name.trim(), ...(f.url.trim() ? { url: f.url.trim() } : {}) }), `Creator ${f.code.trim()} saved`);
    if (ok !== undefined) {
      setF({ code: '', name: '', url: '' });
      reload();
    }
  };
  const base = api.session.serverUrl;
  return (
    <section className="card" aria-label="Creators">
      <h2>Creators</h2>
      <table>
        <thead>
          <tr>
            <th>Code</th>
            <th>Creator</th>
            <th>Link to share</th>
            <th className="num">Clicks</th>
          </tr>
        </thead>
        <tbody>
          {creators.map((c) => (
            <tr key={c.code}>
              <td>
                <code>{c.code}</code>
              </td>
              <td>{c.name}</td>
              <td>
                <code>
                  {base}
                  {c.link}
                </code>
              </td>
              <td className="num">{c.clicks}</td>
            </tr>
          ))}
          {creators.length === 0 && (
            <tr>
              <td colSpan={4} className="muted">
                No creators yet.
              </td>
            </tr>
          )}
        </tbody>
      </table>
      <form onSubmit={(e) => void submit(e)} className="form-grid">
        <label>
          Code
          <input value={f.code} onChange={(e) => setF({ ...f, code: e.target.value })} required pattern="[A-Za-z0-9][A-Za-z0-9_\-]{1,31}" />
        </label>
        <label>
          Creator name
          <input value={f.name} onChange={(e) => setF({ ...f, name: e.target.value })} required />
        </label>
        <label>
          Their own page (optional)
          <input type="url" value={f.url} onChange={(e) => setF({ ...f, url: e.target.value })} />
        </label>
        <button type="submit" className="primary">
          Save creator
        </button>
      </form>
    </section>
  );
}
