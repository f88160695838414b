import { needsSignIn, usePos } from './pos-store.ts';
import { SignInScreen } from '../screens/SignInScreen.tsx';
import { SetupScreen } from '../screens/SetupScreen.tsx';
import { SellScreen } from '../screens/SellScreen.tsx';

export function App() {
  const phase = usePos((s) => s.phase);
  const message = usePos((s) => s.message);
  usePos((s) => s.cashier);
  usePos((s) => s.version);
  if (phase === 'loading') return <main className="centered" aria-busy="true">Opening the till…</main>;
  if (phase === 'error') {
    return (
      <main className="centered" role="alert">
        <h1>The till could not open its storage</h1>
        <p>{message?.text}</p>
      </main>
    );
  }
  if (phase === 'setup') return <SetupScreen />;
  return needsSignIn() ? <SignInScreen /> : <SellScreen />;
}
