/**
 * The name under which an introspection answer is cached: `"introspection:" + base64url(sha256(token))`.
 * A cache (in this process or shared by a fleet) never holds the token itself, so a dump of the cache
 * or a look at Redis yields nothing that can be presented to the API. SHA-256 makes two tokens
 * sharing a key as unlikely as forging one.
 */
import * as crypto from "node:crypto";

const PREFIX = "introspection:";

// `crypto.hash` (Node ≥ 20.12) hashes a short string without building a Hash object; other
// runtimes that lack it get the classic path.
const oneShot = (crypto as { hash?: typeof crypto.hash }).hash;

/**
 * Returns the cache key of `token`.
 * @example introspectionKey("2YotnFZFEjr1zCsicMWpAA"); // "introspection:…43 base64url characters"
 */
export function introspectionKey(token: string): string {
  const digest =
    typeof oneShot === "function"
      ? oneShot("sha256", token, "base64url")
      : crypto.createHash("sha256").update(token).digest("base64url");
  return PREFIX + digest;
}
