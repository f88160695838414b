/**
 * Domain errors. Each has a stable `name` so that it survives crossing a process or network boundary as a
 * tagged `{ type, message }` object (see `toTagged`).
 */
export class PopupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** Input that does not match what the domain expects: names the field and what was wrong. */
export class ValidationError extends PopupError {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

export interface TaggedError {
  type: string;
  message: string;
}

/** Turns any thrown value into a plain tagged object, keeping the error's name as its type. */
export function toTagged(err: unknown): TaggedError {
  if (err instanceof Error) return { type: err.name, message: err.message };
  return { type: 'Error', message: String(err) };
}
