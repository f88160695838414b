import { useState } from 'react';
import { toTagged } from '../../../core/base/errors.ts';
import type { StaffMember } from '../../../core/event/staff.ts';
import { managerApproval } from '../app/pos-store.ts';

/** A manager approves on the spot with their PIN; the approval is recorded with their id. */
export function ManagerApproval({ what, onApproved, onCancel }: { what: string; onApproved: (m: StaffMember) => void; onCancel: () => void }) {
  const [pin, setPin] = useState('');
  const [error, setError] = useState<string | undefined>();
  return (
    <form
      className="approval"
      aria-label="Manager approval"
      onSubmit={(e) => {
        e.preventDefault();
        managerApproval(pin).then(onApproved, (err: unknown) => setError(toTagged(err).message));
        setPin('');
      }}
    >
      <p>{what}</p>
      <label>
        Manager PIN
        <input type="password" inputMode="numeric" autoComplete="off" autoFocus value={pin} onChange={(e) => setPin(e.target.value.replace(/\D/g, ''))} />
      </label>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <div className="actions">
        <button type="button" className="ghost" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="primary">
          Approve
        </button>
      </div>
    </form>
  );
}
