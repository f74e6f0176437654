/**
 * An Auth0 tenant on 127.0.0.1: issuer `{origin}/` with the trailing slash, metadata at
 * `{origin}/.well-known/openid-configuration`, keys at `{origin}/.well-known/jwks.json` (current and
 * next key, with `x5c`, `x5t`, `alg`, `use`), and `POST /oauth/token` (JSON or form) that returns a
 * JWT only when the request names a known `audience` — otherwise an opaque token, as Auth0 does.
 * Both access-token profiles: "Auth0" (`typ: JWT`, `azp`, `gty`, `permissions` with RBAC) and
 * "RFC 9068" (`typ: at+jwt`, `client_id`, `jti`). APIs may sign with HS256 and a shared secret.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { createVendorKey, epochSeconds, signWith, type VendorKey } from "./vendor-key.js";
import { tokenError, VendorServer } from "./vendor-server.js";

export interface Auth0Api {
  /** Permissions granted to every client (RBAC); also the granted scopes. */
  permissions: string[];
  /** "Add Permissions in the Access Token". */
  addPermissions?: boolean;
  profile?: "auth0" | "rfc9068";
  /** Sign this API's tokens with HS256 and this secret. */
  secret?: string;
}

export interface Auth0EmulatorOptions {
  apis?: Record<string, Auth0Api>;
  clients?: Record<string, { secret: string }>;
}

export class Auth0Emulator {
  readonly http = new VendorServer();
  readonly keys: VendorKey[] = [createVendorKey(), createVendorKey()];

  constructor(readonly options: Auth0EmulatorOptions = {}) {}

  get baseUrl(): string {
    return this.http.origin;
  }
  get issuer(): string {
    return `${this.http.origin}/`;
  }
  get tokenEndpoint(): string {
    return `${this.http.origin}/oauth/token`;
  }

  async start(): Promise<this> {
    await this.http.start();
    this.http.routes.set("/.well-known/openid-configuration", () => ({
      body: {
        issuer: this.issuer,
        token_endpoint: this.tokenEndpoint,
        jwks_uri: `${this.http.origin}/.well-known/jwks.json`,
        userinfo_endpoint: `${this.http.origin}/userinfo`,
      },
    }));
    this.http.routes.set("/.well-known/jwks.json", () => ({
      body: {
        keys: this.keys.map((key) => ({
          kty: "RSA",
          use: "sig",
          ...key.baseJwk,
          kid: key.kid,
          x5t: key.certificate.x5t,
          x5c: [key.certificate.x5c],
          alg: "RS256",
        })),
      },
    }));
    this.http.routes.set("/oauth/token", async ({ method, client, params }) => {
      if (method !== "POST") return tokenError("invalid_request", 405);
      if (params.grant_type !== "client_credentials") return tokenError("unsupported_grant_type");
      const registered = client && this.options.clients?.[client.id];
      if (!client || !registered || registered.secret !== client.secret)
        return tokenError("access_denied", 401);
      const audience = params.audience;
      if (audience === undefined) {
        // Without an audience (and no tenant default) the client gets an opaque token.
        return {
          body: {
            access_token: randomBytes(24).toString("base64url"),
            expires_in: 86400,
            token_type: "Bearer",
          },
        };
      }
      const api = this.options.apis?.[audience];
      if (!api) return tokenError("access_denied", 403);
      const token = await this.accessToken(client.id, audience, api);
      return {
        body: {
          access_token: token,
          scope: api.permissions.join(" "),
          expires_in: 86400,
          token_type: "Bearer",
        },
      };
    });
    return this;
  }

  close(): Promise<void> {
    return this.http.close();
  }

  /** A client-credentials access token for `clientId` and the API `audience`. */
  async accessToken(
    clientId: string,
    audience: string,
    api: Auth0Api,
    overrides: Record<string, unknown> = {},
  ): Promise<string> {
    const now = epochSeconds();
    const rfc9068 = api.profile === "rfc9068";
    const claims: Record<string, unknown> = {
      iss: this.issuer,
      sub: `${clientId}@clients`,
      aud: audience,
      iat: now,
      exp: now + 86400,
      ...(rfc9068 ? { jti: randomUUID(), client_id: clientId } : {}),
      scope: api.permissions.join(" "),
      gty: "client-credentials",
      ...(rfc9068 ? {} : { azp: clientId }),
      ...(api.addPermissions ? { permissions: api.permissions } : {}),
      ...overrides,
    };
    if (api.secret !== undefined) {
      return signWith({ privateKey: new TextEncoder().encode(api.secret) }, claims, { typ: "JWT" }, "HS256");
    }
    const key = this.keys[0]!;
    return signWith(key, claims, { typ: rfc9068 ? "at+jwt" : "JWT", kid: key.kid });
  }
}
