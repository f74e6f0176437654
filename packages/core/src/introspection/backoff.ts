/**
 * Backoff after failed introspection requests, as the key layer backs off after failed fetches: once
 * the provider fails, nothing is sent for 1 s, doubling with each further failure up to
 * `maxBackoffMs`, or for as long as the provider's `Retry-After` asks (RFC 9110 §10.2.3; 429 and 503
 * carry it), up to 5 minutes. Requests that need a call meanwhile are answered 503 at once, so a
 * provider in trouble is not kept in trouble by the API that depends on it.
 */

/** A provider's `Retry-After` is honoured up to this long. */
const MAX_RETRY_AFTER_MS = 300_000;

export class Backoff {
  private failures = 0;
  private lastFailureAt = Number.NEGATIVE_INFINITY;
  private until = 0;

  constructor(private readonly maxBackoffMs: number) {}

  /** Milliseconds left before the provider may be asked again (0 or less: it may). */
  remainingMs(nowMs: number): number {
    return this.until - nowMs;
  }

  /** A request succeeded: the provider may be asked freely again. */
  succeeded(): void {
    this.failures = 0;
    this.until = 0;
  }

  /**
   * A request sent at `startedAtMs` failed at `nowMs`; returns the milliseconds until the next try.
   * Requests already in flight when the provider failed count as one failure, not as many.
   */
  failed(startedAtMs: number, nowMs: number, retryAfterMs: number | undefined): number {
    if (startedAtMs >= this.lastFailureAt) this.failures++;
    this.lastFailureAt = nowMs;
    const doubled = Math.min(this.maxBackoffMs, 1000 * 2 ** (this.failures - 1));
    const asked = Math.min(MAX_RETRY_AFTER_MS, retryAfterMs ?? 0);
    this.until = Math.max(this.until, nowMs + Math.max(doubled, asked));
    return this.until - nowMs;
  }
}
