/**
 * getAuth(ctx): the verified token of a request, typed as present. `ctx.state.auth` is optional in
 * the types (middleware outside `bearerAuth` sees none), so reading it needs a check or a `!`;
 * getAuth does the check and fails loudly when bearerAuth did not run, rather than letting
 * `undefined` through.
 */
import type { AuthResult } from "@resource-guard/core";

/**
 * Returns `ctx.state.auth`; throws an Error (a 500, naming the fix) when `bearerAuth()` did not run first.
 * @example router.get("/me", (ctx) => { ctx.body = { sub: getAuth(ctx).claims.sub }; });
 */
export function getAuth(ctx: { state: { auth?: AuthResult | undefined } }): AuthResult {
  const auth = ctx.state.auth;
  if (auth === undefined) {
    throw new Error(
      "resource-guard: getAuth() found no ctx.state.auth; add app.use(bearerAuth(options)) before this middleware",
    );
  }
  return auth;
}
