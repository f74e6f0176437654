/**
 * The conformance app (test/conformance/harness.ts ROUTES) built with Hono. It takes the adapter as
 * an argument so the same app runs in-process on Node (the adapter's sources, through vitest's alias)
 * and as a child process on Bun and Deno (the built package, as users install it). Errors are left to
 * Hono's default error handler.
 */
import type { VerifierOptions } from "@resource-guard/core";
import type * as Adapter from "@resource-guard/hono";
import { type Context, Hono } from "hono";
import { ANY_SCOPES, BOTH_SCOPES, ORDERS_SCOPES, ROUTES } from "../../../test/conformance/harness.js";

export type HonoAdapter = Pick<typeof Adapter, "bearerAuth" | "requireScopes" | "requireAnyScope">;

/** The app of ROUTES, with one verifier built from `options`. */
export function createConformanceApp(adapter: HonoAdapter, options: VerifierOptions) {
  const { bearerAuth, requireScopes, requireAnyScope } = adapter;
  const app = new Hono<Adapter.ResourceGuardEnv>();
  // Registered before bearerAuth, so it answers without running it.
  app.get(ROUTES.health, (c) => c.json({ route: ROUTES.health, authenticated: c.get("auth") !== undefined }));
  app.use(bearerAuth(options));
  const echo = (c: Context<Adapter.ResourceGuardEnv>) =>
    c.json({ route: c.req.path, sub: c.get("auth")?.claims.sub, scopes: c.get("auth")?.scopes });
  app.get(ROUTES.me, echo);
  app.get(ROUTES.orders, requireScopes(...ORDERS_SCOPES), echo);
  app.get(ROUTES.both, requireScopes([...BOTH_SCOPES]), echo);
  app.get(ROUTES.any, requireAnyScope(...ANY_SCOPES), echo);
  return app;
}
