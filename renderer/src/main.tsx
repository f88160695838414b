import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/App.tsx';
import { startPos } from './app/pos-store.ts';
import { desktopDeviceId } from './platform/desktop.ts';
import './styles.css';

const root = createRoot(document.getElementById('root')!);
root.render(
  <StrictMode>
    <App />
  </StrictMode>,
);
void startPos({}, desktopDeviceId);
