/**
 * The shared cache of introspection answers (`introspection.cache`, e.g. @resource-guard/redis), so a
 * fleet introspects each token once rather than once per process. It sits behind the in-process
 * cache: it is asked only on a local miss, and written after every call to the provider.
 *
 * A store that throws, rejects or does not answer within `cacheTimeoutMs` makes the request a 503
 * StoreUnavailableError: going to the provider instead would multiply the load on it by the size of
 * the fleet exactly when the shared cache is down. A value of an unknown shape is treated as absent.
 */
import { StoreUnavailableError } from "../errors/bearer-error.js";
import type { IntrospectionCache } from "../types.js";
import { isStoredAnswer, type StoredAnswer } from "./answer.js";

/** Seconds a client is asked to wait when the store fails. */
const STORE_RETRY_AFTER_SECONDS = 1;

function withTimeout<T>(run: () => T | Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let result: T | Promise<T>;
  try {
    result = run();
  } catch (error) {
    return Promise.reject(
      new StoreUnavailableError(`introspection cache ${what} threw`, STORE_RETRY_AFTER_SECONDS, error),
    );
  }
  // Any thenable counts as a promise (client libraries do not all return native ones).
  if (typeof (result as { then?: unknown } | null | undefined)?.then !== "function")
    return Promise.resolve(result);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new StoreUnavailableError(
            `introspection cache ${what} took longer than ${timeoutMs} ms`,
            STORE_RETRY_AFTER_SECONDS,
          ),
        ),
      timeoutMs,
    );
  });
  const settled = Promise.resolve(result).then(undefined, (error: unknown) => {
    throw new StoreUnavailableError(`introspection cache ${what} failed`, STORE_RETRY_AFTER_SECONDS, error);
  });
  return Promise.race([settled, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Reads the answer stored under `key`; undefined when there is none usable at `nowMs`.
 * @example const answer = await readShared(cache, key, 1000, Date.now());
 */
export async function readShared(
  cache: IntrospectionCache,
  key: string,
  timeoutMs: number,
  nowMs: number,
): Promise<StoredAnswer | undefined> {
  const value = await withTimeout(() => cache.get(key), timeoutMs, "get");
  return isStoredAnswer(value) && value.until > nowMs ? value : undefined;
}

/**
 * Stores `answer` under `key` until its `until`. Nothing is stored for an answer already out of date.
 * @example await writeShared(cache, key, answer, 1000, Date.now());
 */
export async function writeShared(
  cache: IntrospectionCache,
  key: string,
  answer: StoredAnswer,
  timeoutMs: number,
  nowMs: number,
): Promise<void> {
  const ttlMs = Math.floor(answer.until - nowMs);
  if (ttlMs <= 0) return;
  await withTimeout(() => cache.set(key, answer, ttlMs), timeoutMs, "set");
}
