/**
 * Type tests: `c.get("auth")` is typed through Hono's variable map, whether the app is declared with
 * `ResourceGuardEnv`, chained after `app.use(bearerAuth(…))`, or given the guard on the route itself;
 * after `bearerAuth({ credentialsRequired: false })` it may be undefined; the middleware (and
 * `protectedResourceMetadata`) fit `app.use` and route handlers without casts.
 */
import { type AuthResult, createVerifier } from "@resource-guard/core";
import {
  type AuthMiddleware,
  type AuthVariables,
  bearerAuth,
  type OptionalAuthEnv,
  type OptionalAuthMiddleware,
  type OptionalAuthVariables,
  protectedResourceMetadata,
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

  it("types c.get('auth') as possibly undefined behind credentialsRequired: false", () => {
    new Hono().use(bearerAuth({ ...options, credentialsRequired: false })).get("/", (c) => {
      expectTypeOf(c.get("auth")).toEqualTypeOf<AuthResult | undefined>();
      return c.json({ sub: c.get("auth")?.claims.sub ?? null });
    });
    // A scope guard after it answers 401 without a token, so the route after the guard has one.
    new Hono()
      .use(bearerAuth({ ...options, credentialsRequired: false }))
      .get("/orders", requireScopes("orders:read"), (c) => {
        expectTypeOf(c.get("auth")).toEqualTypeOf<AuthResult>();
        return c.text("ok");
      });
    expectTypeOf(
      bearerAuth({ ...options, credentialsRequired: false }),
    ).toEqualTypeOf<OptionalAuthMiddleware>();
    expectTypeOf<OptionalAuthEnv["Variables"]>().toEqualTypeOf<OptionalAuthVariables>();
    // Without the literal `false`, the types cannot know: the safe answer.
    const required: boolean = Math.random() > 0.5;
    expectTypeOf(
      bearerAuth({ ...options, credentialsRequired: required }),
    ).toEqualTypeOf<OptionalAuthMiddleware>();
    expectTypeOf(bearerAuth({ ...options, credentialsRequired: true })).toEqualTypeOf<AuthMiddleware>();
  });

  it("types a route that authenticates itself with scopes, and the metadata middleware", () => {
    const verifier = createVerifier({
      issuer: "https://idp.example.com",
      resource: "https://api.example.com",
    });
    const app = new Hono();
    app.use(protectedResourceMetadata({ verifier }));
    app.use(
      protectedResourceMetadata({ issuer: "https://idp.example.com", resource: "https://api.example.com" }),
    );
    app.get("/scoped", bearerAuth({ verifier, scopes: ["orders:read"] }), (c) => {
      expectTypeOf(c.get("auth")).toEqualTypeOf<AuthResult>();
      return c.text("ok");
    });
    bearerAuth({ verifier, scopes: "orders:read" });
    // @ts-expect-error scopes are strings
    bearerAuth({ verifier, scopes: [1] });
    // @ts-expect-error protectedResourceMetadata takes a verifier or its options, nothing else
    protectedResourceMetadata({ verifier, scopes: ["a"] });
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
