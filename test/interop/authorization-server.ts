/**
 * A real OAuth 2.0 authorization server for the interop suite: panva/oidc-provider 8.8.1 on
 * 127.0.0.1 with the client-credentials grant and resource indicators (RFC 8707), issuing RFC 9068
 * JWT access tokens (`typ: at+jwt`, RS256, `scope`, `client_id`, `aud` = the resource) or, for a
 * resource configured `format: "opaque"`, opaque tokens it answers for at its RFC 7662 introspection
 * endpoint (and revokes at its RFC 7009 revocation endpoint). Nothing here shapes the tokens: they
 * are whatever the provider mints for the configured resource servers.
 *
 * In front of the provider sits a thin HTTP layer that counts requests by path (so tests can show
 * how many calls reached the provider), can hold introspection requests until released (to prove
 * single flight), and can make the introspection endpoint misbehave (`fault`), then behave again
 * without a restart.
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
  /** `jwt` (default) or `opaque`: a reference token judged by introspection. */
  format?: "jwt" | "opaque";
}

/** How the introspection endpoint misbehaves, when told to. */
export type IntrospectionFault =
  | { kind: "status"; status: number; retryAfter?: string }
  | { kind: "hang" }
  | { kind: "body"; contentType: string; body: string }
  | { kind: "reset" };

export interface AuthorizationServerOptions {
  resources: Record<string, ResourceServer>;
  /**
   * Clients by id: their secret, how they authenticate at the token endpoint, whether their tokens
   * are bound to their TLS client certificate (RFC 8705 §3.4 `tls_client_certificate_bound_access_tokens`),
   * and optionally the scopes they may be granted (oidc-provider refuses others with `invalid_scope`).
   */
  clients: Record<
    string,
    {
      secret: string;
      auth: "client_secret_basic" | "client_secret_post";
      certificateBound?: boolean;
      scope?: string;
    }
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
  introspectionEndpoint: string;
  revocationEndpoint: string;
  /** Requests received so far, by path (`/token/introspection`, `/.well-known/openid-configuration`…). */
  readonly counts: Map<string, number>;
  /** When set, the introspection endpoint answers with this fault instead of the provider. */
  fault: IntrospectionFault | undefined;
  /** Holds introspection requests until the returned function is called. */
  holdIntrospection(): () => void;
  /** Introspection requests waiting on a hold. */
  readonly held: number;
  close(): Promise<void>;
}

const INTROSPECTION_PATH = "/token/introspection";

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
      ...(client.scope === undefined ? {} : { scope: client.scope }),
    })),
    // A client's `scope` may only name scopes the provider lists, so they are listed when a client
    // is restricted; otherwise the resource servers' scopes alone decide.
    ...(Object.values(options.clients).some((client) => client.scope !== undefined)
      ? {
          scopes: [
            "openid",
            ...new Set(Object.values(options.resources).flatMap((resource) => resource.scope.split(" "))),
          ],
        }
      : {}),
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: {
        enabled: true,
        // Every confidential client (the API) may introspect every token: the default, made explicit.
        allowedPolicy: () => true,
      },
      revocation: { enabled: true },
      // RFC 9449: a token requested with a DPoP proof is bound to its key (cnf.jkt).
      dPoP: { enabled: true },
      ...(options.senderConstrained
        ? {
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
            accessTokenFormat: resource.format ?? "jwt",
            jwt: { sign: { alg: "RS256" } },
          };
        },
      },
    },
  });
  const callback = provider.callback();
  const counts = new Map<string, number>();
  let holds: Promise<void>[] = [];
  let held = 0;
  const control = {
    fault: undefined as IntrospectionFault | undefined,
  };
  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? "/", issuer).pathname;
    counts.set(path, (counts.get(path) ?? 0) + 1);
    if (path !== INTROSPECTION_PATH) return callback(req, res);
    const fault = control.fault;
    if (fault !== undefined) return answerFault(fault, req, res);
    if (holds.length === 0) return callback(req, res);
    held++;
    void Promise.all(holds).then(() => {
      held--;
      callback(req, res);
    });
  });
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
    introspectionEndpoint: `${issuer}${INTROSPECTION_PATH}`,
    revocationEndpoint: `${issuer}/token/revocation`,
    counts,
    get fault() {
      return control.fault;
    },
    set fault(value) {
      control.fault = value;
    },
    holdIntrospection() {
      let release = () => {};
      const hold = new Promise<void>((resolve) => {
        release = resolve;
      });
      holds.push(hold);
      return () => {
        holds = holds.filter((h) => h !== hold);
        release();
      };
    },
    get held() {
      return held;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (tlsServer) await new Promise<void>((resolve) => tlsServer.close(() => resolve()));
    },
  };
}

function answerFault(fault: IntrospectionFault, req: IncomingMessage, res: ServerResponse): void {
  // The request body is read first, as a real server would, so the client has sent everything.
  req.resume();
  req.once("end", () => {
    switch (fault.kind) {
      case "status":
        res.writeHead(fault.status, {
          "content-type": "application/json",
          ...(fault.retryAfter === undefined ? {} : { "retry-after": fault.retryAfter }),
        });
        res.end(JSON.stringify({ error: "temporarily_unavailable" }));
        return;
      case "hang":
        return; // never answers; close() destroys the socket
      case "body":
        res.writeHead(200, { "content-type": fault.contentType });
        res.end(fault.body);
        return;
      case "reset":
        req.socket.destroy();
        return;
    }
  });
}
