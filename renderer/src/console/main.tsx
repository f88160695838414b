import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { ConsoleApp } from './ConsoleApp.tsx';
import { resumeSession } from './console-store.ts';
import '../styles.css';
import './console.css';

const root = createRoot(document.getElementById('root')!);
root.render(
  <StrictMode>
    <ConsoleApp />
  </StrictMode>,
);
void resumeSession();
