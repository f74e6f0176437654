/**
 * The outbound request budget: how many requests this verifier may send to one identity provider,
 * whatever they are for (discovery, key sets, token introspection). Providers rate-limit per client
 * IP (about 50 requests/s is common) and block addresses that keep exceeding it, so a verifier that
 * forwarded a flood of unknown tokens, or retried a failing provider in a loop, would take every API
 * behind that address down. A token bucket per origin (RFC 6454: scheme, host and port) caps the
 * rate, with a small burst for a cold start; a request beyond it is not sent, and the caller answers
 * 503 with `Retry-After` instead.
 */

/** The settings of a budget, validated by options/outbound-budget.ts. */
export interface OutboundBudgetSettings {
  /** Requests per second added to each origin's bucket. */
  readonly requestsPerSecond: number;
  /** The bucket's size: requests that may go out at once after a quiet period. */
  readonly burst: number;
}

/** What the network layers call before each request. */
export interface OutboundBudget {
  /**
   * Takes one request from the budget of `url`'s origin. Returns 0 when the request may be sent,
   * otherwise the milliseconds until one may (nothing is taken then).
   */
  take(url: string): number;
}

interface Bucket {
  tokens: number;
  atMs: number;
}

/** Most origins tracked; a verifier talks to a handful, so this only bounds a misconfiguration. */
const MAX_ORIGINS = 1000;

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}

/**
 * Creates a budget with one token bucket per origin.
 * @example
 * const budget = createOutboundBudget({ requestsPerSecond: 20, burst: 40 }, Date.now);
 * if (budget.take("https://idp.example.com/token/introspection") > 0) throw new Error("over budget");
 */
export function createOutboundBudget(settings: OutboundBudgetSettings, now: () => number): OutboundBudget {
  const buckets = new Map<string, Bucket>();
  const rate = settings.requestsPerSecond;
  return {
    take(url: string): number {
      const origin = originOf(url);
      const nowMs = now();
      let bucket = buckets.get(origin);
      if (bucket === undefined) {
        if (buckets.size >= MAX_ORIGINS) buckets.clear();
        bucket = { tokens: settings.burst, atMs: nowMs };
        buckets.set(origin, bucket);
      } else if (nowMs > bucket.atMs) {
        bucket.tokens = Math.min(settings.burst, bucket.tokens + ((nowMs - bucket.atMs) * rate) / 1000);
        bucket.atMs = nowMs;
      }
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return 0;
      }
      return Math.max(1, Math.ceil(((1 - bucket.tokens) * 1000) / rate));
    },
  };
}
