/**
 * The conformance app (test/conformance/harness.ts ROUTES) built with Hono. It takes the adapter and
 * core's `createVerifier` as arguments so the same app runs in-process on Node (the sources, through
 * vitest's alias) and as a child process on Bun and Deno (the built packages, as users install them).
 * One verifier serves every route; with `resource` set, the RFC 9728 document is served before any
 * authentication. Errors are left to Hono's default error handler.
 */
import type { createVerifier, VerifierOptions } from "@resource-guard/core";
import type * as Adapter from "@resource-guard/hono";
import { type Context, Hono } from "hono";
import { ANY_SCOPES, BOTH_SCOPES, ORDERS_SCOPES, ROUTES } from "../../../test/conformance/harness.js";

export type HonoAdapter = Pick<
  typeof Adapter,
  "bearerAuth" | "protectedResourceMetadata" | "requireScopes" | "requireAnyScope"
>;

/** The app of ROUTES, with one verifier built from `options`. */
export function createConformanceApp(
  adapter: HonoAdapter,
  create: typeof createVerifier,
  options: VerifierOptions,
) {
  const { bearerAuth, protectedResourceMetadata, requireScopes, requireAnyScope } = adapter;
  // `credentialsRequired` is bearerAuth's option (optional authentication), not a verifier's.
  const { credentialsRequired, ...verifierOptions } = options as VerifierOptions & {
    credentialsRequired?: boolean;
  };
  const verifier = create(verifierOptions);
  const app = new Hono<Adapter.OptionalAuthEnv>();
  if (options.resource !== undefined) app.use(protectedResourceMetadata({ verifier }));
  // Registered before bearerAuth, so it answers without running it.
  app.get(ROUTES.health, (c) => c.json({ route: ROUTES.health, authenticated: c.get("auth") !== undefined }));
  const echo = (c: Context<Adapter.OptionalAuthEnv>) =>
    c.json({ route: c.req.path, sub: c.get("auth")?.claims.sub, scopes: c.get("auth")?.scopes });
  // A route with its own authentication, declared before the app-wide one.
  app.get(ROUTES.scoped, bearerAuth({ verifier, scopes: [...ORDERS_SCOPES] }), echo);
  app.use(bearerAuth({ verifier, credentialsRequired }));
  app.get(ROUTES.me, echo);
  app.get(ROUTES.orders, requireScopes(...ORDERS_SCOPES), echo);
  app.get(ROUTES.both, requireScopes([...BOTH_SCOPES]), echo);
  app.get(ROUTES.any, requireAnyScope(...ANY_SCOPES), echo);
  return app;
}
