/**
 * A real OAuth 2.0 authorization server for the interop suite: panva/oidc-provider 8.8.1 on
 * 127.0.0.1 with the client-credentials grant and resource indicators (RFC 8707), issuing RFC 9068
 * JWT access tokens (`typ: at+jwt`, RS256, `scope`, `client_id`, `aud` = the resource). Nothing here
 * shapes the tokens: they are whatever the provider mints for the configured resource servers.
 * (The demo has its own setup in examples/demo; this one is kept separate so the suites do not
 * depend on the demo.)
 *
 * Sender-constrained tokens: with `senderConstrained`, `features.dPoP` binds tokens requested with a
 * DPoP proof (RFC 9449 §5, `cnf.jkt`), and `features.mTLS.certificateBoundAccessTokens` binds tokens
 * of clients registered for it to the certificate they presented (RFC 8705 §3, `cnf["x5t#S256"]`). The
 * certificate needs TLS, so the same provider also answers on an HTTPS port (`mtlsTokenEndpoint`);
 * discovery and keys stay on the plain loopback issuer.
 *
 * oidc-provider is loaded through a dynamic import with a computed specifier because its types are
 * installed for the examples only, not at the repository root that type-checks test/interop; the
 * small interface below is the part of its API used here.
 */

import { X509Certificate } from "node:crypto";
import { once } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo, Socket } from "node:net";
import type { TLSSocket } from "node:tls";
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
  /**
   * Clients by id: their secret, how they authenticate at the token endpoint, and whether their tokens
   * are bound to their TLS client certificate (RFC 8705 §3.4 `tls_client_certificate_bound_access_tokens`).
   */
  clients: Record<
    string,
    { secret: string; auth: "client_secret_basic" | "client_secret_post"; certificateBound?: boolean }
  >;
  /** Turn on DPoP and certificate-bound tokens; the TLS options serve the HTTPS token endpoint. */
  senderConstrained?: {
    tls: { key: string; cert: string; ca: string; requestCert: true; rejectUnauthorized: false };
  };
}

export interface AuthorizationServer {
  issuer: string;
  tokenEndpoint: string;
  /** The token endpoint over HTTPS (with `senderConstrained`), where client certificates are seen. */
  mtlsTokenEndpoint?: string;
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
      ...(client.certificateBound ? { tls_client_certificate_bound_access_tokens: true } : {}),
    })),
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      ...(options.senderConstrained
        ? {
            dPoP: { enabled: true },
            mTLS: {
              enabled: true,
              certificateBoundAccessTokens: true,
              getCertificate: (ctx: { socket: TLSSocket }) => {
                const raw = ctx.socket.getPeerCertificate?.(false)?.raw;
                return raw && raw.length > 0 ? new X509Certificate(raw) : undefined;
              },
            },
          }
        : {}),
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
  let mtlsTokenEndpoint: string | undefined;
  let tlsServer: ReturnType<typeof createHttpsServer> | undefined;
  if (options.senderConstrained) {
    tlsServer = createHttpsServer(options.senderConstrained.tls, provider.callback());
    tlsServer.on("secureConnection", (socket) => {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
    });
    tlsServer.listen(0, "127.0.0.1");
    await once(tlsServer, "listening");
    mtlsTokenEndpoint = `https://127.0.0.1:${(tlsServer.address() as AddressInfo).port}/token`;
  }
  return {
    issuer,
    tokenEndpoint: `${issuer}/token`,
    ...(mtlsTokenEndpoint ? { mtlsTokenEndpoint } : {}),
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (tlsServer) await new Promise<void>((resolve) => tlsServer.close(() => resolve()));
    },
  };
}
