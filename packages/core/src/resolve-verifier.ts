/**
 * resolveVerifier(): what every adapter does with its options. Either verifier options, from which
 * one verifier is built here (at start-up, once), or `{ verifier }` to share a verifier (and so its
 * key and token caches) between apps, routers and plugins. Mixing the two is a mistake worth a
 * TypeError: the extra options would silently not apply.
 */
import { createVerifier } from "./create-verifier.js";
import { createGuard, type RouteGuard } from "./pipeline/guards.js";
import type { AuthenticateOptions, Verifier, VerifierOptions, VerifierOrOptions } from "./types.js";

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

/** The options an adapter's authentication middleware takes beside the verifier's own. */
export interface BearerAuthSettings {
  /** `false` lets requests without credentials through (bad credentials still fail). */
  credentialsRequired?: boolean;
  /** Scopes every request through the middleware must hold (all of them). */
  scopes?: string | readonly string[];
}

/** What an adapter builds its authentication middleware from, resolved once, where it is declared. */
export interface BearerAuthSetup<R> {
  readonly verifier: Verifier;
  /** The guard for the middleware's own `scopes`, if any. */
  readonly required: RouteGuard | undefined;
  /** The adapter's readers with `credentialsRequired` or the scopes added: what `authenticate` gets. */
  readonly readers: AuthenticateOptions<R>;
}

/**
 * Resolves the options of an adapter's `bearerAuth`: the verifier, the guard for its own `scopes`
 * (known before the token is read, so its 401s can name them), and the readers to authenticate with.
 * Scopes with `credentialsRequired: false` is a TypeError: a route that requires scopes requires
 * credentials.
 * @example const { verifier, required, readers } = resolveBearerAuth(options, READERS);
 */
export function resolveBearerAuth<R>(
  options: VerifierOrOptions & BearerAuthSettings,
  readers: AuthenticateOptions<R>,
  where = "bearerAuth()",
): BearerAuthSetup<R> {
  const { credentialsRequired, scopes, ...rest } = options ?? ({} as VerifierOrOptions & BearerAuthSettings);
  const verifier = resolveVerifier(rest as VerifierOrOptions, where);
  if (scopes !== undefined && credentialsRequired === false)
    throw new TypeError(
      `resource-guard: ${where} got "scopes" and "credentialsRequired: false"; a route that requires scopes requires credentials`,
    );
  const required = scopes === undefined ? undefined : createGuard("requireScopes", [scopes]);
  const resolved =
    credentialsRequired === false
      ? { ...readers, credentialsRequired }
      : required !== undefined
        ? Object.freeze({ ...readers, scopes: required.scopes })
        : readers;
  return { verifier, required, readers: resolved };
}
