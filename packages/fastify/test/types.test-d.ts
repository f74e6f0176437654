/**
 * Type tests: `request.auth` is typed by declaration merging, `app.requireScopes` and its siblings
 * are typed decorators usable as preHandlers, and `config: { auth: false }` is a typed route option.
 */
import type { AuthResult, TokenBinding, Verifier } from "@resource-guard/core";
import resourceGuard, { errorHandler, getAuth } from "@resource-guard/fastify";
import Fastify from "fastify";
import { describe, expectTypeOf, it } from "vitest";

const options = { issuer: "https://idp.example.com", audience: "https://api.example.com" };

describe("fastify types", () => {
  it("types request.auth, the decorators and the opt-out", async () => {
    const app = Fastify();
    await app.register(resourceGuard, options);
    app.get("/orders", { preHandler: app.requireScopes("orders:read") }, async (request) => {
      expectTypeOf(request.auth).toEqualTypeOf<AuthResult | null>();
      expectTypeOf(request.auth?.claims.sub).toEqualTypeOf<string | undefined>();
      return request.auth?.scopes;
    });
    app.get(
      "/any",
      { preHandler: [app.requireAnyScope(["a", "b"]), app.requireClaims((c) => c.sub === "x")] },
      async () => "ok",
    );
    app.get("/health", { config: { auth: false } }, async () => "ok");
    app.post("/mcp", { config: { scopes: ["mcp:tools"] } }, async () => "ok");
    app.post("/one", { config: { scopes: "mcp:tools" } }, async () => "ok");
    app.post<{ Body: { name: string } }>(
      "/typed",
      { preHandler: app.requireScopes("a", "b") },
      async (request) => {
        expectTypeOf(request.body.name).toEqualTypeOf<string>();
        expectTypeOf(request.auth).toEqualTypeOf<AuthResult | null>();
        return "ok";
      },
    );
  });

  it("reads the result with getAuth, and takes errorHandler in setErrorHandler", async () => {
    const app = Fastify();
    app.setErrorHandler(errorHandler());
    app.setErrorHandler(
      errorHandler((error, _request, reply) => reply.code(500).send({ own: error.message })),
    );
    await app.register(resourceGuard, options);
    app.get("/me", async (request) => {
      expectTypeOf(getAuth(request)).toEqualTypeOf<AuthResult>();
      return getAuth(request).claims.sub;
    });
  });

  it("types auth.scheme, auth.binding and the DPoP and mTLS options", async () => {
    const app = Fastify();
    await app.register(resourceGuard, {
      ...options,
      dpop: { algorithms: ["ES256", "EdDSA"], iatWindowSeconds: 120 },
      mtls: { certificateHeader: "client-cert" },
    });
    app.get("/orders", async (request) => {
      expectTypeOf(request.auth?.scheme).toEqualTypeOf<"Bearer" | "DPoP" | undefined>();
      expectTypeOf(request.auth?.binding).toEqualTypeOf<TokenBinding | undefined>();
      const binding = request.auth?.binding;
      if (binding?.kind === "mtls") expectTypeOf(binding.x5t).toEqualTypeOf<string>();
      return "ok";
    });
    // @ts-expect-error dpop.algorithms is a list of names
    await app.register(resourceGuard, { ...options, dpop: { algorithms: "ES256" } });
  });

  it("types the options", async () => {
    const app = Fastify();
    const verifier = {} as Verifier;
    await app.register(resourceGuard, { verifier });
    // @ts-expect-error unknown verifier options are refused by the types too
    await app.register(resourceGuard, { ...options, clockTolerence: 5 });
    // @ts-expect-error config.auth is a boolean
    app.get("/x", { config: { auth: "no" } }, async () => "ok");
    // @ts-expect-error a scope is a string
    app.requireScopes(1);
    // @ts-expect-error config.scopes are strings
    app.get("/y", { config: { scopes: [1] } }, async () => "ok");
  });
});
