/**
 * Stage 3 of 8: find the candidate keys for a token. The key set is always the one configured for
 * the token's (already matched) issuer; `jku`, `x5u`, `jwk` and `x5c` headers are never read, so a
 * token can never choose where its own keys come from.
 */
import type { KeyRecord } from "../keys/import-key.js";
import type { KeySource } from "../keys/key-source.js";
import type { JWTHeader } from "../types.js";

/**
 * Returns the keys that may have signed a token with `header`, synchronously when they are cached.
 * Throws (or rejects with) 401 `unknown_key` or 503 KeysUnavailableError.
 */
export function lookUpKeys(
  source: KeySource,
  header: JWTHeader,
): readonly KeyRecord[] | Promise<readonly KeyRecord[]> {
  return source.getKeys(header.kid);
}
