import { PopupError } from '../core/base/errors.ts';

/**
 * A document whose stored data is damaged (it does not decode, its updates depend on content that is gone,
 * or LevelDB dropped recent writes). The server refuses it rather than serve a silently shorter copy: over
 * sync with close code 4503, over HTTP with 503 and this error's name (http/error-map.ts). An admin rebuilds it from the tills'
 * copies (docs/operations.md, "Damage and recovery").
 */
export class DocumentDamaged extends PopupError {
  constructor(
    readonly doc: string,
    readonly what: string,
  ) {
    super(`the stored document ${doc} is damaged (${what}); it is refused until an admin rebuilds it`);
  }
}

export interface DamageReport {
  /** The document, or `store` for damage not tied to one (records, LevelDB's own recovery). */
  doc: string;
  /** What is wrong and what is lost, in words. */
  what: string;
}
