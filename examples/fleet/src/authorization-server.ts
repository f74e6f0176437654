/**
 * The fleet example's authorization server: oidc-provider (OpenID Certified) on 127.0.0.1, issuing
 * DPoP-bound JWT access tokens (RFC 9449 §5: the token request carries a proof, the token gets
 * `cnf.jkt`) by the client-credentials grant for the orders API. Its signing key is new at every
 * start. One client, `orders-fleet-client`, authenticates with HTTP Basic.
 */
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { exportJWK, generateKeyPair } from "jose";
import Provider, { errors } from "oidc-provider";
import { createMemoryAdapter } from "../../demo/src/memory-adapter.js";

export const FLEET_AUDIENCE = "https://orders.example.com";
export const FLEET_CLIENT = { clientId: "orders-fleet-client", clientSecret: "fleet-demo-secret" } as const;

export interface FleetAuthorizationServer {
  readonly issuer: string;
  readonly tokenEndpoint: string;
  readonly jwksUri: string;
  close(): Promise<void>;
}

export async function startAuthorizationServer(): Promise<FleetAuthorizationServer> {
  const server = createServer();
  const sockets = new Set<Socket>();
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const { privateKey } = await generateKeyPair("ES256", { extractable: true });
  const provider = new Provider(issuer, {
    adapter: createMemoryAdapter(),
    jwks: { keys: [{ ...(await exportJWK(privateKey)), kid: "fleet-es256", alg: "ES256", use: "sig" }] },
    clients: [
      {
        client_id: FLEET_CLIENT.clientId,
        client_secret: FLEET_CLIENT.clientSecret,
        token_endpoint_auth_method: "client_secret_basic",
        id_token_signed_response_alg: "ES256",
        scope: "orders:read",
        grant_types: ["client_credentials"],
        response_types: [],
        redirect_uris: [],
      },
    ],
    scopes: ["openid", "orders:read"],
    features: {
      clientCredentials: { enabled: true },
      devInteractions: { enabled: false },
      dPoP: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => FLEET_AUDIENCE,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, resource) => {
          if (resource !== FLEET_AUDIENCE) throw new errors.InvalidTarget();
          return {
            scope: "orders:read",
            audience: FLEET_AUDIENCE,
            accessTokenFormat: "jwt",
            accessTokenTTL: 300,
            jwt: { sign: { alg: "ES256" } },
          };
        },
      },
    },
    ttl: { ClientCredentials: 300 },
    cookies: { keys: ["resource-guard-fleet-cookie-key"] },
  });
  server.on("request", provider.callback());

  return {
    issuer,
    tokenEndpoint: `${issuer}/token`,
    jwksUri: `${issuer}/jwks`,
    async close() {
      const closed = once(server, "close");
      server.close();
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}
