/**
 * RFC 9728 in core: the `resource` and `resourceMetadata` options, `verifier.resourceMetadata` (URL,
 * path, document), the audience that `resource` implies, `resource_metadata` on every challenge, and
 * the HTTP answers of `metadataResponse` that every adapter writes.
 */
import {
  type AuthResult,
  createVerifier,
  metadataResponse,
  type Verifier,
  type VerifierOptions,
} from "@resource-guard/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestIdp, type TestIdp } from "../../../../test/support/idp.js";
import { buildResourceMetadata } from "../../src/metadata/protected-resource.js";
import { resolveOptions } from "../../src/options/resolve-options.js";

const ISSUER = "https://idp.example.com";
const RESOURCE = "https://api.example.com/mcp";
const METADATA_URL = "https://api.example.com/.well-known/oauth-protected-resource/mcp";

function withResource(extra: Partial<VerifierOptions> = {}): Verifier {
  return createVerifier({ issuer: ISSUER, resource: RESOURCE, ...extra });
}

describe("verifier.resourceMetadata", () => {
  it("is undefined without resource, and challenges then carry no resource_metadata", () => {
    const verifier = createVerifier({ issuer: ISSUER, audience: "orders-api" });
    expect(verifier.resourceMetadata).toBeUndefined();
    expect(verifier.challenge.resourceMetadata).toBeUndefined();
  });

  it("publishes the resource, the issuers in configuration order and the header method", () => {
    const verifier = createVerifier({
      issuer: ["https://b.example.com", "https://a.example.com"],
      issuers: [{ issuer: "https://c.example.com", audience: "other" }],
      resource: RESOURCE,
    });
    expect(verifier.resourceMetadata).toEqual({
      url: METADATA_URL,
      path: "/.well-known/oauth-protected-resource/mcp",
      document: {
        resource: RESOURCE,
        authorization_servers: ["https://b.example.com", "https://a.example.com", "https://c.example.com"],
        bearer_methods_supported: ["header"],
      },
    });
    expect(JSON.stringify(verifier.resourceMetadata?.document)).toBe(
      `{"resource":"${RESOURCE}","authorization_servers":["https://b.example.com","https://a.example.com","https://c.example.com"],"bearer_methods_supported":["header"]}`,
    );
  });

  it("lists the body and query methods only when they are turned on, in RFC 6750 order", () => {
    const methods = (extra: Partial<VerifierOptions>) =>
      withResource(extra).resourceMetadata?.document.bearer_methods_supported;
    expect(methods({ allowQueryToken: true })).toEqual(["header", "query"]);
    expect(methods({ allowFormBodyToken: true })).toEqual(["header", "body"]);
    expect(methods({ allowQueryToken: true, allowFormBodyToken: true })).toEqual(["header", "body", "query"]);
  });

  it("adds the user's members after the derived ones, copied and frozen", () => {
    const scopes = ["orders:read", "orders:write"];
    const verifier = withResource({
      resourceMetadata: {
        scopes_supported: scopes,
        resource_name: "Orders API",
        "resource_name#fr": "API des commandes",
        resource_documentation: "https://docs.example.com/orders",
        jwks_uri: "https://api.example.com/jwks",
        x_private: { tier: 2, tags: ["a"] },
        resource_tos_uri: undefined,
      },
    });
    scopes.push("later");
    const document = verifier.resourceMetadata?.document;
    expect(Object.keys(document ?? {})).toEqual([
      "resource",
      "authorization_servers",
      "bearer_methods_supported",
      "scopes_supported",
      "resource_name",
      "resource_name#fr",
      "resource_documentation",
      "jwks_uri",
      "x_private",
    ]);
    expect(document?.scopes_supported).toEqual(["orders:read", "orders:write"]);
    expect(Object.isFrozen(document)).toBe(true);
    expect(Object.isFrozen(document?.scopes_supported)).toBe(true);
    expect(Object.isFrozen(verifier.resourceMetadata)).toBe(true);
  });

  it("adds the DPoP and mTLS members from their settings, and no Bearer method when DPoP is required", () => {
    const resolved = resolveOptions({ issuer: ISSUER, resource: RESOURCE });
    expect(
      buildResourceMetadata(resolved, {
        dpop: { algorithms: new Set(["ES256", "EdDSA"]), required: false },
        mtls: { required: false },
      })?.document,
    ).toEqual({
      resource: RESOURCE,
      authorization_servers: [ISSUER],
      bearer_methods_supported: ["header"],
      dpop_signing_alg_values_supported: ["ES256", "EdDSA"],
      tls_client_certificate_bound_access_tokens: true,
    });
    expect(
      buildResourceMetadata(resolved, { dpop: { algorithms: ["ES256"], required: true } })?.document,
    ).toEqual({
      resource: RESOURCE,
      authorization_servers: [ISSUER],
      bearer_methods_supported: [],
      dpop_signing_alg_values_supported: ["ES256"],
      dpop_bound_access_tokens_required: true,
    });
  });
});

describe("the metadata URL (RFC 9728 §3.1 path insertion)", () => {
  it.each([
    ["https://api.example.com", "https://api.example.com/.well-known/oauth-protected-resource"],
    ["https://api.example.com/", "https://api.example.com/.well-known/oauth-protected-resource"],
    ["https://api.example.com/mcp", "https://api.example.com/.well-known/oauth-protected-resource/mcp"],
    ["https://api.example.com/mcp/", "https://api.example.com/.well-known/oauth-protected-resource/mcp/"],
    ["https://api.example.com/a/b", "https://api.example.com/.well-known/oauth-protected-resource/a/b"],
    ["https://api.example.com?t=1", "https://api.example.com/.well-known/oauth-protected-resource?t=1"],
    ["https://api.example.com/?t=1", "https://api.example.com/.well-known/oauth-protected-resource?t=1"],
    [
      "https://api.example.com/mcp?t=1",
      "https://api.example.com/.well-known/oauth-protected-resource/mcp?t=1",
    ],
    ["https://API.example.com:443/mcp", "https://api.example.com/.well-known/oauth-protected-resource/mcp"],
    [
      "https://api.example.com:8443/mcp",
      "https://api.example.com:8443/.well-known/oauth-protected-resource/mcp",
    ],
    ["http://127.0.0.1:3000/mcp", "http://127.0.0.1:3000/.well-known/oauth-protected-resource/mcp"],
  ])("%s → %s", (resource, url) => {
    const metadata = createVerifier({ issuer: ISSUER, resource }).resourceMetadata;
    expect(metadata?.url).toBe(url);
    expect(metadata?.path).toBe(new URL(url).pathname);
    // The resource itself is kept as written, whatever the URL parser would make of it.
    expect(metadata?.document.resource).toBe(resource);
  });
});

describe("bad resource and resourceMetadata options", () => {
  const fails = (extra: Partial<VerifierOptions>) => () =>
    createVerifier({ issuer: ISSUER, ...extra } as VerifierOptions);

  it.each([
    [
      "/mcp",
      '"resource" (/mcp) is not an absolute URL; give the full URL clients call, such as "https://api.example.com/mcp"',
    ],
    [
      "https://api.example.com/mcp#tools",
      '"resource" (https://api.example.com/mcp#tools) must not have a fragment (RFC 9728 §1.2); remove the "#…" part',
    ],
    [
      "https://api.example.com/mcp#",
      '"resource" (https://api.example.com/mcp#) must not have a fragment (RFC 9728 §1.2); remove the "#…" part',
    ],
    [
      "http://api.example.com/mcp",
      '"resource" (http://api.example.com/mcp) uses plain http on a non-loopback host (set "allowInsecureHttp: true" to allow it)',
    ],
    ["ftp://api.example.com/mcp", '"resource" (ftp://api.example.com/mcp) must be an https: URL'],
    [
      "https://user:pw@api.example.com/",
      '"resource" (https://user:pw@api.example.com/) must not carry credentials',
    ],
    [
      "https://api.example.com/my mcp",
      '"resource" must be written as a URI (RFC 3986): percent-encode spaces, quotes and non-ASCII characters',
    ],
    [
      " https://api.example.com/mcp",
      '"resource" must be written as a URI (RFC 3986): percent-encode spaces, quotes and non-ASCII characters',
    ],
    [
      "",
      '"resource" must be this API\'s resource identifier, an absolute https: URL such as "https://api.example.com/mcp"',
    ],
  ])("refuses resource %j", (resource, message) => {
    expect(fails({ resource })).toThrow(new TypeError(`resource-guard: ${message}`));
  });

  it("accepts http: off loopback only with allowInsecureHttp", () => {
    expect(fails({ resource: "http://api.internal/mcp", allowInsecureHttp: true })).not.toThrow();
    expect(fails({ resource: "http://localhost:3000/mcp" })).not.toThrow();
  });

  it("refuses a resource of another type", () => {
    expect(fails({ resource: 42 as never })).toThrow(/"resource" must be this API's resource identifier/);
  });

  it("refuses resourceMetadata without resource", () => {
    expect(fails({ audience: "a", resourceMetadata: { resource_name: "x" } })).toThrow(
      new TypeError(
        'resource-guard: "resourceMetadata" needs "resource": the identifier the document describes, such as "https://api.example.com/mcp"',
      ),
    );
  });

  it.each([
    [null, /"resourceMetadata" must be an object of RFC 9728 §2 members/],
    [["resource_name"], /"resourceMetadata" must be an object/],
    [
      { resource: "https://other.example.com" },
      /"resourceMetadata.resource" cannot be set: it is always the "resource" option/,
    ],
    [
      { authorization_servers: ["https://other.example.com"] },
      /cannot be set: it always lists the configured issuers/,
    ],
    [
      { bearer_methods_supported: ["query"] },
      /cannot be set: it follows "allowFormBodyToken" and "allowQueryToken"/,
    ],
    [{ dpop_bound_access_tokens_required: true }, /cannot be set: it follows the verifier's DPoP settings/],
    [
      { tls_client_certificate_bound_access_tokens: true },
      /cannot be set: it follows the verifier's mTLS settings/,
    ],
    [{ scopes_supported: "a b" }, /"resourceMetadata.scopes_supported" must be an array of scopes/],
    [{ scopes_supported: [] }, /"resourceMetadata.scopes_supported" must not be empty; leave it out instead/],
    [{ scopes_supported: ["a b"] }, /must be an array of scopes .*; got "a b"/],
    [{ scopes_supported: [1] }, /must be an array of scopes .*; got 1/],
    [{ resource_signing_alg_values_supported: ["none"] }, /JWS algorithm names other than "none"/],
    [{ resource_name: 7 }, /"resourceMetadata.resource_name" must be a non-empty string/],
    [{ "resource_name#fr": "" }, /"resourceMetadata.resource_name#fr" must be a non-empty string/],
    [{ "resource_name#f r": "x" }, /has a malformed language tag; write it as "resource_name#fr"/],
    [
      { resource_documentation: "/docs" },
      /"resourceMetadata.resource_documentation" must be the absolute http\(s\) URL of a page/,
    ],
    [{ resource_tos_uri: "javascript:alert(1)" }, /must be the absolute http\(s\) URL of a page/],
    [
      { jwks_uri: "http://keys.example.com/jwks" },
      /"resourceMetadata.jwks_uri" \(http:\/\/keys.example.com\/jwks\) uses plain http/,
    ],
    [{ jwks_uri: 5 }, /"resourceMetadata.jwks_uri" must be an https: URL/],
    [{ signed_metadata: "not a jwt" }, /"resourceMetadata.signed_metadata" must be a JWT in compact form/],
    [{ authorization_details_types_supported: [""] }, /must be an array of non-empty strings/],
    [{ x_custom: () => 1 }, /"resourceMetadata.x_custom" must be plain JSON/],
    [{ x_custom: new Date(0) }, /must be plain JSON/],
    [{ x_custom: [Number.NaN] }, /must be plain JSON/],
  ])("refuses resourceMetadata %o", (resourceMetadata, message) => {
    expect(fails({ resource: RESOURCE, resourceMetadata: resourceMetadata as never })).toThrow(message);
    expect(fails({ resource: RESOURCE, resourceMetadata: resourceMetadata as never })).toThrow(TypeError);
  });
});

describe("the audience resource implies, and the challenges", () => {
  let idp: TestIdp;
  beforeAll(async () => {
    idp = await startTestIdp();
  });
  afterAll(() => idp.close());

  async function rejection(promise: Promise<AuthResult>) {
    return promise.then(
      () => {
        throw new Error("expected a rejection");
      },
      (error: { status: number; code?: string; headers: Record<string, string> }) => ({
        status: error.status,
        code: error.code,
        challenge: error.headers["WWW-Authenticate"],
      }),
    );
  }

  it("accepts tokens for the resource when audience is omitted, and only those", async () => {
    const verifier = createVerifier({ issuer: idp.issuer, resource: RESOURCE });
    const good = await idp.sign({ aud: RESOURCE, scope: "orders:read" });
    expect((await verifier.verify(good)).scopes).toEqual(["orders:read"]);
    // Exact comparison: a trailing slash is another resource.
    const other = await idp.sign({ aud: `${RESOURCE}/` });
    expect(await rejection(verifier.verify(other))).toEqual({
      status: 401,
      code: "invalid_token",
      challenge: `Bearer realm="api", error="invalid_token", error_description="The token's audience is not accepted", resource_metadata="${METADATA_URL}"`,
    });
  });

  it("lets an explicit audience replace the resource rather than add to it", async () => {
    const verifier = createVerifier({ issuer: idp.issuer, resource: RESOURCE, audience: "orders-api" });
    expect((await verifier.verify(await idp.sign({ aud: "orders-api" }))).issuer).toBe(idp.issuer);
    expect((await rejection(verifier.verify(await idp.sign({ aud: RESOURCE })))).code).toBe("invalid_token");
  });

  it("puts resource_metadata on every challenge: 401, 400, 403, and scope when the route's scopes are known", async () => {
    const verifier = createVerifier({ issuer: idp.issuer, resource: RESOURCE });
    expect(await rejection(verifier.authenticate({ headers: {} }))).toEqual({
      status: 401,
      code: undefined,
      challenge: `Bearer realm="api", resource_metadata="${METADATA_URL}"`,
    });
    expect(await rejection(verifier.authenticate({ headers: {} }, { scopes: ["orders:read"] }))).toEqual({
      status: 401,
      code: undefined,
      challenge: `Bearer realm="api", scope="orders:read", resource_metadata="${METADATA_URL}"`,
    });
    expect(
      await rejection(verifier.authenticate({ headers: { authorization: "Bearer a$b" } }, { scopes: ["x"] })),
    ).toEqual({
      status: 400,
      code: "invalid_request",
      challenge: `Bearer realm="api", error="invalid_request", error_description="The bearer token has characters outside the b64token syntax", scope="x", resource_metadata="${METADATA_URL}"`,
    });
    const auth = await verifier.verify(await idp.sign({ aud: RESOURCE, scope: "profile" }));
    let forbidden: unknown;
    try {
      verifier.assertScopes(auth, ["orders:read", "orders:write"]);
    } catch (error) {
      forbidden = error;
    }
    expect(forbidden).toMatchObject({
      status: 403,
      code: "insufficient_scope",
      headers: {
        "WWW-Authenticate": `Bearer realm="api", error="insufficient_scope", scope="orders:read orders:write", resource_metadata="${METADATA_URL}"`,
      },
    });
  });
});

describe("metadataResponse", () => {
  const verifier = withResource({ resourceMetadata: { resource_name: "Orders API" } });
  const body = JSON.stringify(verifier.resourceMetadata?.document);
  const documentHeaders = {
    "content-type": "application/json",
    "content-length": String(Buffer.byteLength(body)),
    "cache-control": "public, max-age=3600",
    "x-content-type-options": "nosniff",
    "access-control-allow-origin": "*",
  };
  const path = "/.well-known/oauth-protected-resource/mcp";

  it("answers GET with the document and HEAD with its headers only", () => {
    expect(metadataResponse(verifier, { method: "GET", url: path })).toEqual({
      status: 200,
      headers: documentHeaders,
      body,
    });
    expect(metadataResponse(verifier, { method: "HEAD", url: `${path}?v=2` })).toEqual({
      status: 200,
      headers: documentHeaders,
      body: null,
    });
  });

  it("answers a CORS preflight with 204 and another method with 405 and Allow", () => {
    expect(metadataResponse(verifier, { method: "OPTIONS", url: path })).toEqual({
      status: 204,
      headers: {
        allow: "GET, HEAD, OPTIONS",
        "access-control-allow-origin": "*",
        "access-control-allow-methods": "GET, HEAD, OPTIONS",
        "access-control-allow-headers": "*",
        "access-control-max-age": "86400",
      },
      body: null,
    });
    for (const method of ["POST", "PUT", "DELETE", "PATCH", "BREW"]) {
      expect(metadataResponse(verifier, { method, url: path })).toEqual({
        status: 405,
        headers: {
          allow: "GET, HEAD, OPTIONS",
          "content-type": "text/plain; charset=utf-8",
          "content-length": "18",
          "access-control-allow-origin": "*",
        },
        body: "Method Not Allowed",
      });
    }
  });

  it("reads absolute URLs as a Fetch Request has them", () => {
    const request = new Request(`https://api.example.com${path}`);
    expect(metadataResponse(verifier, request)?.status).toBe(200);
  });

  it.each([
    "/mcp",
    "/.well-known/oauth-protected-resource",
    "/.well-known/oauth-protected-resource/mcp/",
    "/.well-known/oauth-protected-resource/mcpx",
    "/mcp/.well-known/oauth-protected-resource",
    "/api/.well-known/oauth-protected-resource/mcp",
    "/.WELL-KNOWN/oauth-protected-resource/mcp",
    "not a url /.well-known/oauth-protected-resource/mcp",
  ])("passes %s on", (url) => {
    expect(metadataResponse(verifier, { method: "GET", url })).toBeUndefined();
  });

  it("passes everything on for a verifier without resource, or a request without a URL", () => {
    const plain = createVerifier({ issuer: ISSUER, audience: "a" });
    expect(metadataResponse(plain, { method: "GET", url: path })).toBeUndefined();
    expect(metadataResponse(verifier, { method: "GET" })).toBeUndefined();
  });

  it("answers a resource with a query only at that exact query", () => {
    const tenant = createVerifier({ issuer: ISSUER, resource: "https://api.example.com/mcp?tenant=a" });
    expect(metadataResponse(tenant, { method: "GET", url: `${path}?tenant=a` })?.status).toBe(200);
    expect(metadataResponse(tenant, { method: "GET", url: `${path}?tenant=b` })).toBeUndefined();
    expect(metadataResponse(tenant, { method: "GET", url: path })).toBeUndefined();
  });
});
