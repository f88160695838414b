import { useState, type FormEvent } from 'react';
import { signIn, useConsole } from '../console-store.ts';
import { FlashMessage } from './FlashMessage.tsx';

/** The organiser signs in with the server's address and an organiser (or admin) token. */
export function ConsoleSignIn() {
  const busy = useConsole((s) => s.busy);
  const [server, setServer] = useState(() => (location.protocol.startsWith('http') ? location.origin : 'http://127.0.0.1:8787'));
  const [token, setToken] = useState('');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void signIn(server, token);
  };
  return (
    <main className="centered console-signin">
      <h1>Organiser console</h1>
      <form onSubmit={submit} className="stack">
        <label>
          Server address
          <input value={server} onChange={(e) => setServer(e.target.value)} required autoComplete="url" />
        </label>
        <label>
          Organiser token
          <input value={token} onChange={(e) => setToken(e.target.value)} required type="password" autoComplete="current-password" />
        </label>
        <button type="submit" className="primary big" disabled={busy}>
          Sign in
        </button>
        <p className="hint">An admin token (printed when the server first starts) opens every event; an organiser token opens its own.</p>
      </form>
      <FlashMessage />
    </main>
  );
}
