/**
 * What an HTTP answer says about how long it may be used and how long to wait: `Cache-Control:
 * max-age` (RFC 9111 §5.2.2.1), `Age` (RFC 9111 §5.1, subtracted from `max-age` as §4.2.3's current
 * age), and `Retry-After` in seconds or as an HTTP-date (RFC 9110 §10.2.3). Pure parsers; the key
 * source decides what to do with the numbers.
 */

/** Reads `max-age` from a Cache-Control header: seconds, 0 for `no-cache`/`no-store`, undefined when absent. */
export function parseMaxAge(header: string | null): number | undefined {
  if (!header) return undefined;
  const directives = header.toLowerCase();
  if (/(?:^|[\s,])(?:no-store|no-cache)(?:$|[\s,=])/.test(directives)) return 0;
  const match = /(?:^|[\s,])max-age\s*=\s*"?(\d+)"?/.exec(directives);
  return match ? Number(match[1]) : undefined;
}

/** Reads the `Age` header: whole seconds, 0 when absent or not a non-negative integer (RFC 9111 §5.1). */
export function parseAge(header: string | null): number {
  if (header === null) return 0;
  const value = header.trim();
  return /^\d{1,10}$/.test(value) ? Number(value) : 0;
}

/**
 * Reads `Retry-After` as milliseconds to wait: delay-seconds, or an HTTP-date measured from the
 * answer's own `Date` header when it has one (so a skewed local clock does not stretch the wait),
 * else from `nowMs`. Undefined when absent or unreadable; never negative.
 */
export function parseRetryAfter(
  header: string | null,
  dateHeader: string | null,
  nowMs: number,
): number | undefined {
  if (header === null) return undefined;
  const value = header.trim();
  if (/^\d{1,10}$/.test(value)) return Number(value) * 1000;
  // An HTTP-date starts with a day name (RFC 9110 §5.6.7); anything else is not one.
  if (!/^[A-Za-z]{3}/.test(value)) return undefined;
  const at = Date.parse(value);
  if (Number.isNaN(at)) return undefined;
  const served = dateHeader === null ? Number.NaN : Date.parse(dateHeader);
  return Math.max(0, at - (Number.isNaN(served) ? nowMs : served));
}
