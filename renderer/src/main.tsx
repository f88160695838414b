import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/App.tsx';
import { startPos } from './app/pos-store.ts';
import { desktopDeviceId } from './platform/desktop.ts';
import { browserShell, startShell } from './platform/service-worker.ts';
import './styles.css';

async function boot(): Promise<void> {
  // A new version waiting to take over reloads the page before anything renders (platform/service-worker.ts).
  if (import.meta.env.PROD && (await startShell(browserShell())) === 'switching') return;
  const root = createRoot(document.getElementById('root')!);
  root.render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
  void startPos({}, desktopDeviceId);
}

void boot();
