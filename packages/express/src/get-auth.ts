/**
 * getAuth(req): the verified token of a request, typed as present. `req.auth` is optional in the
 * types (a route outside `bearerAuth` has none), so reading it needs a check or a `!`; getAuth does
 * the check and fails loudly when bearerAuth did not run, rather than letting `undefined` through.
 */
import type { AuthResult } from "@resource-guard/core";

/**
 * Returns `req.auth`; throws an Error (a 500, naming the fix) when `bearerAuth()` did not run first.
 * @example app.get("/me", (req, res) => res.json({ sub: getAuth(req).claims.sub }));
 */
export function getAuth(req: { auth?: AuthResult | undefined }): AuthResult {
  const auth = req.auth;
  if (auth === undefined) {
    throw new Error(
      "resource-guard: getAuth() found no req.auth; add app.use(bearerAuth(options)) before this route",
    );
  }
  return auth;
}
