import { useState } from 'react';
import { pair, startStandAlone, usePos } from '../app/pos-store.ts';

/** First run: pair with the organiser's server, or sell stand-alone with the demo event. */
export function SetupScreen() {
  const message = usePos((s) => s.message);
  const store = usePos((s) => s.store);
  const settingUp = usePos((s) => s.settingUp);
  const [server, setServer] = useState(() => (location.protocol.startsWith('http') ? location.origin : ''));
  const [code, setCode] = useState('');
  const paired = Boolean(store?.profile?.serverUrl);
  return (
    <main className="centered setup">
      <h1>Popup POS</h1>
      {settingUp ? (
        <p role="status" aria-busy="true" className="progress">
          Setting up the demo event: writing its products and stock…
        </p>
      ) : paired ? (
        <p aria-live="polite">Paired as {store?.profile?.tillId}. Downloading the event…</p>
      ) : (
        <>
          <form
            className="pair"
            aria-label="Pair with a server"
            onSubmit={(e) => {
              e.preventDefault();
              void pair(server, code);
            }}
          >
            <h2>Pair this till</h2>
            <label>
              Server address
              <input value={server} onChange={(e) => setServer(e.target.value)} placeholder="http://192.168.1.10:8787" inputMode="url" />
            </label>
            <label>
              Pairing code
              <input value={code} onChange={(e) => setCode(e.target.value)} placeholder="K7PX-M2QD" autoComplete="off" autoFocus />
            </label>
            <button type="submit" className="primary big">
              Pair
            </button>
          </form>
          <p className="hint">or</p>
          <button className="big" onClick={() => void startStandAlone()}>
            Start stand-alone with the demo event
          </button>
          <p className="hint">A stand-alone till sells from its own stock with no server.</p>
        </>
      )}
      {message && (
        <p role={message.kind === 'error' ? 'alert' : 'status'} className={message.kind === 'error' ? 'error' : 'hint'}>
          {message.text}
        </p>
      )}
    </main>
  );
}
