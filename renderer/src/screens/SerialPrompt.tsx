import { useState } from 'react';
import { cancelSerial, submitSerial, usePos } from '../app/pos-store.ts';

/** Serial-tracked products (refurbished phones): the unit's serial is scanned or typed before it joins the cart. */
export function SerialPrompt() {
  const pending = usePos((s) => s.serialFor);
  const [serial, setSerial] = useState('');
  if (!pending) return null;
  return (
    <form
      className="serial"
      aria-label="Serial number"
      onSubmit={(e) => {
        e.preventDefault();
        submitSerial(serial);
        setSerial('');
      }}
    >
      <label>
        Serial number of the {pending.label}
        <input autoFocus value={serial} onChange={(e) => setSerial(e.target.value)} autoComplete="off" />
      </label>
      <div className="actions">
        <button type="button" className="ghost" onClick={cancelSerial}>
          Cancel
        </button>
        <button type="submit" className="primary">
          Add to cart
        </button>
      </div>
    </form>
  );
}
