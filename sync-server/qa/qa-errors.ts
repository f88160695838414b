import { PopupError } from '../../core/base/errors.ts';

/**
 * The live Q&A's refusals (qa-board.ts). Mapped to HTTP statuses in http/error-map.ts; each names what the
 * shopper or the staff member can do next.
 */

/** 404: no question with this id in this event (or one from another event: the answer is the same). */
export class QuestionNotFound extends PopupError {
  constructor(readonly questionId: string) {
    super(`there is no question "${questionId}" in this event`);
  }
}

/** 403: the staff banned this browser from asking in this event. */
export class QaSenderBanned extends PopupError {
  constructor() {
    super('questions from this browser are no longer taken for this drop');
  }
}

/** 429: too many questions from one browser or one address; `details.retryAfterSeconds` says when to try again. */
export class QaRateLimited extends PopupError {
  readonly details: { limit: 'qa-sender' | 'qa-address'; retryAfterSeconds: number };
  constructor(limit: 'qa-sender' | 'qa-address', retryAfterSeconds: number) {
    super(limit === 'qa-sender' ? `you have asked a lot in a short time; ask again in ${retryAfterSeconds} s` : `too many questions from this network; ask again in ${retryAfterSeconds} s`);
    this.details = { limit, retryAfterSeconds };
  }
}

/** 429: the event's live Q&A feed has as many watchers from this address (or in all) as it takes. */
export class QaTooManyWatchers extends PopupError {
  readonly details: { retryAfterSeconds: number };
  constructor(what: string) {
    super(`too many open Q&A streams ${what}; close one first, or read GET …/qa every few seconds`);
    this.details = { retryAfterSeconds: 10 };
  }
}
