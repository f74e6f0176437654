import { createVerifier, keycloak, okta } from "@resource-guard/core";
import { describe, expect, it } from "vitest";

const ISSUER = "https://idp.example.com/realms/prod";
const base = { issuer: ISSUER, audience: "orders-api" };
const client = { clientId: "orders-api", clientSecret: "orders-api-secret" };

function refuses(options: object, message: string): void {
  expect(() => createVerifier({ ...base, ...options } as never)).toThrow(
    new TypeError(`resource-guard: ${message}`),
  );
}

describe("the introspection option", () => {
  it("accepts a client id and secret alone: the endpoint is discovered, Basic is the default", () => {
    expect(() => createVerifier({ ...base, introspection: client })).not.toThrow();
    expect(() =>
      createVerifier({
        ...base,
        introspection: { ...client, endpoint: `${ISSUER}/introspect`, authMethod: "client_secret_post" },
      }),
    ).not.toThrow();
  });

  it("refuses an unknown setting and lists the known ones", () => {
    refuses(
      { introspection: { ...client, endpiont: "https://x" } },
      'unknown option "endpiont" in introspection; known options are: issuer, endpoint, clientId, clientSecret, authMethod, jwts, maxCacheMs, inactiveCacheMs, memoryCache, cache, cacheTimeoutMs, onError',
    );
  });

  it("requires the API's client credentials", () => {
    refuses(
      { introspection: { clientSecret: "s" } },
      `"introspection.clientId" is required: this API's client id at the provider`,
    );
    refuses(
      { introspection: { clientId: "orders-api", clientSecret: "" } },
      `"introspection.clientSecret" is required: this API's client secret at the provider`,
    );
  });

  it("names the issuer when several are configured, and only a configured one", () => {
    const two = { issuer: [ISSUER, "https://other.example.com"] };
    refuses(
      { ...two, introspection: client },
      `"introspection.issuer" is required with several issuers: name the one whose tokens are introspected (one of ${ISSUER}, https://other.example.com)`,
    );
    refuses(
      { ...two, introspection: { ...client, issuer: "https://third.example.com" } },
      `"introspection.issuer" (https://third.example.com) must be one of the configured issuers`,
    );
    expect(() =>
      createVerifier({ ...base, ...two, introspection: { ...client, issuer: "https://other.example.com" } }),
    ).not.toThrow();
  });

  it("refuses an endpoint over plain http off loopback, and an unknown auth method", () => {
    refuses(
      { introspection: { ...client, endpoint: "http://idp.example.com/introspect" } },
      `"introspection.endpoint" (http://idp.example.com/introspect) uses plain http on a non-loopback host (set "allowInsecureHttp: true" to allow it)`,
    );
    refuses(
      { introspection: { ...client, authMethod: "private_key_jwt" } },
      `"introspection.authMethod" must be one of client_secret_basic, client_secret_post, got private_key_jwt`,
    );
  });

  it("needs an endpoint for an issuer that has a shared secret and no metadata", () => {
    refuses(
      { secret: "s".repeat(32), introspection: client },
      `"introspection.endpoint" is required: issuer "${ISSUER}" has a shared secret and no metadata`,
    );
  });

  it("bounds the cache lifetimes and checks the shared cache's shape", () => {
    refuses(
      { introspection: { ...client, maxCacheMs: -1 } },
      `"introspection.maxCacheMs" must be a number of milliseconds from 0 to 3600000, got -1`,
    );
    refuses(
      { introspection: { ...client, inactiveCacheMs: 600_000 } },
      `"introspection.inactiveCacheMs" must be a number of milliseconds from 0 to 300000, got 600000`,
    );
    refuses(
      { introspection: { ...client, cache: { get: () => undefined } as never } },
      `"introspection.cache" must be an object with get(key) and set(key, value, ttlMs)`,
    );
    refuses(
      { introspection: { ...client, memoryCache: { maxEntries: 0 } } },
      `"introspection.memoryCache.maxEntries" must be a whole number of at least 1, got 0`,
    );
    const store = { get: () => undefined, set: () => undefined };
    expect(() => createVerifier({ ...base, introspection: { ...client, cache: store } })).not.toThrow();
  });
});

describe("introspection beside a preset", () => {
  it("passes through presets as a verifier-wide option", () => {
    expect(() =>
      createVerifier(
        keycloak({
          url: "https://auth.example.com",
          realm: "acme",
          audience: "orders-api",
          introspection: client,
        }),
      ),
    ).not.toThrow();
    expect(() =>
      createVerifier(
        okta({
          issuer: "https://acme.okta.com/oauth2/default",
          audience: "api://default",
          scopeClaims: ["scp", "scope"],
          introspection: { ...client, jwts: true },
        }),
      ),
    ).not.toThrow();
  });
});

describe("the outboundBudget option", () => {
  it("accepts a rate and a burst, and refuses zero, negatives and unknown settings", () => {
    expect(() =>
      createVerifier({ ...base, outboundBudget: { requestsPerSecond: 5, burst: 10 } }),
    ).not.toThrow();
    refuses(
      { outboundBudget: { requestsPerSecond: 0 } },
      `"outboundBudget.requestsPerSecond" must be a number above 0 and at most 10000, got 0`,
    );
    refuses({ outboundBudget: { burst: 0.5 } }, `"outboundBudget.burst" must be at least 1, got 0.5`);
    refuses(
      { outboundBudget: { rate: 5 } },
      `unknown option "rate" in outboundBudget; known options are: requestsPerSecond, burst`,
    );
  });
});
