/**
 * The options shared by `createTestKeys()` and `createTestIssuer()`, checked once with messages that
 * say what to fix, as core checks its own. Unknown names are refused, so a typo does not silently
 * produce tokens other than the ones the test meant.
 */
import { assertAlgorithm, type TestAlgorithm } from "./algorithms.js";
import type { MintSettings } from "./mint.js";

export interface TestKeysOptions {
  /** The `aud` of minted tokens (string or several). Default `"test-api"`. */
  audience?: string | readonly string[];
  /** The algorithm `sign()` uses unless told otherwise. Default `"RS256"`. */
  alg?: TestAlgorithm;
  /** Algorithms with a published key. Default `["RS256", "ES256", "EdDSA"]`, plus `alg`. */
  algorithms?: readonly TestAlgorithm[];
  /** Lifetime of minted tokens in seconds. Default 3600. */
  expiresIn?: number;
  /** The header `typ` of minted tokens; `null` leaves it out. Default `"at+jwt"` (RFC 9068 §2.1). */
  typ?: string | null;
}

export const DEFAULT_AUDIENCE = "test-api";
const DEFAULT_ALGORITHMS: readonly TestAlgorithm[] = ["RS256", "ES256", "EdDSA"];
const SHARED_NAMES = ["audience", "alg", "algorithms", "expiresIn", "typ"];

export function fail(message: string): never {
  throw new TypeError(`@resource-guard/testing: ${message}`);
}

/** Rejects option names outside `known`, listing the accepted ones. */
export function assertKnownOptions(options: object, own: readonly string[]): void {
  const known = [...SHARED_NAMES, ...own];
  for (const name of Object.keys(options))
    if (!known.includes(name)) fail(`unknown option "${name}"; the options are ${known.join(", ")}`);
}

export function resolveMintSettings(
  options: TestKeysOptions,
  issuer: string,
): { settings: MintSettings; algorithms: TestAlgorithm[] } {
  const alg = options.alg ?? "RS256";
  assertAlgorithm(alg, "alg");
  const listed = options.algorithms ?? DEFAULT_ALGORITHMS;
  if (!Array.isArray(listed) || listed.length === 0) fail('"algorithms" must be a non-empty array');
  for (const each of listed) assertAlgorithm(each, "algorithms");
  const algorithms = [...new Set<TestAlgorithm>([alg, ...listed])];

  const audience = options.audience ?? DEFAULT_AUDIENCE;
  const audiences = typeof audience === "string" ? [audience] : audience;
  if (
    !Array.isArray(audiences) ||
    audiences.length === 0 ||
    audiences.some((a) => typeof a !== "string" || !a)
  )
    fail('"audience" must be a non-empty string or array of strings');

  const expiresIn = options.expiresIn ?? 3600;
  if (typeof expiresIn !== "number" || !Number.isFinite(expiresIn))
    fail('"expiresIn" must be a number of seconds');
  const typ = options.typ === undefined ? "at+jwt" : options.typ;
  if (typ !== null && (typeof typ !== "string" || typ === ""))
    fail('"typ" must be a non-empty string, or null for none');

  return {
    settings: {
      issuer,
      audience: typeof audience === "string" ? audience : [...audience],
      alg,
      expiresIn,
      typ,
    },
    algorithms,
  };
}
