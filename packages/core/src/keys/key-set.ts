/**
 * importKeySet(): reads a JWK Set (RFC 7517 §5) into the records the verifier uses. Every entry is
 * looked at; only usable signature keys count toward the bound of MAX_USABLE_KEYS, so encryption
 * keys or junk published next to the real keys never push a real key out. A set with more usable keys
 * than the bound keeps the first MAX_USABLE_KEYS and remembers the `kid`s of the rest, so a token
 * naming one of them is told "unavailable" (503) rather than "no such key" (401): the key is in the
 * set, we only declined to hold it. Keys whose material is unchanged since the last fetch are not
 * imported again.
 */
import type { JWK } from "jose";
import { KeyFetchError } from "./fetch-json.js";
import {
  fingerprintOf,
  importVerificationKey,
  type KeyLimits,
  type KeyRecord,
  KeyRefusal,
} from "./import-key.js";

/** Most usable keys held from one JWKS. Real sets hold two to a few dozen. */
export const MAX_USABLE_KEYS = 1000;

export interface ImportedKeySet {
  readonly records: KeyRecord[];
  /** Keys refused for safety (weak or oversized RSA, bad exponent): reported, never used. */
  readonly refusals: KeyRefusal[];
  /** Usable keys beyond MAX_USABLE_KEYS: their count and `kid`s. */
  readonly overflow: { readonly count: number; readonly kids: ReadonlySet<string> };
}

function isObject(value: unknown): value is JWK {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/**
 * Imports the usable keys of a JWKS document; a set with none is a failed fetch, not an empty set.
 * `previous` maps fingerprints to the records of the last set, reused as they are.
 */
export async function importKeySet(
  body: unknown,
  url: string,
  limits: KeyLimits,
  previous: ReadonlyMap<string, KeyRecord>,
): Promise<ImportedKeySet> {
  const keys = body !== null && typeof body === "object" ? (body as { keys?: unknown }).keys : undefined;
  if (!Array.isArray(keys))
    throw new KeyFetchError("jwks_not_a_set", `${url} is not a JWK Set (no "keys" array)`, { url });
  const records: KeyRecord[] = [];
  const refusals: KeyRefusal[] = [];
  const overflowKids = new Set<string>();
  let overflowCount = 0;
  for (const entry of keys) {
    if (!isObject(entry)) continue;
    const known = previous.get(fingerprintOf(entry));
    const outcome = known ?? (await importVerificationKey(entry, limits));
    if (outcome === undefined) continue;
    if (outcome instanceof KeyRefusal) {
      refusals.push(outcome);
      continue;
    }
    if (records.length < MAX_USABLE_KEYS) {
      records.push(outcome);
      continue;
    }
    overflowCount++;
    if (outcome.kid !== undefined) overflowKids.add(outcome.kid);
  }
  if (records.length === 0)
    throw new KeyFetchError("jwks_no_usable_key", `${url} holds no usable signature verification key`, {
      url,
    });
  return { records, refusals, overflow: { count: overflowCount, kids: overflowKids } };
}
