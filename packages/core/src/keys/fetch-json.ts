/**
 * fetchJson(): the single place this library touches the network. Every discovery and JWKS request
 * goes through it, bounded in time (one deadline, body included: a caller may share one signal across
 * several requests), in size (`maxResponseBytes`), and in where it may be led: redirects are followed
 * only within the same origin, a few hops at most, so a compromised or misconfigured provider cannot
 * point the verifier at another host.
 *
 * A request that fails at the connection level before any response arrived (a kept-alive socket the
 * provider closed a moment ago: `other side closed`, `ECONNRESET`, `EPIPE`) is sent once more, at once,
 * without counting as a failure. GET is idempotent (RFC 9110 §9.2.2), and only that one retry is made.
 * Key fetches are rare (minutes apart), so they ask for `Connection: close` (`closeConnection`): they
 * never leave an idle socket behind to go stale, and the pool drops the dead socket before the retry,
 * which therefore goes out on a new connection unless other traffic to the same origin left several
 * idle sockets that all died together.
 *
 * What the answer says about caching and waiting is read here too: `Cache-Control: max-age` less
 * `Age` (RFC 9111 §4.2.1, §4.2.3), and on an error status `Retry-After` in seconds or as an HTTP-date
 * (RFC 9110 §10.2.3).
 */
import type { FetchLike } from "../types.js";
import { parseAge, parseMaxAge, parseRetryAfter } from "./http-caching.js";
import { KeyFetchError } from "./key-fetch-error.js";
import { whyUrlIsRefused } from "./url-policy.js";

export { parseMaxAge } from "./http-caching.js";
export { KeyFetchError } from "./key-fetch-error.js";

const MAX_REDIRECTS = 3;

/** Error codes of a connection that failed before any response: a stale kept-alive socket. */
const STALE_CONNECTION_CODES = new Set(["UND_ERR_SOCKET", "ECONNRESET", "EPIPE", "ECONNABORTED"]);

export interface FetchJsonOptions {
  fetch: FetchLike;
  timeoutMs: number;
  maxResponseBytes: number;
  allowInsecureHttp: boolean;
  /** Prefix of the error codes (`jwks` gives `jwks_timeout`, `jwks_http_status`…). Default `fetch`. */
  stage?: string;
  /** A deadline shared with other requests (one cold load, several hops); default `timeoutMs` from now. */
  signal?: AbortSignal;
  /** The wall clock, for a `Retry-After` HTTP-date when the answer has no `Date` header. */
  now?: () => number;
  /** Send `Connection: close` (RFC 9112 §9.6): for requests too rare to gain from keep-alive. */
  closeConnection?: boolean;
}

export interface FetchedJson {
  body: unknown;
  /** Seconds from `Cache-Control: max-age`, 0 for `no-cache`/`no-store`, undefined when absent. */
  maxAgeSeconds: number | undefined;
  /** Seconds from the `Age` header (time the answer spent in caches), 0 when absent. */
  ageSeconds: number;
  /** The URL finally answered (after same-origin redirects). */
  url: string;
  status: number;
}

/** A non-2xx answer; discovery moves on to its next location on 404 and 410 only. */
export class HttpStatusError extends KeyFetchError {
  constructor(
    stage: string,
    readonly status: number,
    url: string,
    retryAfterMs: number | undefined,
  ) {
    super(`${stage}_http_status`, `${url} answered HTTP ${status}`, { url, retryAfterMs });
  }
}

/** True for a failure of the connection itself, before any response: worth one immediate retry. */
export function isStaleConnection(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e !== null && typeof e === "object" && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && STALE_CONNECTION_CODES.has(code)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

async function readLimited(response: Response, limit: number, stage: string, url: string): Promise<string> {
  const declared = Number(response.headers.get("content-length"));
  if (Number.isFinite(declared) && declared > limit) {
    await response.body?.cancel().catch(() => undefined);
    throw new KeyFetchError(
      `${stage}_too_large`,
      `response of ${declared} bytes exceeds maxResponseBytes (${limit})`,
      { url },
    );
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
      throw new KeyFetchError(`${stage}_too_large`, `response exceeds maxResponseBytes (${limit})`, { url });
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, size).toString("utf8");
}

/**
 * GETs `url` and parses its JSON body. Throws KeyFetchError (its `reason` a code, its `detail` the
 * text for logs) on timeout, network failure, a non-2xx status (HttpStatusError, with the provider's
 * `Retry-After`), a redirect off-origin, or a body that is too large or not JSON.
 */
export async function fetchJson(url: string, options: FetchJsonOptions): Promise<FetchedJson> {
  const stage = options.stage ?? "fetch";
  const signal = options.signal ?? AbortSignal.timeout(options.timeoutMs);
  let current = url;
  let retried = false;
  try {
    for (let hop = 0; ; hop++) {
      let response: Response;
      try {
        response = await options.fetch(current, {
          method: "GET",
          headers: options.closeConnection
            ? { accept: "application/json", connection: "close" }
            : { accept: "application/json" },
          redirect: "manual",
          signal,
        });
      } catch (error) {
        // A stale kept-alive socket: one immediate retry, on the new connection the pool now opens.
        if (retried || signal.aborted || !isStaleConnection(error)) throw error;
        retried = true;
        hop--;
        continue;
      }
      if (response.status >= 300 && response.status < 400) {
        await response.body?.cancel().catch(() => undefined);
        const location = response.headers.get("location");
        if (!location || hop >= MAX_REDIRECTS)
          throw new KeyFetchError(`${stage}_redirect`, `too many redirects from ${url}`, { url });
        const next = new URL(location, current);
        if (next.origin !== new URL(url).origin)
          throw new KeyFetchError(`${stage}_redirect`, `redirect from ${url} to another origin refused`, {
            url,
          });
        const why = whyUrlIsRefused(next.href, options.allowInsecureHttp);
        if (why) throw new KeyFetchError(`${stage}_redirect`, `redirect target ${next.href} ${why}`, { url });
        current = next.href;
        continue;
      }
      if (response.status < 200 || response.status >= 300) {
        await response.body?.cancel().catch(() => undefined);
        const retryAfterMs = parseRetryAfter(
          response.headers.get("retry-after"),
          response.headers.get("date"),
          (options.now ?? Date.now)(),
        );
        throw new HttpStatusError(stage, response.status, current, retryAfterMs);
      }
      const text = await readLimited(response, options.maxResponseBytes, stage, current);
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch (error) {
        throw new KeyFetchError(`${stage}_not_json`, `${current} did not answer with JSON`, {
          url: current,
          cause: error,
        });
      }
      return {
        body,
        maxAgeSeconds: parseMaxAge(response.headers.get("cache-control")),
        ageSeconds: parseAge(response.headers.get("age")),
        url: current,
        status: response.status,
      };
    }
  } catch (error) {
    if (error instanceof KeyFetchError) throw error;
    if (signal.aborted)
      throw new KeyFetchError(
        `${stage}_timeout`,
        `${current} did not answer within ${options.timeoutMs} ms (one deadline per key set load)`,
        { url: current, cause: error },
      );
    throw new KeyFetchError(`${stage}_network`, `request to ${current} failed`, {
      url: current,
      cause: error,
    });
  }
}
