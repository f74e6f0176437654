/**
 * The key layer's clock. Backoff, the unknown-`kid` cooldown, key freshness and the stale limit are
 * intervals, so they run on a clock that never steps: an NTP correction or an operator setting the
 * date must not hold a verifier in backoff for hours (a step back) or keep a retired key in use (a
 * step forward, then back). Token claims (`exp`, `nbf`, `iat`) stay on the wall clock (`now`).
 *
 * The source is `performance.now()` (monotonic by specification), or the `monotonicNow` test hook.
 * Whatever the source does, the clock handed out here never goes back: a backward step counts as no
 * time passing, so no deadline set from it can ever lie further ahead than the interval it was set for.
 *
 * Jitter lives here too: a fleet of verifiers started together would otherwise refresh and retry in
 * the same instant, every round.
 */

/** Milliseconds on a clock that never goes back. */
export type SteadyClock = () => number;

/**
 * Wraps `source` so that it never goes back (and ignores non-finite readings). Without a source it is
 * `performance.now()` itself, which never goes back: the cheapest reading for the cache-hit path.
 */
export function createSteadyClock(source?: () => number): SteadyClock {
  if (source === undefined) return performance.now.bind(performance);
  let last = source();
  if (!Number.isFinite(last)) last = 0;
  let offset = 0;
  return () => {
    const raw = source();
    if (!Number.isFinite(raw)) return last + offset;
    // A step back is absorbed into the offset: the reading stays where it was.
    if (raw < last) offset += last - raw;
    last = raw;
    return raw + offset;
  };
}

/** `ms` shortened by a random fraction of at most `spread` (0–1): jitter that never lengthens a bound. */
export function shortenAtRandom(ms: number, spread: number): number {
  return ms * (1 - spread * Math.random());
}
