/**
 * An Okta custom authorization server on 127.0.0.1: issuer `{origin}/oauth2/{id}` without a trailing
 * slash, metadata at `{issuer}/.well-known/oauth-authorization-server` (the documented one) and
 * `{issuer}/.well-known/openid-configuration`, keys at `{issuer}/v1/keys` (RS256, `use: "sig"`, no
 * `x5c`; the next key published ahead of use; `Cache-Control` set), tokens from `{issuer}/v1/token`
 * whose header has no `typ` and whose scopes are the `scp` array, with `cid` and `ver: 1`.
 */
import { randomBytes } from "node:crypto";
import { createVendorKey, epochSeconds, signWith, type VendorKey } from "./vendor-key.js";
import { tokenError, VendorServer } from "./vendor-server.js";

export interface OktaEmulatorOptions {
  authServerId?: string;
  /** The authorization server's audience. */
  audience?: string;
  clients?: Record<string, { secret: string }>;
  /** Scopes the server grants when the request names them. */
  scopes?: string[];
}

export class OktaEmulator {
  readonly http = new VendorServer();
  /** The active key, then the next key, published ahead of use. */
  readonly keys: VendorKey[] = [createVendorKey(), createVendorKey()];
  readonly authServerId: string;

  constructor(readonly options: OktaEmulatorOptions = {}) {
    this.authServerId = options.authServerId ?? "aus3testdcf2vyfs70i7";
  }

  get issuer(): string {
    return `${this.http.origin}/oauth2/${this.authServerId}`;
  }
  get audience(): string {
    return this.options.audience ?? "api://orders";
  }
  get tokenEndpoint(): string {
    return `${this.issuer}/v1/token`;
  }

  async start(): Promise<this> {
    await this.http.start();
    const base = `/oauth2/${this.authServerId}`;
    const metadata = () => ({
      body: {
        issuer: this.issuer,
        authorization_endpoint: `${this.issuer}/v1/authorize`,
        token_endpoint: this.tokenEndpoint,
        jwks_uri: `${this.issuer}/v1/keys`,
        scopes_supported: this.options.scopes ?? [],
      },
    });
    this.http.routes.set(`${base}/.well-known/oauth-authorization-server`, metadata);
    this.http.routes.set(`${base}/.well-known/openid-configuration`, metadata);
    this.http.routes.set(`${base}/v1/keys`, () => ({
      headers: { "cache-control": "max-age=3600, must-revalidate" },
      body: {
        keys: this.keys.map((key) => ({
          kty: "RSA",
          alg: "RS256",
          kid: key.kid,
          use: "sig",
          ...key.baseJwk,
        })),
      },
    }));
    this.http.routes.set(`${base}/v1/token`, async ({ method, client, params }) => {
      if (method !== "POST") return tokenError("invalid_request", 405);
      if (params.grant_type !== "client_credentials") return tokenError("unsupported_grant_type");
      const registered = client && this.options.clients?.[client.id];
      if (!client || !registered || registered.secret !== client.secret)
        return tokenError("invalid_client", 401);
      // Okta needs a scope parameter unless the server has default scopes (this one has none).
      const requested = (params.scope ?? "").split(" ").filter(Boolean);
      if (requested.length === 0 || requested.some((s) => !(this.options.scopes ?? []).includes(s))) {
        return tokenError("invalid_scope");
      }
      const token = await this.accessToken(client.id, requested);
      return {
        body: { token_type: "Bearer", expires_in: 3600, access_token: token, scope: requested.join(" ") },
      };
    });
    return this;
  }

  close(): Promise<void> {
    return this.http.close();
  }

  /** A client-credentials access token for `clientId` (claims as in IDENTITY-PROVIDERS.md). */
  async accessToken(
    clientId: string,
    scp: string[],
    opts: { key?: VendorKey; overrides?: Record<string, unknown> } = {},
  ): Promise<string> {
    const key = opts.key ?? this.keys[0]!;
    const now = epochSeconds();
    const claims = {
      ver: 1,
      jti: `AT.${randomBytes(32).toString("base64url")}`,
      iss: this.issuer,
      aud: this.audience,
      iat: now,
      exp: now + 3600,
      cid: clientId,
      scp,
      sub: clientId,
      ...opts.overrides,
    };
    return signWith(key, claims, { kid: key.kid });
  }
}
