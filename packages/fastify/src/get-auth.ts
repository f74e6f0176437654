/**
 * getAuth(request): the verified token of a request, typed as present. `request.auth` is
 * `AuthResult | null` in the types (null on routes that opt out with `config: { auth: false }`), so
 * reading it needs a check or a `!`; getAuth does the check and fails loudly where no token was
 * verified, rather than letting `null` through.
 */
import type { AuthResult } from "@resource-guard/core";

/**
 * Returns `request.auth`; throws an Error (a 500, naming the fix) where the plugin did not verify a token.
 * @example app.get("/me", async (request) => ({ sub: getAuth(request).claims.sub }));
 */
export function getAuth(request: { auth?: AuthResult | null | undefined }): AuthResult {
  const auth = request.auth;
  if (auth === null || auth === undefined) {
    throw new Error(
      "resource-guard: getAuth() found no request.auth; the route has config.auth false or the plugin is not registered in its context",
    );
  }
  return auth;
}
