/**
 * createTestIssuer(): a local OAuth 2.0 issuer for route tests, on 127.0.0.1 and a port the system
 * picks. A verifier configured with its `issuer` URL finds the keys the way it would in production:
 * discovery, then the JWKS, over real HTTP. Opaque tokens and introspection (RFC 7662) are there
 * when asked for. Nothing global is touched, so it runs under any test runner.
 */
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import type { JWK } from "jose";
import { type OpaqueOptions, OpaqueTokenStore } from "./introspection.js";
import { createRoutes, endpoints, type RequestCounts } from "./issuer-routes.js";
import { KeyRing } from "./key-ring.js";
import { type Claims, createMinter } from "./mint.js";
import { assertKnownOptions, fail, resolveMintSettings, type TestKeysOptions } from "./options.js";
import type { TestKeys } from "./test-keys.js";

export interface TestIssuerOptions extends TestKeysOptions {
  /** The issuer's path under its origin, e.g. `"/realms/test"`. Default `""`. */
  path?: string;
  /** `max-age` of the JWKS `Cache-Control`, in seconds; `null` sends no Cache-Control. Default 300. */
  cacheMaxAge?: number | null;
  /**
   * Members added to (or replacing members of) the metadata document, to imitate a provider's quirks;
   * or a function of the issuer URL returning them (`(issuer) => ({ jwks_uri: `${issuer}/keys` })`).
   */
  metadata?: Record<string, unknown> | ((issuer: string) => Record<string, unknown>);
  /** JWKs published verbatim after the issuer's own keys (an `enc` key, a key without `alg`…). */
  extraJwks?: readonly JWK[];
  /**
   * Serve opaque tokens and an RFC 7662 introspection endpoint. `true` uses the client
   * `test-api` / `test-secret`; or give `{ clientId, clientSecret }`.
   */
  introspection?: boolean | { clientId?: string; clientSecret?: string };
}

export interface TestIssuer extends TestKeys {
  /** The issuer URL, `http://127.0.0.1:<port><path>`: configure the verifier with it. */
  readonly issuer: string;
  readonly jwksUri: string;
  /** Where the OpenID Connect discovery document is served. */
  readonly metadataUrl: string;
  /** The introspection endpoint and the client allowed to call it; undefined unless enabled. */
  readonly introspection: { endpoint: string; clientId: string; clientSecret: string } | undefined;
  /** Requests answered so far, per endpoint (a copy). */
  readonly requests: RequestCounts;
  /**
   * An opaque token that the introspection endpoint reports active with these members (defaults:
   * `iss`, `sub`, `aud`, `client_id`, `token_type`, `iat`, `exp`; `undefined` removes one).
   */
  issueOpaque(claims?: Claims, options?: OpaqueOptions): string;
  /** From now on the introspection endpoint reports this token inactive. */
  revoke(token: string): void;
  /** Stops the server and drops its connections. Safe to call twice. */
  close(): Promise<void>;
}

const OWN_OPTIONS = ["path", "cacheMaxAge", "metadata", "extraJwks", "introspection"];

function resolveIntrospection(value: TestIssuerOptions["introspection"]) {
  if (value === undefined || value === false) return undefined;
  const given = value === true ? {} : value;
  if (given === null || typeof given !== "object")
    fail('"introspection" must be true or { clientId, clientSecret }');
  const client = {
    clientId: given.clientId ?? "test-api",
    clientSecret: given.clientSecret ?? "test-secret",
  };
  if (typeof client.clientId !== "string" || !client.clientId || typeof client.clientSecret !== "string")
    fail('"introspection.clientId" and "introspection.clientSecret" must be strings');
  return client;
}

/**
 * Starts a test issuer. Close it when the tests are done.
 * @example
 * const idp = await createTestIssuer({ audience: "https://api.example.com" });
 * app.use(bearerAuth({ issuer: idp.issuer, audience: "https://api.example.com" }));
 * const token = await idp.sign({ scope: "orders:read" });
 * await idp.close();
 */
export async function createTestIssuer(options: TestIssuerOptions = {}): Promise<TestIssuer> {
  if (options === null || typeof options !== "object") fail("createTestIssuer() takes an options object");
  assertKnownOptions(options, OWN_OPTIONS);
  const path = options.path ?? "";
  if (typeof path !== "string" || (path !== "" && (!path.startsWith("/") || path.endsWith("/"))))
    fail('"path" must be empty or start with "/" and not end with "/" (e.g. "/realms/test")');
  const cacheMaxAge = options.cacheMaxAge === undefined ? 300 : options.cacheMaxAge;
  if (cacheMaxAge !== null && !(Number.isInteger(cacheMaxAge) && cacheMaxAge >= 0))
    fail('"cacheMaxAge" must be a whole number of seconds, or null for no Cache-Control');
  const client = resolveIntrospection(options.introspection);
  const extraJwks = options.extraJwks ?? [];
  if (!Array.isArray(extraJwks)) fail('"extraJwks" must be an array of JWKs');

  const server = createServer();
  const sockets = new Set<Socket>();
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const urls = endpoints(origin, path);

  let ring: KeyRing;
  try {
    const { settings, algorithms } = resolveMintSettings(options, urls.issuer);
    ring = await KeyRing.create(algorithms, extraJwks);
    const minter = createMinter(ring, settings);
    const opaque = client ? new OpaqueTokenStore(client) : undefined;
    const counts: RequestCounts = { discovery: 0, jwks: 0, introspection: 0 };
    const metadata =
      typeof options.metadata === "function" ? options.metadata(urls.issuer) : (options.metadata ?? {});
    if (metadata === null || typeof metadata !== "object")
      fail('"metadata" must be an object or a function returning one');
    server.on("request", createRoutes({ origin, path, cacheMaxAge, metadata, ring, opaque }, counts));

    let closed: Promise<void> | undefined;
    return {
      ...minter,
      issuer: urls.issuer,
      audience: settings.audience as string | string[],
      jwksUri: urls.jwksUri,
      metadataUrl: urls.metadataUrl,
      introspection: client ? { endpoint: urls.introspectionEndpoint, ...client } : undefined,
      get jwks() {
        return ring.jwks;
      },
      get requests() {
        return { ...counts };
      },
      rotate: (rotateOptions) => ring.rotate(rotateOptions),
      retire: () => ring.retire(),
      issueOpaque(claims: Claims = {}, opaqueOptions: OpaqueOptions = {}): string {
        if (!opaque) fail("issueOpaque() needs createTestIssuer({ introspection: true })");
        const now = Math.floor(Date.now() / 1000);
        const { expiresIn = settings.expiresIn, notBefore } = opaqueOptions;
        return opaque.issue({
          iss: urls.issuer,
          sub: "test-user",
          aud: settings.audience,
          client_id: "test-client",
          token_type: "Bearer",
          iat: now,
          ...(notBefore === undefined ? {} : { nbf: now + notBefore }),
          exp: now + expiresIn,
          ...claims,
        });
      },
      revoke(token: string): void {
        if (!opaque) fail("revoke() needs createTestIssuer({ introspection: true })");
        opaque.revoke(token);
      },
      close() {
        closed ??= (async () => {
          ring.dispose();
          for (const socket of sockets) socket.destroy();
          await new Promise<void>((resolve) => server.close(() => resolve()));
        })();
        return closed;
      },
    };
  } catch (error) {
    server.close();
    throw error;
  }
}
