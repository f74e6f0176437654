/**
 * The versioned form in which introspection answers are kept in Redis. Several releases of a fleet run
 * side by side during a rolling deploy, all reading one Redis: a value written in a format a process
 * does not know must be a cache miss for it (it asks the identity provider again), never a value
 * misread as an answer. So every value is wrapped as `{"rg":<format>,"value":…}` and a reader accepts
 * only the format it knows.
 */

/** The format this release writes and reads. A new format gets a new number, never a new meaning for 1. */
export const ENVELOPE_FORMAT = 1;

/** Serialises `value` (a JSON-serialisable plain object from core) inside the envelope. */
export function wrapValue(value: unknown): string {
  return JSON.stringify({ rg: ENVELOPE_FORMAT, value });
}

/**
 * The value inside `text`, or undefined when `text` is not an envelope of this format (another
 * release's, corrupt, or not written by this store): a miss, not an error.
 */
export function unwrapValue(text: string): unknown {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) return undefined;
  const envelope = parsed as { rg?: unknown; value?: unknown };
  return envelope.rg === ENVELOPE_FORMAT ? envelope.value : undefined;
}
