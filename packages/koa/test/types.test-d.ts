/**
 * Type tests: `ctx.state.auth` is typed through Koa's DefaultState augmentation, in plain Koa
 * middleware and in @koa/router handlers, and the middleware fits `app.use` and router methods.
 */
import Router from "@koa/router";
import type { AuthResult, TokenBinding } from "@resource-guard/core";
import {
  bearerAuth,
  errorHandler,
  getAuth,
  protectedResourceMetadata,
  requireAnyScope,
  requireClaims,
  requireScopes,
} from "@resource-guard/koa";
import Koa from "koa";
import Koa2 from "koa2";
import { describe, expectTypeOf, it } from "vitest";

const options = { issuer: "https://idp.example.com", audience: "https://api.example.com" };

describe("koa types", () => {
  it("types ctx.state.auth in app middleware and router handlers", () => {
    const app = new Koa();
    app.use(bearerAuth(options));
    app.use(async (ctx, next) => {
      expectTypeOf(ctx.state.auth).toEqualTypeOf<AuthResult | undefined>();
      await next();
    });
    const router = new Router();
    router.get("/orders", requireScopes("orders:read"), (ctx) => {
      expectTypeOf(ctx.state.auth).toEqualTypeOf<AuthResult | undefined>();
      expectTypeOf(ctx.state.auth?.claims.sub).toEqualTypeOf<string | undefined>();
      ctx.body = ctx.state.auth?.scopes;
    });
    router.get(
      "/any",
      requireAnyScope(["a", "b"]),
      requireClaims((claims) => claims.sub === "x"),
      (ctx) => {
        ctx.body = "ok";
      },
    );
    app.use(router.routes());
  });

  it("reads the result with getAuth, and mounts errorHandler, on both majors", () => {
    const app = new Koa();
    app.use(errorHandler());
    app.use(async (ctx) => {
      expectTypeOf(getAuth(ctx)).toEqualTypeOf<AuthResult>();
    });
    const router = new Router();
    router.get("/me", (ctx) => {
      expectTypeOf(getAuth(ctx)).toEqualTypeOf<AuthResult>();
      ctx.body = getAuth(ctx).claims.sub;
    });
    const app2 = new Koa2();
    app2.use(errorHandler());
    app2.use(async (ctx) => {
      ctx.body = getAuth(ctx).scopes;
    });
  });

  it("types auth.scheme, auth.binding and the DPoP and mTLS options", () => {
    const app = new Koa();
    app.use(bearerAuth({ ...options, dpop: { required: true }, mtls: {} }));
    app.use(async (ctx) => {
      expectTypeOf(ctx.state.auth?.scheme).toEqualTypeOf<"Bearer" | "DPoP" | undefined>();
      expectTypeOf(ctx.state.auth?.binding).toEqualTypeOf<TokenBinding | undefined>();
      const binding = ctx.state.auth?.binding;
      if (binding?.kind === "dpop") expectTypeOf(binding.jkt).toEqualTypeOf<string>();
    });
    // @ts-expect-error mtls.required is a boolean
    bearerAuth({ ...options, mtls: { required: "yes" } });
  });

  it("fits Koa 2's types too", () => {
    const app = new Koa2();
    app.use(bearerAuth(options));
    app.use(requireScopes("orders:read"));
  });

  it("fits protectedResourceMetadata and a route-level bearerAuth({ scopes }) on both majors", () => {
    const resource = { issuer: "https://idp.example.com", resource: "https://api.example.com/mcp" };
    new Koa().use(protectedResourceMetadata(resource));
    new Koa2().use(protectedResourceMetadata(resource));
    const router = new Router();
    router.post("/mcp", bearerAuth({ ...resource, scopes: ["mcp:tools"] }), (ctx) => {
      expectTypeOf(ctx.state.auth).toEqualTypeOf<AuthResult | undefined>();
    });
    // @ts-expect-error scopes are strings
    bearerAuth({ ...resource, scopes: [1] });
  });

  it("types the arguments", () => {
    requireScopes("a", "b");
    requireScopes(["a", "b"]);
    // @ts-expect-error a scope is a string
    requireScopes(1);
    // @ts-expect-error unknown verifier options are refused by the types too
    bearerAuth({ ...options, clockTolerence: 5 });
  });
});
