import { startStandAlone, usePos } from '../app/pos-store.ts';

/** First run: this device is not a till of any event yet. Pairing with a server comes with the sync server. */
export function SetupScreen() {
  const message = usePos((s) => s.message);
  return (
    <main className="centered setup">
      <h1>Popup POS</h1>
      <p>This device is not a till yet.</p>
      <button className="primary big" onClick={() => void startStandAlone()}>
        Start stand-alone with the demo event
      </button>
      <p className="hint">A stand-alone till sells from its own stock with no server, and can be paired later.</p>
      {message && <p role="alert" className="error">{message.text}</p>}
    </main>
  );
}
