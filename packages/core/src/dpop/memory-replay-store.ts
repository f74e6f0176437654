/**
 * The default DPoP replay store (RFC 9449 §11.1): remembers each proof's key until the proof could no
 * longer be accepted anyway, in one process's memory. It is bounded: at most `maxEntries` keys of at
 * most 128 characters, so its memory has a fixed ceiling: about 15 MB at the default 100,000 entries
 * (150 bytes an entry, measured on Node 20 with core's 48-character keys), under 25 MB with keys of
 * 128 characters. When full it refuses new proofs (503) rather than forgetting a key that is still
 * live, because forgetting would let a flood of proofs make room for a replay.
 *
 * Entries arrive in nearly increasing expiry order (core sets expiry from the proof's `iat` plus a
 * fixed window), so expired ones are dropped from the front of the insertion-ordered Map as new ones
 * come in: amortised constant time, no timer. A fleet of instances needs a shared store instead
 * (`@resource-guard/redis`), or a proof refused here can be replayed at another instance.
 */
import { StoreUnavailableError } from "../errors/bearer-error.js";
import type { ReplayStore } from "../types.js";

/** Default bound on remembered proofs. */
export const DEFAULT_REPLAY_STORE_ENTRIES = 100_000;
const MAX_KEY_LENGTH = 128;
/** A full store sweeps for out-of-order expired entries at most this often. */
const SWEEP_INTERVAL_MS = 1000;

export interface MemoryReplayStoreOptions {
  /** Most keys held at once. Default 100,000. */
  maxEntries?: number;
  /** The clock, in milliseconds since the epoch. Default `Date.now`. */
  now?: () => number;
}

/** The in-memory replay store, with its size for monitoring. */
export interface MemoryReplayStore extends ReplayStore {
  /** Keys held now, expired ones not yet dropped included. */
  readonly size: number;
  add(key: string, expiresAtMs: number): boolean;
}

/**
 * Creates a bounded in-memory replay store. A full store throws a 503 StoreUnavailableError (reason
 * `replay_store_full`) whose `Retry-After` says when its oldest entry expires.
 * @example createVerifier({ issuer, audience, dpop: { replayStore: createMemoryReplayStore({ maxEntries: 500_000 }) } });
 */
export function createMemoryReplayStore(options: MemoryReplayStoreOptions = {}): MemoryReplayStore {
  const maxEntries = options.maxEntries ?? DEFAULT_REPLAY_STORE_ENTRIES;
  if (!Number.isInteger(maxEntries) || maxEntries < 1)
    throw new TypeError(`resource-guard: "maxEntries" of the replay store must be a positive integer`);
  const now = options.now ?? Date.now;
  if (typeof now !== "function") throw new TypeError(`resource-guard: "now" must be a function`);
  const entries = new Map<string, number>();
  // Insertion order, as parallel arrays read from `head`: the front is dropped without an iterator.
  let order: string[] = [];
  let orderExpiry: number[] = [];
  let head = 0;
  let lastSweepMs = Number.NEGATIVE_INFINITY;
  // The earliest expiry the last sweep left, for Retry-After; a lower bound until the next sweep.
  let earliestMs = Number.POSITIVE_INFINITY;

  function compact(): void {
    order = order.slice(head);
    orderExpiry = orderExpiry.slice(head);
    head = 0;
  }

  function dropExpiredFromFront(nowMs: number): void {
    while (head < order.length && (orderExpiry[head] as number) <= nowMs) {
      const key = order[head] as string;
      // A key re-added after it expired has a newer record further back; keep it.
      if (entries.get(key) === orderExpiry[head]) entries.delete(key);
      head++;
    }
    if (head > 1024 && head * 2 > order.length) compact();
  }

  // O(entries), so at most once per SWEEP_INTERVAL_MS: a flood against a full store costs no more.
  function sweep(nowMs: number): void {
    lastSweepMs = nowMs;
    earliestMs = Number.POSITIVE_INFINITY;
    for (const [key, expiresAtMs] of entries) {
      if (expiresAtMs <= nowMs) entries.delete(key);
      else if (expiresAtMs < earliestMs) earliestMs = expiresAtMs;
    }
    order = [...entries.keys()];
    orderExpiry = [...entries.values()];
    head = 0;
  }

  return {
    get size() {
      return entries.size;
    },
    add(key: string, expiresAtMs: number): boolean {
      if (typeof key !== "string" || key.length === 0 || key.length > MAX_KEY_LENGTH)
        throw new TypeError(`resource-guard: replay store keys are 1 to ${MAX_KEY_LENGTH} characters`);
      if (typeof expiresAtMs !== "number" || Number.isNaN(expiresAtMs))
        throw new TypeError("resource-guard: expiresAtMs must be a number");
      const nowMs = now();
      dropExpiredFromFront(nowMs);
      const known = entries.get(key);
      if (known !== undefined) {
        if (known > nowMs) return false;
        entries.delete(key);
      }
      // Already expired: nothing could replay it, so there is nothing to remember.
      if (expiresAtMs <= nowMs) return true;
      if (entries.size >= maxEntries && nowMs - lastSweepMs >= SWEEP_INTERVAL_MS) sweep(nowMs);
      if (entries.size >= maxEntries) {
        throw new StoreUnavailableError("replay_store_full", Math.min(earliestMs - nowMs, 60_000) / 1000);
      }
      entries.set(key, expiresAtMs);
      order.push(key);
      orderExpiry.push(expiresAtMs);
      return true;
    },
  };
}
