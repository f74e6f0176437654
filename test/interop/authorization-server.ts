/**
 * A real OAuth 2.0 authorization server for the interop suite: panva/oidc-provider 8.8.1 on
 * 127.0.0.1 with the client-credentials grant and resource indicators (RFC 8707), issuing RFC 9068
 * JWT access tokens (`typ: at+jwt`, RS256, `scope`, `client_id`, `aud` = the resource). Nothing here
 * shapes the tokens: they are whatever the provider mints for the configured resource servers.
 * (The demo has its own setup in examples/demo; this one is kept separate so the suites do not
 * depend on the demo.)
 *
 * oidc-provider is loaded through a dynamic import with a computed specifier because its types are
 * installed for the examples only, not at the repository root that type-checks test/interop; the
 * small interface below is the part of its API used here.
 */
import { once } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { exportJWK, generateKeyPair } from "jose";
import { createMemoryAdapter } from "../../examples/demo/src/memory-adapter.js";

interface ProviderModule {
  default: new (
    issuer: string,
    configuration: Record<string, unknown>,
  ) => { callback(): (req: IncomingMessage, res: ServerResponse) => void };
  errors: { InvalidTarget: new () => Error };
}

export interface ResourceServer {
  /** The resource indicator, which becomes `aud`. */
  scope: string;
  /** Access token lifetime in seconds. */
  ttl?: number;
}

export interface AuthorizationServerOptions {
  resources: Record<string, ResourceServer>;
  /** Clients by id: their secret and how they authenticate at the token endpoint. */
  clients: Record<string, { secret: string; auth: "client_secret_basic" | "client_secret_post" }>;
}

export interface AuthorizationServer {
  issuer: string;
  tokenEndpoint: string;
  close(): Promise<void>;
}

const PROVIDER_MODULE = "oidc-provider";

/** Starts oidc-provider on 127.0.0.1, port 0, with a fresh RS256 signing key. */
export async function startAuthorizationServer(
  options: AuthorizationServerOptions,
): Promise<AuthorizationServer> {
  const { default: Provider, errors } = (await import(PROVIDER_MODULE)) as ProviderModule;
  const server = createServer();
  const sockets = new Set<Socket>();
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const { privateKey } = await generateKeyPair("RS256", { extractable: true });
  const signingKey = { ...(await exportJWK(privateKey)), kid: "as-rs256", alg: "RS256", use: "sig" };
  const provider = new Provider(issuer, {
    // An explicit in-memory store (the demo's): without one, oidc-provider warns on every start.
    adapter: createMemoryAdapter(),
    jwks: { keys: [signingKey] },
    cookies: { keys: ["interop-cookie-key-not-secret"] },
    // The lifetime is the resource server's (oidc-provider's default, made explicit to keep it quiet).
    ttl: {
      ClientCredentials: (_ctx: unknown, token: { resourceServer?: { accessTokenTTL?: number } }) =>
        token.resourceServer?.accessTokenTTL ?? 300,
    },
    clients: Object.entries(options.clients).map(([id, client]) => ({
      client_id: id,
      client_secret: client.secret,
      grant_types: ["client_credentials"],
      redirect_uris: [],
      response_types: [],
      token_endpoint_auth_method: client.auth,
    })),
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => undefined,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx: unknown, indicator: string) => {
          const resource = options.resources[indicator];
          if (!resource) throw new errors.InvalidTarget();
          return {
            scope: resource.scope,
            audience: indicator,
            accessTokenTTL: resource.ttl ?? 300,
            accessTokenFormat: "jwt",
            jwt: { sign: { alg: "RS256" } },
          };
        },
      },
    },
  });
  server.on("request", provider.callback());
  return {
    issuer,
    tokenEndpoint: `${issuer}/token`,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
