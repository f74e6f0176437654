/**
 * resolveVerifier(): what every adapter does with its options. Either verifier options, from which
 * one verifier is built here (at start-up, once), or `{ verifier }` to share a verifier (and so its
 * key and token caches) between apps, routers and plugins. Mixing the two is a mistake worth a
 * TypeError: the extra options would silently not apply.
 */
import { createVerifier } from "./create-verifier.js";
import type { Verifier, VerifierOptions, VerifierOrOptions } from "./types.js";

/**
 * Returns the verifier for an adapter's options. `where` names the call in error messages.
 * @example const verifier = resolveVerifier(options, "bearerAuth()");
 */
export function resolveVerifier(options: VerifierOrOptions, where: string): Verifier {
  if (options === null || typeof options !== "object" || !("verifier" in options)) {
    return createVerifier(options as VerifierOptions);
  }
  const { verifier, ...rest } = options;
  if (typeof verifier?.authenticate !== "function" || typeof verifier.verify !== "function") {
    throw new TypeError(`resource-guard: ${where} got { verifier } that is not one made by createVerifier()`);
  }
  if (Object.keys(rest).length > 0) {
    throw new TypeError(
      `resource-guard: ${where} takes either { verifier } or verifier options, not both (got ${Object.keys(rest).join(", ")} too)`,
    );
  }
  return verifier;
}
