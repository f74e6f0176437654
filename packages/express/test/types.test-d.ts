/**
 * Type tests: `req.auth` is typed through the global Express.Request augmentation, and the
 * middleware fits `app.use` / `app.get` of both @types/express 5 and 4 without casts.
 */
import type { AuthResult, TokenBinding } from "@resource-guard/core";
import {
  bearerAuth,
  errorHandler,
  getAuth,
  protectedResourceMetadata,
  requireAnyScope,
  requireClaims,
  requireScopes,
} from "@resource-guard/express";
import express5 from "express";
import express4 from "express4";
import { describe, expectTypeOf, it } from "vitest";

const options = { issuer: "https://idp.example.com", audience: "https://api.example.com" };

describe("express types", () => {
  it("types req.auth on Express 5", () => {
    const app = express5();
    app.use(bearerAuth(options));
    app.get("/orders", requireScopes("orders:read"), (req, res) => {
      expectTypeOf(req.auth).toEqualTypeOf<AuthResult | undefined>();
      expectTypeOf(req.auth?.scopes).toEqualTypeOf<readonly string[] | undefined>();
      res.json(req.auth?.claims.sub);
    });
    const router = express5.Router();
    router.get(
      "/any",
      requireAnyScope(["a", "b"]),
      requireClaims((claims) => claims.sub === "x"),
      (req) => {
        expectTypeOf(req.auth).toEqualTypeOf<AuthResult | undefined>();
      },
    );
  });

  it("types req.auth on Express 4", () => {
    const app = express4();
    app.use(bearerAuth(options));
    app.get("/orders", requireScopes("orders:read", "orders:write"), (req, res) => {
      expectTypeOf(req.auth).toEqualTypeOf<AuthResult | undefined>();
      res.json(req.auth?.claims.sub);
    });
    const router = express4.Router();
    router.use(bearerAuth(options));
  });

  it("reads the result with getAuth, and mounts errorHandler, on both majors", () => {
    const app5 = express5();
    app5.get("/me", (req, res) => {
      expectTypeOf(getAuth(req)).toEqualTypeOf<AuthResult>();
      res.json(getAuth(req).claims.sub);
    });
    app5.use(errorHandler());
    const app4 = express4();
    app4.get("/me", (req, res) => {
      expectTypeOf(getAuth(req)).toEqualTypeOf<AuthResult>();
      res.json(getAuth(req).claims.sub);
    });
    app4.use(errorHandler());
  });

  it("types auth.scheme, auth.binding and the DPoP and mTLS options", () => {
    const app = express5();
    app.use(
      bearerAuth({
        ...options,
        dpop: { required: false, algorithms: ["ES256"], nonce: { secret: "s".repeat(32) } },
        mtls: { required: true, certificateHeader: "client-cert" },
      }),
    );
    app.get("/orders", (req) => {
      expectTypeOf(req.auth?.scheme).toEqualTypeOf<"Bearer" | "DPoP" | undefined>();
      expectTypeOf(req.auth?.binding).toEqualTypeOf<TokenBinding | undefined>();
      const binding = req.auth?.binding;
      if (binding?.kind === "dpop") expectTypeOf(binding.jkt).toEqualTypeOf<string>();
      if (binding?.kind === "mtls") expectTypeOf(binding.x5t).toEqualTypeOf<string>();
      expectTypeOf(req.auth?.responseHeaders).toEqualTypeOf<Readonly<Record<string, string>> | undefined>();
    });
    // @ts-expect-error nonce is false, true or { secret, secrets, lifetimeMs }
    bearerAuth({ ...options, dpop: { nonce: "yes" } });
    // @ts-expect-error the replay store has add(key, expiresAtMs)
    bearerAuth({ ...options, dpop: { replayStore: { set: () => true } } });
  });

  it("fits protectedResourceMetadata and a route-level bearerAuth({ scopes }) on both majors", () => {
    const resource = { issuer: "https://idp.example.com", resource: "https://api.example.com/mcp" };
    const app5 = express5();
    app5.use(protectedResourceMetadata(resource));
    app5.post("/mcp", bearerAuth({ ...resource, scopes: ["mcp:tools"] }), (req) => {
      expectTypeOf(req.auth).toEqualTypeOf<AuthResult | undefined>();
    });
    const app4 = express4();
    app4.use(protectedResourceMetadata(resource));
    app4.post("/mcp", bearerAuth({ ...resource, scopes: "mcp:tools" }));
    // @ts-expect-error scopes are strings
    bearerAuth({ ...resource, scopes: [1] });
    // @ts-expect-error resourceMetadata may not set the resource
    protectedResourceMetadata({ ...resource, resourceMetadata: { resource: "https://other.example.com" } });
  });

  it("types the arguments", () => {
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
