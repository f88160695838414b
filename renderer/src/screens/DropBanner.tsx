import type { EventConfig } from '../../../core/event/event.ts';
import { dropPhase, formatCountdown } from '../../../core/selling/pricing.ts';
import { usePos } from '../app/pos-store.ts';

/** The discount tier in force and the countdowns to the next tier and to the drop's end. */
export function DropBanner({ config }: { config: EventConfig }) {
  const now = usePos((s) => s.now);
  const phase = dropPhase(config.drop, now);
  if (phase.phase === 'before') return <div className="drop">Drop starts in {formatCountdown(phase.startsInMs)}</div>;
  if (phase.phase === 'ended') return <div className="drop ended">Drop ended</div>;
  return (
    <div className="drop live" aria-label="Current discount">
      <span className="tier">{phase.tier.label}</span>
      {phase.nextTier && (
        <span>
          {phase.nextTier.label} in <time>{formatCountdown(phase.nextChangeInMs)}</time>
        </span>
      )}
      <span>
        ends in <time>{formatCountdown(phase.endsInMs)}</time>
      </span>
    </div>
  );
}
