/**
 * fetchJson(): the single place this library touches the network. Every discovery and JWKS request
 * goes through it, bounded in time (`timeoutMs`, body included), in size (`maxResponseBytes`), and in
 * where it may be led: redirects are followed only within the same origin, a few hops at most, so a
 * compromised or misconfigured provider cannot point the verifier at another host.
 */
import type { FetchLike } from "../types.js";
import { whyUrlIsRefused } from "./url-policy.js";

const MAX_REDIRECTS = 3;

/** A failed key-layer fetch; `reason` is operator-facing text, never sent to clients. */
export class KeyFetchError extends Error {
  constructor(
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(reason, options);
    this.name = "KeyFetchError";
  }
}

export interface FetchJsonOptions {
  fetch: FetchLike;
  timeoutMs: number;
  maxResponseBytes: number;
  allowInsecureHttp: boolean;
  /** The outbound request budget (outbound/budget.ts): returns 0 to send, else ms until one may go. */
  budget?: { take(url: string): number };
}

export interface FetchedJson {
  body: unknown;
  /** Seconds from `Cache-Control: max-age`, 0 for `no-cache`/`no-store`, undefined when absent. */
  maxAgeSeconds: number | undefined;
  /** The URL finally answered (after same-origin redirects). */
  url: string;
  status: number;
}

/** Reads `max-age` from a Cache-Control header (RFC 9111 §5.2.2.1). */
export function parseMaxAge(header: string | null): number | undefined {
  if (!header) return undefined;
  const directives = header.toLowerCase();
  if (/(?:^|[\s,])(?:no-store|no-cache)(?:$|[\s,=])/.test(directives)) return 0;
  const match = /(?:^|[\s,])max-age\s*=\s*"?(\d+)"?/.exec(directives);
  return match ? Number(match[1]) : undefined;
}

async function readLimited(response: Response, limit: number): Promise<string> {
  const declared = Number(response.headers.get("content-length"));
  if (Number.isFinite(declared) && declared > limit) {
    await response.body?.cancel().catch(() => undefined);
    throw new KeyFetchError(`response of ${declared} bytes exceeds maxResponseBytes (${limit})`);
  }
  if (!response.body) return "";
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      throw new KeyFetchError(`response exceeds maxResponseBytes (${limit})`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, size).toString("utf8");
}

/**
 * GETs `url` and parses its JSON body. Throws KeyFetchError on timeout, network failure, a non-2xx
 * status (its `status` is kept on the error message), a redirect off-origin, or a body that is too
 * large or not JSON. A 404 is reported with `notFound` so discovery can try its next location.
 */
export async function fetchJson(url: string, options: FetchJsonOptions): Promise<FetchedJson> {
  if ((options.budget?.take(url) ?? 0) > 0)
    throw new KeyFetchError(`outbound request budget for ${new URL(url).origin} is spent`);
  const signal = AbortSignal.timeout(options.timeoutMs);
  let current = url;
  try {
    for (let hop = 0; ; hop++) {
      const response = await options.fetch(current, {
        method: "GET",
        headers: { accept: "application/json" },
        redirect: "manual",
        signal,
      });
      if (response.status >= 300 && response.status < 400) {
        await response.body?.cancel().catch(() => undefined);
        const location = response.headers.get("location");
        if (!location || hop >= MAX_REDIRECTS) throw new KeyFetchError(`too many redirects from ${url}`);
        const next = new URL(location, current);
        if (next.origin !== new URL(url).origin)
          throw new KeyFetchError(`redirect from ${url} to another origin refused`);
        const why = whyUrlIsRefused(next.href, options.allowInsecureHttp);
        if (why) throw new KeyFetchError(`redirect target ${next.href} ${why}`);
        current = next.href;
        continue;
      }
      if (response.status < 200 || response.status >= 300) {
        await response.body?.cancel().catch(() => undefined);
        throw new HttpStatusError(response.status, current);
      }
      const text = await readLimited(response, options.maxResponseBytes);
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch (error) {
        throw new KeyFetchError(`${current} did not answer with JSON`, { cause: error });
      }
      return {
        body,
        maxAgeSeconds: parseMaxAge(response.headers.get("cache-control")),
        url: current,
        status: response.status,
      };
    }
  } catch (error) {
    if (error instanceof KeyFetchError) throw error;
    if (signal.aborted)
      throw new KeyFetchError(`${current} did not answer within ${options.timeoutMs} ms`, { cause: error });
    throw new KeyFetchError(`request to ${current} failed`, { cause: error });
  }
}

/** A non-2xx answer; discovery moves on to its next location on 4xx. */
export class HttpStatusError extends KeyFetchError {
  constructor(
    readonly status: number,
    url: string,
  ) {
    super(`${url} answered HTTP ${status}`);
  }
}
