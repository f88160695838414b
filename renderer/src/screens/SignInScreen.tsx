import { useState } from 'react';
import { DEMO_EVENT_ID } from '../../../core/event/demo-event.ts';
import { signIn, usePos } from '../app/pos-store.ts';

/** PIN sign-in: typed on a keyboard or tapped on the keypad. */
export function SignInScreen() {
  const store = usePos((s) => s.store);
  const message = usePos((s) => s.message);
  const [pin, setPin] = useState('');
  const submit = () => {
    void signIn(pin);
    setPin('');
  };
  return (
    <main className="centered signin">
      <h1>Sign in</h1>
      <p className="hint">{store?.config()?.name} · {store?.profile?.tillId}</p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}
      >
        <input type="password" inputMode="numeric" autoComplete="off" aria-label="PIN" value={pin} maxLength={8} autoFocus onChange={(e) => setPin(e.target.value.replace(/\D/g, ''))} />
        <div className="keypad" role="group" aria-label="Keypad">
          {['1', '2', '3', '4', '5', '6', '7', '8', '9'].map((d) => (
            <button type="button" key={d} onClick={() => setPin((p) => (p + d).slice(0, 8))}>
              {d}
            </button>
          ))}
          <button type="button" onClick={() => setPin('')}>
            Clear
          </button>
          <button type="button" onClick={() => setPin((p) => (p + '0').slice(0, 8))}>
            0
          </button>
          <button type="submit" className="primary">
            Sign in
          </button>
        </div>
      </form>
      {message && (
        <p role="alert" className="error">
          {message.text}
        </p>
      )}
      {store?.profile?.eventId === DEMO_EVENT_ID && <p className="hint">Demo: Ana (cashier) 1234 · Mia (manager) 9999</p>}
    </main>
  );
}
