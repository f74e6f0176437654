/**
 * Type tests: `c.get("auth")` is typed through Hono's variable map, whether the app is declared with
 * `ResourceGuardEnv`, chained after `app.use(bearerAuth(…))`, or given the guard on the route itself;
 * the middleware fit `app.use` and route handlers without casts.
 */
import type { AuthResult } from "@resource-guard/core";
import {
  type AuthVariables,
  bearerAuth,
  type ResourceGuardEnv,
  requireAnyScope,
  requireClaims,
  requireScopes,
} from "@resource-guard/hono";
import { Hono, type MiddlewareHandler } from "hono";
import { describe, expectTypeOf, it } from "vitest";

const options = { issuer: "https://idp.example.com", audience: "https://api.example.com" };

describe("hono types", () => {
  it("infers c.get('auth') from app.use(bearerAuth()) when chained", () => {
    new Hono().use(bearerAuth(options)).get("/orders", requireScopes("orders:read"), (c) => {
      expectTypeOf(c.get("auth")).toEqualTypeOf<AuthResult>();
      expectTypeOf(c.var.auth.scopes).toEqualTypeOf<readonly string[]>();
      return c.json({ sub: c.get("auth").claims.sub ?? null });
    });
  });

  it("types c.get('auth') on an app declared with ResourceGuardEnv, and on a route guarded alone", () => {
    const app = new Hono<ResourceGuardEnv>();
    app.use("/api/*", bearerAuth(options));
    app.get("/api/me", (c) => {
      expectTypeOf(c.get("auth")).toEqualTypeOf<AuthResult>();
      return c.text("ok");
    });
    new Hono().get("/me", bearerAuth(options), (c) => {
      expectTypeOf(c.get("auth")).toEqualTypeOf<AuthResult>();
      return c.text("ok");
    });
    expectTypeOf<ResourceGuardEnv["Variables"]>().toEqualTypeOf<AuthVariables>();
  });

  it("fits apps with their own bindings and variables", () => {
    type Env = { Bindings: { DB: string }; Variables: { requestId: string } };
    new Hono<Env>().use(bearerAuth(options)).get("/", (c) => {
      expectTypeOf(c.get("requestId")).toEqualTypeOf<string>();
      expectTypeOf(c.get("auth")).toEqualTypeOf<AuthResult>();
      expectTypeOf(c.env.DB).toEqualTypeOf<string>();
      return c.text("ok");
    });
  });

  it("types the arguments", () => {
    expectTypeOf(bearerAuth(options)).toExtend<MiddlewareHandler>();
    requireScopes("a", "b");
    requireScopes(["a", "b"]);
    expectTypeOf(requireScopes("a")).toEqualTypeOf(requireAnyScope(["a"]));
    // @ts-expect-error a scope is a string
    requireScopes(1);
    // @ts-expect-error unknown verifier options are refused by the types too
    bearerAuth({ ...options, clockTolerence: 5 });
    // @ts-expect-error the predicate receives claims and returns a boolean
    requireClaims((claims: string) => claims);
  });
});
