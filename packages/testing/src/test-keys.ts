/**
 * createTestKeys(): the test issuer without a server, for unit tests that should not open a port. It
 * holds the same keys and mints the same tokens as `createTestIssuer()`; its `jwks` is a JWK Set
 * object (RFC 7517 §5) to hand to a verifier that takes its keys from its options instead of a URL.
 */
import type { JWK } from "jose";
import { KeyRing, type RotateOptions } from "./key-ring.js";
import { createMinter, type TokenMinter } from "./mint.js";
import { assertKnownOptions, fail, resolveMintSettings, type TestKeysOptions } from "./options.js";

export interface StaticTestKeysOptions extends TestKeysOptions {
  /** The `iss` of minted tokens. Default `"https://issuer.test"`. */
  issuer?: string;
}

export interface TestKeys extends TokenMinter {
  /** The `iss` of minted tokens. */
  readonly issuer: string;
  /** The default `aud` of minted tokens. */
  readonly audience: string | string[];
  /** The public keys as a JWK Set: current keys and previous ones in their grace period. A fresh copy. */
  readonly jwks: { keys: JWK[] };
  /** New current keys; the previous ones stay in `jwks` for the grace period. */
  rotate(options?: RotateOptions): Promise<void>;
  /** Removes the previous keys from `jwks` now. */
  retire(): void;
}

/**
 * Makes signing keys and a minter, without any network.
 * @example
 * const keys = await createTestKeys({ audience: "orders-api" });
 * const verifier = createVerifier({ issuer: keys.issuer, audience: "orders-api", jwks: keys.jwks });
 * await verifier.verify(await keys.sign({ scope: "orders:read" }));
 */
export async function createTestKeys(options: StaticTestKeysOptions = {}): Promise<TestKeys> {
  if (options === null || typeof options !== "object") fail("createTestKeys() takes an options object");
  assertKnownOptions(options, ["issuer"]);
  const issuer = options.issuer ?? "https://issuer.test";
  if (typeof issuer !== "string" || issuer === "") fail('"issuer" must be a non-empty string');
  const { settings, algorithms } = resolveMintSettings(options, issuer);
  const ring = await KeyRing.create(algorithms);
  const minter = createMinter(ring, settings);
  return {
    ...minter,
    issuer,
    audience: settings.audience as string | string[],
    get jwks() {
      return ring.jwks;
    },
    rotate: (rotateOptions) => ring.rotate(rotateOptions),
    retire: () => ring.retire(),
  };
}
