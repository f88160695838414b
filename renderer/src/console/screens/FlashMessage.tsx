import { useConsole } from '../console-store.ts';

/** The last action's outcome: errors name the field or rule the server refused, with every row it listed. */
export function FlashMessage() {
  const flash = useConsole((s) => s.flash);
  if (!flash) return null;
  return (
    <div className={`banner ${flash.kind === 'error' ? 'error' : 'info'}`} role={flash.kind === 'error' ? 'alert' : 'status'}>
      <p>{flash.text}</p>
      {flash.details && flash.details.length > 0 && (
        <ul>
          {flash.details.slice(0, 50).map((d) => (
            <li key={d}>{d}</li>
          ))}
          {flash.details.length > 50 && <li>… and {flash.details.length - 50} more</li>}
        </ul>
      )}
    </div>
  );
}
