/**
 * The replay check of RFC 9449 §11.1: each proof's `jti` may be used once while the proof could still
 * be accepted. The store is asked one atomic question, "first use of this key until this time?", so a
 * shared store (Redis `SET NX PX`) gives a fleet one answer. The key is a hash of the proof key's
 * thumbprint and the `jti` (fixed length, nothing a client chose is stored as is).
 *
 * The store failing in any way (throwing, rejecting, answering anything but a boolean, or taking
 * longer than `storeTimeoutMs`) is 503 with `Retry-After`: a proof is never accepted unchecked, and
 * never reported as a bad proof either, which would make the client retry at once.
 */
import { hash } from "node:crypto";
import {
  InvalidDPoPProofError,
  ServiceUnavailableError,
  StoreUnavailableError,
} from "../errors/bearer-error.js";
import type { ReplayStore } from "../types.js";

/** Seconds a client is asked to wait after the replay store failed. */
const STORE_RETRY_AFTER_SECONDS = 2;

/** The replay store key of a proof: `dpop:` and base64url(SHA-256(jkt, space, jti)). */
export function replayKeyOf(jkt: string, jti: string): string {
  return `dpop:${hash("sha256", `${jkt} ${jti}`, "base64url")}`;
}

function storeFailed(reason: string, cause?: unknown): never {
  // A 503 the store raised itself (the memory store when full) keeps its reason and Retry-After.
  if (cause instanceof ServiceUnavailableError) throw cause;
  throw new StoreUnavailableError(reason, STORE_RETRY_AFTER_SECONDS, cause);
}

function judge(answer: unknown): void {
  if (answer === true) return;
  if (answer === false) throw new InvalidDPoPProofError("replay", undefined);
  storeFailed("replay_store_answer");
}

/**
 * Records the proof's key in `store` until `expiresAtMs`; returns undefined (or a promise of it) when
 * the proof is new, throws or rejects with 401 `invalid_dpop_proof` ("replay") when it was used
 * before, and with 503 when the store cannot say.
 */
export function rememberProof(
  store: ReplayStore,
  key: string,
  expiresAtMs: number,
  timeoutMs: number,
): undefined | Promise<undefined> {
  let answer: unknown;
  try {
    answer = store.add(key, expiresAtMs);
  } catch (error) {
    storeFailed("replay_store_error", error);
  }
  if (answer === null || typeof (answer as Promise<unknown>)?.then !== "function") {
    judge(answer);
    return undefined;
  }
  return new Promise<undefined>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new StoreUnavailableError("replay_store_timeout", STORE_RETRY_AFTER_SECONDS));
    }, timeoutMs);
    timer.unref?.();
    (answer as Promise<unknown>).then(
      (value) => {
        clearTimeout(timer);
        try {
          judge(value);
          resolve(undefined);
        } catch (error) {
          reject(error);
        }
      },
      (error: unknown) => {
        clearTimeout(timer);
        try {
          storeFailed("replay_store_error", error);
        } catch (mapped) {
          reject(mapped);
        }
      },
    );
  });
}
