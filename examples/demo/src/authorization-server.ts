/**
 * The demo's authorization server: oidc-provider (OpenID Certified), run in-process on 127.0.0.1, so
 * that the tokens the example APIs verify come from a real, standards-compliant server rather than
 * from a hand-written minter. It serves OpenID discovery and a JWKS, and issues RFC 9068 JWT access
 * tokens (RS256, `typ: at+jwt`, with `scope`, `client_id` and `aud`) by the client-credentials grant
 * (RFC 6749 §4.4) for the one API it knows, resolved through Resource Indicators (RFC 8707). With
 * `accessTokenFormat: "opaque"` it issues opaque tokens instead, which only it can judge: the API asks
 * its introspection endpoint (RFC 7662), authenticated as a client of its own, and clients may revoke
 * their tokens (RFC 7009).
 *
 * Its signing key is generated at every start, so a token from an earlier run never verifies.
 */
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { exportJWK, generateKeyPair } from "jose";
import Provider, { type Configuration, errors } from "oidc-provider";
import {
  DEMO_CLIENTS,
  type DemoClient,
  ORDERS_API_AUDIENCE,
  ORDERS_API_CLIENT,
  ORDERS_API_SCOPES,
} from "./clients.js";
import { createMemoryAdapter } from "./memory-adapter.js";

export interface AuthorizationServerOptions {
  /** TCP port on 127.0.0.1. Default 0 (an ephemeral port). */
  port?: number;
  /** Lifetime of issued access tokens, in seconds. Default 300. */
  accessTokenTtl?: number;
  /** The API audience tokens are issued for. Default {@link ORDERS_API_AUDIENCE}. */
  audience?: string;
  /** The registered clients. Default {@link DEMO_CLIENTS}. */
  clients?: readonly DemoClient[];
  /** `jwt` (default): RFC 9068 JWTs; `opaque`: reference tokens judged by introspection. */
  accessTokenFormat?: "jwt" | "opaque";
}

export interface AuthorizationServer {
  /** The issuer identifier (`iss`), e.g. `http://127.0.0.1:4000`. */
  readonly issuer: string;
  /** Where clients send token requests. */
  readonly tokenEndpoint: string;
  readonly jwksUri: string;
  /** RFC 7662 introspection (opaque tokens only; the API authenticates as {@link ORDERS_API_CLIENT}). */
  readonly introspectionEndpoint: string;
  /** RFC 7009 revocation (opaque tokens only). */
  readonly revocationEndpoint: string;
  readonly accessTokenFormat: "jwt" | "opaque";
  /** The audience of the tokens it issues. */
  readonly audience: string;
  readonly accessTokenTtl: number;
  /** Stops listening and drops open connections. */
  close(): Promise<void>;
}

/**
 * Starts oidc-provider on 127.0.0.1 with the client-credentials grant enabled and JWT access tokens.
 *
 * @example
 * const as = await startAuthorizationServer({ accessTokenTtl: 60 });
 * // POST `${as.tokenEndpoint}` grant_type=client_credentials&scope=orders:read, Basic-authenticated
 * await as.close();
 */
export async function startAuthorizationServer(
  options: AuthorizationServerOptions = {},
): Promise<AuthorizationServer> {
  const accessTokenTtl = options.accessTokenTtl ?? 300;
  const audience = options.audience ?? ORDERS_API_AUDIENCE;
  const clients = options.clients ?? DEMO_CLIENTS;
  const accessTokenFormat = options.accessTokenFormat ?? "jwt";

  // The issuer must carry the real port, so the socket is bound before the provider is built.
  const server = createServer();
  const sockets = new Set<Socket>();
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  server.listen(options.port ?? 0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  const issuer = `http://127.0.0.1:${port}`;

  const provider = new Provider(
    issuer,
    await buildConfiguration({ audience, accessTokenTtl, clients, accessTokenFormat }),
  );
  server.on("request", provider.callback());

  return {
    issuer,
    tokenEndpoint: `${issuer}/token`,
    jwksUri: `${issuer}/jwks`,
    introspectionEndpoint: `${issuer}/token/introspection`,
    revocationEndpoint: `${issuer}/token/revocation`,
    accessTokenFormat,
    audience,
    accessTokenTtl,
    async close() {
      const closed = once(server, "close");
      server.close();
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}

async function buildConfiguration(settings: {
  audience: string;
  accessTokenTtl: number;
  clients: readonly DemoClient[];
  accessTokenFormat: "jwt" | "opaque";
}): Promise<Configuration> {
  const opaque = settings.accessTokenFormat === "opaque";
  const { privateKey } = await generateKeyPair("RS256", { extractable: true });
  const signingKey = { ...(await exportJWK(privateKey)), kid: "demo-rs256", alg: "RS256", use: "sig" };

  return {
    adapter: createMemoryAdapter(),
    jwks: { keys: [signingKey] },
    clients: [
      ...settings.clients.map((client) => ({
        client_id: client.clientId,
        client_secret: client.clientSecret,
        token_endpoint_auth_method: client.authMethod,
        scope: client.scope,
        grant_types: ["client_credentials"],
        response_types: [],
        redirect_uris: [],
      })),
      // The API itself, only to authenticate at the introspection endpoint: it is granted nothing.
      ...(opaque
        ? [
            {
              client_id: ORDERS_API_CLIENT.clientId,
              client_secret: ORDERS_API_CLIENT.clientSecret,
              token_endpoint_auth_method: ORDERS_API_CLIENT.authMethod,
              grant_types: [],
              response_types: [],
              redirect_uris: [],
            },
          ]
        : []),
    ],
    // Listing the API scopes here makes oidc-provider hold each request to the client's own `scope`.
    scopes: ["openid", ...ORDERS_API_SCOPES],
    features: {
      clientCredentials: { enabled: true },
      // Machine clients only: no login pages, no end-user endpoints.
      devInteractions: { enabled: false },
      // Opaque tokens need both: the API introspects them, clients may revoke them.
      introspection: {
        enabled: opaque,
        // Only the API may ask about tokens: introspection answers are for resource servers.
        allowedPolicy: (_ctx, client) => client.clientId === ORDERS_API_CLIENT.clientId,
      },
      revocation: { enabled: opaque },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => settings.audience,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, resourceIndicator) => {
          // Only the one API is known; any other `resource` is refused (RFC 8707 §2, invalid_target).
          if (resourceIndicator !== settings.audience) throw new errors.InvalidTarget();
          return {
            scope: ORDERS_API_SCOPES.join(" "),
            audience: settings.audience,
            accessTokenFormat: settings.accessTokenFormat,
            accessTokenTTL: settings.accessTokenTtl,
            jwt: { sign: { alg: "RS256" } },
          };
        },
      },
    },
    ttl: { ClientCredentials: settings.accessTokenTtl },
    // Fixed cookie keys silence the development notice; no cookie is ever set for this grant.
    cookies: { keys: ["resource-guard-demo-cookie-key"] },
  };
}
