/**
 * The one conformance table: request in, status + parsed `WWW-Authenticate` + body out. Every row of
 * the contract's error table (CONTRACT.md "Errors") is here, plus valid tokens of each algorithm,
 * all-of and any-of scopes, whole-word scope matching, the route opt-out and the 503 path, and the
 * RFC 9728 rows: the metadata document (its headers, path insertion, HEAD, the CORS preflight, other
 * methods) and challenges carrying `resource_metadata` and the route's `scope`. The same rows run
 * against core and against every adapter on every supported major; a difference is a failure.
 */
import {
  type BearerErrorCode,
  INVALID_REQUEST_DESCRIPTIONS,
  INVALID_TOKEN_DESCRIPTIONS,
  type InvalidRequestReason,
  type InvalidTokenReason,
  type ResourceMetadataOptions,
} from "@resource-guard/core";
import { SignJWT } from "jose";
import { type Alg, makeKey, type TestIdp, type TestKey } from "../support/idp.js";
import { ANY_SCOPES, BOTH_SCOPES, type EchoBody, ORDERS_SCOPES, ROUTES } from "./harness.js";

/** The audience every harness app is configured with. */
export const AUDIENCE = "https://orders.api.test";
export const SUBJECT = "user-1";
/** The harness verifiers refuse longer tokens (a small bound, so the test stays under header limits). */
export const MAX_TOKEN_LENGTH = 4096;

/** The resource identifier of the `resource` app (RFC 9728); its tokens carry it as `aud`. */
export const RESOURCE = "https://orders.api.test/mcp";
/** Where its metadata document is: the well-known string inserted before the path (RFC 9728 §3.1). */
export const METADATA_PATH = "/.well-known/oauth-protected-resource/mcp";
const METADATA_URL = `https://orders.api.test${METADATA_PATH}`;
/** The members the `resource` app adds to its document. */
export const RESOURCE_METADATA: ResourceMetadataOptions = {
  scopes_supported: ["orders:read", "orders:write", "orders:admin"],
  resource_name: "Orders API",
};

export interface SignOptions {
  /** Sign with the IdP's key of this algorithm (default RS256). */
  alg?: Alg;
  /** Sign with this key instead (it need not be published). */
  key?: TestKey;
  header?: Record<string, unknown>;
  /** Sign as this IdP (default the healthy one). */
  idp?: TestIdp;
}

export interface Fixture {
  /** The healthy IdP, publishing one key each of RS256, PS256, ES256 and EdDSA. */
  idp: TestIdp;
  /** An IdP whose discovery and JWKS answer 500 from the start. */
  down: TestIdp;
  /** An IdP that accepts requests and never answers (the verifier's timeout gives up). */
  hanging: TestIdp;
  /** An IdP that has stopped: its port refuses connections. */
  gone: TestIdp;
  /** A token from `idp` with `sub` and `aud` set; claims given here override (undefined removes). */
  sign(claims?: Record<string, unknown>, options?: SignOptions): Promise<string>;
}

export interface CaseRequest {
  /** Default GET. */
  method?: string;
  /** Path and query, e.g. `/orders?access_token=…`. */
  path: string;
  /** Other request headers. */
  headers?: Record<string, string>;
  authorization?: string;
  /** The credential sent, so the suite can check that no response echoes it. */
  token?: string;
}

export type Expected =
  | { status: 200; body: EchoBody | { route: string; authenticated: boolean } }
  | {
      status: 400 | 401 | 403;
      code: BearerErrorCode | undefined;
      message: string;
      /** The auth-params of the one `Bearer` challenge, exactly. */
      challenge: Record<string, string>;
    }
  | { status: 503; code: undefined; message: string }
  | {
      status: 200 | 204 | 405;
      /** An answer core computes and the adapter only writes (the metadata document). */
      served: {
        /** These headers exactly (null: absent); others may be there too. */
        headers: Record<string, string | null>;
        /** The body parsed as JSON; or, without it, the body as text (default empty). */
        json?: unknown;
        text?: string;
      };
    };

/**
 * The apps each harness runs, one per IdP: healthy, answering 500, hanging, and gone; and `resource`,
 * on the healthy IdP with `resource` set (RFC 9728) and no `audience`.
 */
export type AppName = "up" | "down" | "hanging" | "gone" | "resource";

export interface Case {
  name: string;
  /** Which app answers: the one whose IdP works (default), or one whose IdP fails in that way. */
  app?: AppName;
  request(f: Fixture): Promise<CaseRequest>;
  /** What must come back; a function when it names the fixture's IdP. */
  expect: Expected | ((f: Fixture) => Expected);
  /**
   * The path matches no route. Frameworks that authenticate before routing answer `expect`; those
   * whose guards run after routing (Harness.routesBeforeAuthentication, NestJS) answer 404 unchallenged.
   */
  unknownRoute?: true;
}

const REALM = "api";

function bearer(token: string, path: string = ROUTES.me): CaseRequest {
  return { path, authorization: `Bearer ${token}`, token };
}

function ok(route: string, scopes: readonly string[] = []): Expected {
  return { status: 200, body: { route, sub: SUBJECT, scopes } };
}

/**
 * What a challenge adds beyond the error: `scope` when the route's scopes are known before the token is
 * read, `resource_metadata` when the app is a protected resource (RFC 9728 §5.1). Parameters are
 * compared as a set, so their order here does not matter.
 */
interface ChallengeExtras {
  scope?: readonly string[];
  resourceMetadata?: boolean;
}

function extras({ scope, resourceMetadata }: ChallengeExtras): Record<string, string> {
  return {
    ...(scope === undefined ? {} : { scope: scope.join(" ") }),
    ...(resourceMetadata === true ? { resource_metadata: METADATA_URL } : {}),
  };
}

function noCredentials(more: ChallengeExtras = {}): Expected {
  return {
    status: 401,
    code: undefined,
    message: "Bearer authentication is required",
    challenge: { realm: REALM, ...extras(more) },
  };
}

function invalidRequest(reason: InvalidRequestReason, more: ChallengeExtras = {}): Expected {
  const description = INVALID_REQUEST_DESCRIPTIONS[reason];
  return {
    status: 400,
    code: "invalid_request",
    message: description,
    challenge: { realm: REALM, error: "invalid_request", error_description: description, ...extras(more) },
  };
}

function invalidToken(reason: InvalidTokenReason, more: ChallengeExtras = {}): Expected {
  const description = INVALID_TOKEN_DESCRIPTIONS[reason];
  return {
    status: 401,
    code: "invalid_token",
    message: description,
    challenge: { realm: REALM, error: "invalid_token", error_description: description, ...extras(more) },
  };
}

function insufficientScope(required: readonly string[], more: ChallengeExtras = {}): Expected {
  return {
    status: 403,
    code: "insufficient_scope",
    message: "The token lacks a scope this resource requires",
    challenge: { realm: REALM, error: "insufficient_scope", ...extras({ ...more, scope: required }) },
  };
}

const keysUnavailable: Expected = {
  status: 503,
  code: undefined,
  message: "The signing keys are unavailable; try again later",
};

const now = () => Math.floor(Date.now() / 1000);
const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

/** The headers of the metadata document, in every adapter (RFC 9728 §3.2). */
const DOCUMENT_HEADERS: Record<string, string | null> = {
  "content-type": "application/json",
  "cache-control": "public, max-age=3600",
  "access-control-allow-origin": "*",
  "x-content-type-options": "nosniff",
};

/** The document the `resource` app publishes: derived members first, then RESOURCE_METADATA. */
function documentOf(f: Fixture): Record<string, unknown> {
  return {
    resource: RESOURCE,
    authorization_servers: [f.idp.issuer],
    // The harness verifiers accept the query method (allowQueryToken).
    bearer_methods_supported: ["header", "query"],
    ...RESOURCE_METADATA,
  };
}

export const CASES: readonly Case[] = [
  // No bearer credentials at all: 401 without an error code.
  { name: "no Authorization header", request: async () => ({ path: ROUTES.me }), expect: noCredentials() },
  {
    name: "another scheme (Basic)",
    request: async () => ({ path: ROUTES.me, authorization: "Basic dXNlcjpwYXNz", token: "dXNlcjpwYXNz" }),
    expect: noCredentials(),
  },
  {
    name: "a scheme that only starts with Bearer",
    request: async (f) => ({ path: ROUTES.me, authorization: `Bearerx ${await f.sign()}` }),
    expect: noCredentials(),
  },
  {
    name: "no token on a scoped route",
    request: async () => ({ path: ROUTES.orders }),
    expect: noCredentials(),
  },
  {
    name: "no token on an any-of route",
    request: async () => ({ path: ROUTES.any }),
    expect: noCredentials(),
  },
  {
    name: "a query parameter that is not access_token",
    request: async (f) => {
      const token = await f.sign();
      return { path: `${ROUTES.me}?access_token%5Bx%5D=${token}`, token };
    },
    expect: noCredentials(),
  },

  {
    // Authentication runs before routing (except where guards follow routing, as in NestJS), so an
    // unknown path tells nothing.
    name: "no token on an unknown route",
    request: async () => ({ path: "/no-such-route" }),
    expect: noCredentials(),
    unknownRoute: true,
  },

  // Malformed request: 400 invalid_request.
  {
    name: "Bearer without a token",
    request: async () => ({ path: ROUTES.me, authorization: "Bearer" }),
    expect: invalidRequest("empty_token"),
  },
  {
    name: "a token with characters outside b64token",
    request: async () => bearer("abc$def"),
    expect: invalidRequest("malformed_token"),
  },
  {
    name: "two tokens in one header",
    request: async () => bearer("abc def"),
    expect: invalidRequest("malformed_token"),
  },
  {
    name: "a token longer than maxTokenLength",
    request: async () => bearer("a".repeat(MAX_TOKEN_LENGTH + 1)),
    expect: invalidRequest("token_too_large"),
  },
  {
    name: "a token in the header and the query",
    request: async (f) => {
      const token = await f.sign();
      return { ...bearer(token), path: `${ROUTES.me}?access_token=${token}` };
    },
    expect: invalidRequest("multiple_methods"),
  },

  {
    name: "access_token twice in the query",
    request: async (f) => {
      const token = await f.sign();
      return { path: `${ROUTES.me}?access_token=${token}&access_token=${token}`, token };
    },
    expect: invalidRequest("repeated_parameter"),
  },

  // Bad token: 401 invalid_token.
  {
    name: "a token that is not a JWS",
    request: async () => bearer("abc.def.ghi"),
    expect: invalidToken("malformed"),
  },
  { name: "a token without dots", request: async () => bearer("abcdef"), expect: invalidToken("malformed") },
  {
    name: "a bad signature (unpublished key under a published kid)",
    request: async (f) => bearer(await f.sign({}, { key: await makeKey("RS256", f.idp.keys[0]?.kid) })),
    expect: invalidToken("signature"),
  },
  {
    name: "an expired token",
    request: async (f) => bearer(await f.sign({ iat: now() - 600, exp: now() - 60 })),
    expect: invalidToken("expired"),
  },
  {
    name: "a token without exp",
    request: async (f) => bearer(await f.sign({ exp: undefined })),
    expect: invalidToken("missing_exp"),
  },
  {
    name: "a token not valid yet (nbf)",
    request: async (f) => bearer(await f.sign({ nbf: now() + 120 })),
    expect: invalidToken("not_yet_valid"),
  },
  {
    name: "a token issued in the future (iat)",
    request: async (f) => bearer(await f.sign({ iat: now() + 120, exp: now() + 600 })),
    expect: invalidToken("issued_in_future"),
  },
  {
    name: "a token from another issuer",
    request: async (f) => bearer(await f.sign({ iss: "https://other.idp.test" })),
    expect: invalidToken("issuer"),
  },
  {
    name: "a token for another audience",
    request: async (f) => bearer(await f.sign({ aud: "https://other.api.test" })),
    expect: invalidToken("audience"),
  },
  {
    name: "an HS256 token",
    request: async (f) => {
      const token = await new SignJWT({ sub: SUBJECT, aud: AUDIENCE, iss: f.idp.issuer, exp: now() + 300 })
        .setProtectedHeader({ alg: "HS256", kid: f.idp.keys[0]?.kid })
        .sign(new TextEncoder().encode("a-shared-secret-of-32-bytes-long!"));
      return bearer(token);
    },
    expect: invalidToken("algorithm"),
  },
  {
    // An Unsecured JWS (RFC 7515 §A.5) has an empty signature part, which is not a JWS we accept at all.
    name: "an unsigned token (alg none, empty signature)",
    request: async (f) =>
      bearer(
        `${b64url({ alg: "none" })}.${b64url({ sub: SUBJECT, aud: AUDIENCE, iss: f.idp.issuer, exp: now() + 300 })}.`,
      ),
    expect: invalidToken("malformed"),
  },
  {
    name: "alg none with a signature part",
    request: async (f) =>
      bearer(
        `${b64url({ alg: "none" })}.${b64url({ sub: SUBJECT, aud: AUDIENCE, iss: f.idp.issuer, exp: now() + 300 })}.c2ln`,
      ),
    expect: invalidToken("algorithm"),
  },
  {
    name: "a token whose kid is unknown",
    request: async (f) => bearer(await f.sign({}, { key: await makeKey("RS256", "no-such-kid") })),
    expect: invalidToken("unknown_key"),
  },
  {
    name: "an RS256 token under the kid of the EC key",
    request: async (f) => {
      const ec = f.idp.keys.find((k) => k.alg === "ES256");
      const rsa = await makeKey("RS256", ec?.kid);
      return bearer(await f.sign({}, { key: rsa }));
    },
    expect: invalidToken("key_mismatch"),
  },

  // Valid tokens of each algorithm.
  ...(["RS256", "PS256", "ES256", "EdDSA"] as const).map(
    (alg): Case => ({
      name: `a valid ${alg} token`,
      request: async (f) => bearer(await f.sign({}, { alg })),
      expect: ok(ROUTES.me),
    }),
  ),
  {
    name: "the scheme in lower case",
    request: async (f) => {
      const token = await f.sign();
      return { path: ROUTES.me, authorization: `bearer ${token}`, token };
    },
    expect: ok(ROUTES.me),
  },
  {
    name: "a token in the query alone (allowQueryToken)",
    request: async (f) => {
      const token = await f.sign();
      return { path: `${ROUTES.me}?access_token=${token}`, token };
    },
    expect: ok(ROUTES.me),
  },

  // Scopes: all-of, any-of, whole words, scope and scp.
  {
    name: "all-of: the one required scope",
    request: async (f) => bearer(await f.sign({ scope: "profile orders:read" }), ROUTES.orders),
    expect: ok(ROUTES.orders, ["profile", "orders:read"]),
  },
  {
    name: "all-of: scopes from an scp array",
    request: async (f) => bearer(await f.sign({ scp: ["orders:read"] }), ROUTES.orders),
    expect: ok(ROUTES.orders, ["orders:read"]),
  },
  {
    name: "all-of: another scope only",
    request: async (f) => bearer(await f.sign({ scope: "orders:write" }), ROUTES.orders),
    expect: insufficientScope(ORDERS_SCOPES),
  },
  {
    name: "all-of: no scope claim",
    request: async (f) => bearer(await f.sign(), ROUTES.orders),
    expect: insufficientScope(ORDERS_SCOPES),
  },
  {
    name: "whole words: orders:read-all is not orders:read",
    request: async (f) => bearer(await f.sign({ scope: "orders:read-all" }), ROUTES.orders),
    expect: insufficientScope(ORDERS_SCOPES),
  },
  {
    name: "whole words: a prefix is not the scope",
    request: async (f) => bearer(await f.sign({ scope: "orders:rea" }), ROUTES.orders),
    expect: insufficientScope(ORDERS_SCOPES),
  },
  {
    name: "all-of: both required scopes",
    request: async (f) => bearer(await f.sign({ scope: "orders:write orders:read" }), ROUTES.both),
    expect: ok(ROUTES.both, ["orders:write", "orders:read"]),
  },
  {
    name: "all-of: one of two required scopes",
    request: async (f) => bearer(await f.sign({ scope: "orders:read" }), ROUTES.both),
    expect: insufficientScope(BOTH_SCOPES),
  },
  {
    name: "any-of: the second scope",
    request: async (f) => bearer(await f.sign({ scope: "orders:admin" }), ROUTES.any),
    expect: ok(ROUTES.any, ["orders:admin"]),
  },
  {
    name: "any-of: none of the scopes",
    request: async (f) => bearer(await f.sign({ scope: "orders:readonly orders:administrator" }), ROUTES.any),
    expect: insufficientScope(ANY_SCOPES),
  },

  // The route opt-out.
  {
    name: "opt-out: no token",
    request: async () => ({ path: ROUTES.health }),
    expect: { status: 200, body: { route: ROUTES.health, authenticated: false } },
  },
  {
    name: "opt-out: a malformed header is not looked at",
    request: async () => bearer("abc def", ROUTES.health),
    expect: { status: 200, body: { route: ROUTES.health, authenticated: false } },
  },
  {
    name: "opt-out: a bad token is not looked at",
    request: async () => bearer("abc.def.ghi", ROUTES.health),
    expect: { status: 200, body: { route: ROUTES.health, authenticated: false } },
  },

  // Keys cannot be had: 503 with Retry-After, never invalid_token.
  {
    name: "IdP down when cold: a well-formed token",
    app: "down",
    request: async (f) => bearer(await f.sign({}, { idp: f.down })),
    expect: keysUnavailable,
  },
  {
    name: "IdP down when cold: a scoped route",
    app: "down",
    request: async (f) =>
      bearer(await f.sign({ iss: f.down.issuer, scope: "orders:read" }, { idp: f.down }), ROUTES.orders),
    expect: keysUnavailable,
  },
  {
    name: "IdP hanging when cold: the fetch times out",
    app: "hanging",
    request: async (f) => bearer(await f.sign({}, { idp: f.hanging })),
    expect: keysUnavailable,
  },
  {
    name: "IdP gone when cold: the connection is refused",
    app: "gone",
    request: async (f) => bearer(await f.sign({}, { idp: f.gone })),
    expect: keysUnavailable,
  },
  {
    name: "IdP down: no token still answers 401",
    app: "down",
    request: async () => ({ path: ROUTES.me }),
    expect: noCredentials(),
  },

  // A route that declares its scopes with its own authentication: its 401s name them (RFC 9728 §5.1,
  // the MCP authorization spec), so a client asks for the right scopes the first time.
  {
    name: "route scopes: no token, the 401 names the route's scopes",
    request: async () => ({ path: ROUTES.scoped }),
    expect: noCredentials({ scope: ORDERS_SCOPES }),
  },
  {
    name: "route scopes: an expired token, the 401 names the route's scopes",
    request: async (f) => bearer(await f.sign({ iat: now() - 600, exp: now() - 60 }), ROUTES.scoped),
    expect: invalidToken("expired", { scope: ORDERS_SCOPES }),
  },
  {
    name: "route scopes: a malformed token, the 400 names the route's scopes",
    request: async () => bearer("abc$def", ROUTES.scoped),
    expect: invalidRequest("malformed_token", { scope: ORDERS_SCOPES }),
  },
  {
    name: "route scopes: another scope only is 403",
    request: async (f) => bearer(await f.sign({ scope: "orders:write" }), ROUTES.scoped),
    expect: insufficientScope(ORDERS_SCOPES),
  },
  {
    name: "route scopes: the required scope",
    request: async (f) => bearer(await f.sign({ scope: "orders:read" }), ROUTES.scoped),
    expect: ok(ROUTES.scoped, ["orders:read"]),
  },
  {
    name: "without resource, the well-known path is an ordinary protected path",
    request: async () => ({ path: METADATA_PATH }),
    expect: noCredentials(),
    unknownRoute: true,
  },

  // RFC 9728: the protected resource metadata document, served before authentication.
  {
    name: "RFC 9728: GET the metadata document",
    app: "resource",
    request: async () => ({ path: METADATA_PATH }),
    expect: (f) => ({ status: 200, served: { headers: DOCUMENT_HEADERS, json: documentOf(f) } }),
  },
  {
    name: "RFC 9728: a bearer token changes nothing on the document, even a bad one",
    app: "resource",
    request: async () => bearer("abc$def", METADATA_PATH),
    expect: (f) => ({ status: 200, served: { headers: DOCUMENT_HEADERS, json: documentOf(f) } }),
  },
  {
    name: "RFC 9728: the document ignores a query when the resource has none",
    app: "resource",
    request: async () => ({ path: `${METADATA_PATH}?fresh=1` }),
    expect: (f) => ({ status: 200, served: { headers: DOCUMENT_HEADERS, json: documentOf(f) } }),
  },
  {
    name: "RFC 9728: HEAD the metadata document",
    app: "resource",
    request: async () => ({ method: "HEAD", path: METADATA_PATH }),
    expect: (f) => ({
      status: 200,
      served: {
        headers: {
          ...DOCUMENT_HEADERS,
          "content-length": String(Buffer.byteLength(JSON.stringify(documentOf(f)))),
        },
        text: "",
      },
    }),
  },
  {
    name: "RFC 9728: a CORS preflight for the document",
    app: "resource",
    request: async () => ({
      method: "OPTIONS",
      path: METADATA_PATH,
      headers: {
        origin: "https://client.example",
        "access-control-request-method": "GET",
        "access-control-request-headers": "mcp-protocol-version",
      },
    }),
    expect: {
      status: 204,
      served: {
        headers: {
          allow: "GET, HEAD, OPTIONS",
          "access-control-allow-origin": "*",
          "access-control-allow-methods": "GET, HEAD, OPTIONS",
          "access-control-allow-headers": "*",
          "access-control-max-age": "86400",
          "content-type": null,
        },
        text: "",
      },
    },
  },
  ...(["POST", "PUT", "DELETE"] as const).map(
    (method): Case => ({
      name: `RFC 9728: ${method} on the document is 405`,
      app: "resource",
      request: async () => ({ method, path: METADATA_PATH }),
      expect: {
        status: 405,
        served: {
          headers: {
            allow: "GET, HEAD, OPTIONS",
            "access-control-allow-origin": "*",
            "content-type": "text/plain; charset=utf-8",
          },
          text: "Method Not Allowed",
        },
      },
    }),
  ),
  {
    name: "RFC 9728: path insertion, not the suffix form",
    app: "resource",
    request: async () => ({ path: "/mcp/.well-known/oauth-protected-resource" }),
    expect: noCredentials({ resourceMetadata: true }),
    unknownRoute: true,
  },
  {
    name: "RFC 9728: path insertion, the host root is another resource's document",
    app: "resource",
    request: async () => ({ path: "/.well-known/oauth-protected-resource" }),
    expect: noCredentials({ resourceMetadata: true }),
    unknownRoute: true,
  },
  {
    name: "RFC 9728: path insertion, a trailing slash is another resource",
    app: "resource",
    request: async () => ({ path: `${METADATA_PATH}/` }),
    expect: noCredentials({ resourceMetadata: true }),
    unknownRoute: true,
  },

  // RFC 9728 §5.1: every challenge of a protected resource points at its document.
  {
    name: "RFC 9728: no token, the 401 carries resource_metadata",
    app: "resource",
    request: async () => ({ path: ROUTES.me }),
    expect: noCredentials({ resourceMetadata: true }),
  },
  {
    name: "RFC 9728: route scopes, the 401 carries scope and resource_metadata",
    app: "resource",
    request: async () => ({ path: ROUTES.scoped }),
    expect: noCredentials({ scope: ORDERS_SCOPES, resourceMetadata: true }),
  },
  {
    name: "RFC 9728: a bad token, the 401 carries resource_metadata",
    app: "resource",
    request: async () => bearer("abc.def.ghi"),
    expect: invalidToken("malformed", { resourceMetadata: true }),
  },
  {
    name: "RFC 9728: route scopes and a bad token, the 401 carries scope and resource_metadata",
    app: "resource",
    request: async () => bearer("abc.def.ghi", ROUTES.scoped),
    expect: invalidToken("malformed", { scope: ORDERS_SCOPES, resourceMetadata: true }),
  },
  {
    name: "RFC 9728: a malformed request, the 400 carries resource_metadata",
    app: "resource",
    request: async () => bearer("abc def"),
    expect: invalidRequest("malformed_token", { resourceMetadata: true }),
  },
  {
    name: "RFC 9728: audience defaults to the resource, so another audience is refused",
    app: "resource",
    request: async (f) => bearer(await f.sign({ aud: AUDIENCE })),
    expect: invalidToken("audience", { resourceMetadata: true }),
  },
  {
    name: "RFC 9728: a token for the resource is accepted",
    app: "resource",
    request: async (f) => bearer(await f.sign({ aud: RESOURCE, scope: "profile" })),
    expect: ok(ROUTES.me, ["profile"]),
  },
  {
    name: "RFC 9728: an app-wide scope guard, the 403 carries scope and resource_metadata",
    app: "resource",
    request: async (f) => bearer(await f.sign({ aud: RESOURCE, scope: "orders:write" }), ROUTES.orders),
    expect: insufficientScope(ORDERS_SCOPES, { resourceMetadata: true }),
  },
  {
    name: "RFC 9728: route scopes, the 403 carries scope and resource_metadata",
    app: "resource",
    request: async (f) => bearer(await f.sign({ aud: RESOURCE, scope: "profile" }), ROUTES.scoped),
    expect: insufficientScope(ORDERS_SCOPES, { resourceMetadata: true }),
  },
  {
    name: "RFC 9728: route scopes, the required scope",
    app: "resource",
    request: async (f) => bearer(await f.sign({ aud: RESOURCE, scope: "orders:read" }), ROUTES.scoped),
    expect: ok(ROUTES.scoped, ["orders:read"]),
  },
  {
    name: "RFC 9728: the opt-out route stays public",
    app: "resource",
    request: async () => ({ path: ROUTES.health }),
    expect: { status: 200, body: { route: ROUTES.health, authenticated: false } },
  },
];
