import { QaModeration } from './QaModeration.tsx';
import { WaitingRoom } from './WaitingRoom.tsx';

/** The online drop while it runs: its waiting room, and the shoppers' questions to answer and moderate. */
export function DropTab() {
  return (
    <div className="drop-tab">
      <WaitingRoom />
      <QaModeration />
    </div>
  );
}
