import { useState, type FormEvent } from 'react';
import { act, ev, useConsole } from '../console-store.ts';
import { useTokens, type TokenRow } from '../use-tokens.ts';

const when = (ms: number | undefined) => (ms === undefined ? '—' : new Date(ms).toLocaleString());

/**
 * The event's tokens (tills, storefronts, LAN hubs, organisers): issue one (shown once, with an optional
 * expiry), see every one by label with when it was last used, and revoke one that leaked or belongs to a
 * stolen device. Revoking closes its open connections at once; the server refuses it from then on.
 */
export function TokensSetup() {
  const api = useConsole((s) => s.api)!;
  const role = useConsole((s) => s.role);
  const { tokens, reload } = useTokens();
  const [label, setLabel] = useState('');
  const [kind, setKind] = useState('storefront');
  const [expires, setExpires] = useState('');
  const [issued, setIssued] = useState<{ token: string; role: string; label: string }[]>([]);
  const [confirming, setConfirming] = useState<string | undefined>();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const expiresAt = expires ? new Date(expires).getTime() : undefined;
    const r = await act(
      () => api.post<{ token: string; role: string; label: string }>(ev('/tokens'), { role: kind, label: label.trim(), ...(expiresAt !== undefined ? { expiresAt } : {}) }),
      'Token issued: copy it now, it is shown once',
    );
    if (r) {
      setIssued([r, ...issued]);
      setLabel('');
      reload();
    }
  };
  const revoke = async (t: TokenRow) => {
    setConfirming(undefined);
    const r = await act(() => api.post(ev(`/tokens/${t.id}/revoke`), { reason: 'revoked in the organiser console' }), `Revoked ${t.label}: its connections are closed`);
    if (r !== undefined) reload();
  };
  return (
    <section className="card" aria-label="Tokens">
      <h2>Tokens</h2>
      <p className="muted">Every device and shop that talks to the server. Revoke one that leaked or whose device was lost: it is disconnected at once and refused from then on.</p>
      <table aria-label="Event tokens">
        <thead>
          <tr>
            <th>Label</th>
            <th>Role</th>
            <th>Issued</th>
            <th>Expires</th>
            <th>Last used</th>
            <th>State</th>
          </tr>
        </thead>
        <tbody>
          {tokens.map((t) => (
            <tr key={t.id}>
              <td>
                {t.label} <code className="muted">{t.id.slice(0, 8)}</code>
              </td>
              <td>
                {t.role}
                {t.tillId ? ` (${t.tillId})` : ''}
              </td>
              <td>{when(t.createdAt)}</td>
              <td>{when(t.expiresAt)}</td>
              <td>{when(t.lastUsedAt)}</td>
              <td>
                {t.revokedAt !== undefined ? (
                  <span className="muted" title={t.revokedReason}>
                    revoked {when(t.revokedAt)}
                  </span>
                ) : t.expiresAt !== undefined && t.expiresAt <= Date.now() ? (
                  <span className="muted">expired</span>
                ) : t.role === 'organiser' && role !== 'admin' ? (
                  <span className="muted">active</span>
                ) : confirming === t.id ? (
                  <>
                    <button type="button" className="danger" onClick={() => void revoke(t)}>
                      Yes, revoke {t.label}
                    </button>{' '}
                    <button type="button" onClick={() => setConfirming(undefined)}>
                      Cancel
                    </button>
                  </>
                ) : (
                  <button type="button" onClick={() => setConfirming(t.id)} aria-label={`Revoke ${t.label}`}>
                    Revoke
                  </button>
                )}
              </td>
            </tr>
          ))}
          {tokens.length === 0 && (
            <tr>
              <td colSpan={6} className="muted">
                No tokens yet.
              </td>
            </tr>
          )}
        </tbody>
      </table>
      <form onSubmit={(e) => void submit(e)} className="form-grid">
        <label>
          Label
          <input value={label} onChange={(e) => setLabel(e.target.value)} required placeholder="shop.example.com" />
        </label>
        <label>
          Role
          <select value={kind} onChange={(e) => setKind(e.target.value)}>
            <option value="storefront">storefront (web shop)</option>
            <option value="hub">hub (venue LAN hub)</option>
            {role === 'admin' && <option value="organiser">organiser</option>}
          </select>
        </label>
        <label>
          Expires (optional)
          <input type="datetime-local" value={expires} onChange={(e) => setExpires(e.target.value)} />
        </label>
        <button type="submit" className="primary">
          Issue token
        </button>
      </form>
      {issued.map((t) => (
        <p key={t.token}>
          {t.role} token for <strong>{t.label}</strong>: <code className="token">{t.token}</code>
        </p>
      ))}
    </section>
  );
}
