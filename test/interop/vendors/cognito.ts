/**
 * An Amazon Cognito user pool on 127.0.0.1, as two servers like the real one: the user-pool service
 * (`cognito-idp.{region}.amazonaws.com`: issuer `{origin}/{userPoolId}`, metadata and
 * `/.well-known/jwks.json` under it) and the user-pool domain (`{prefix}.auth.{region}.amazoncognito.com`)
 * with the token endpoint `/oauth2/token`. Two RS256 keys with standard-base64 kids (`+`, `/`, `=`):
 * one signs access tokens (no `aud`, `token_use: "access"`, `client_id`), the other ID tokens
 * (`aud` = the app client, `token_use: "id"`).
 */
import { randomBytes, randomUUID } from "node:crypto";
import { createVendorKey, epochSeconds, signWith, type VendorKey } from "./vendor-key.js";
import { tokenError, VendorServer } from "./vendor-server.js";

export interface CognitoEmulatorOptions {
  userPoolId?: string;
  /** App clients with their secret and the custom scopes they may request. */
  clients?: Record<string, { secret: string; scopes: string[] }>;
}

function base64Kid(): string {
  // Real kids are standard base64 of 32 bytes; pick one that shows every awkward character.
  for (;;) {
    const kid = randomBytes(32).toString("base64");
    if (kid.includes("+") && kid.includes("/") && kid.endsWith("=")) return kid;
  }
}

export class CognitoEmulator {
  readonly service = new VendorServer();
  readonly domain = new VendorServer();
  readonly accessKey: VendorKey = createVendorKey(base64Kid());
  readonly idKey: VendorKey = createVendorKey(base64Kid());
  readonly userPoolId: string;

  constructor(readonly options: CognitoEmulatorOptions = {}) {
    this.userPoolId = options.userPoolId ?? "eu-west-1_AbCdEf123";
  }

  /** The preset's `endpoint`. */
  get endpoint(): string {
    return this.service.origin;
  }
  get issuer(): string {
    return `${this.service.origin}/${this.userPoolId}`;
  }
  get tokenEndpoint(): string {
    return `${this.domain.origin}/oauth2/token`;
  }

  async start(): Promise<this> {
    await Promise.all([this.service.start(), this.domain.start()]);
    const base = `/${this.userPoolId}`;
    this.service.routes.set(`${base}/.well-known/openid-configuration`, () => ({
      body: {
        issuer: this.issuer,
        jwks_uri: `${this.issuer}/.well-known/jwks.json`,
        token_endpoint: this.tokenEndpoint,
        id_token_signing_alg_values_supported: ["RS256"],
      },
    }));
    this.service.routes.set(`${base}/.well-known/jwks.json`, () => ({
      body: {
        keys: [this.idKey, this.accessKey].map((key) => ({
          alg: "RS256",
          ...key.baseJwk,
          kid: key.kid,
          use: "sig",
        })),
      },
    }));
    this.domain.routes.set("/oauth2/token", async ({ method, client, params }) => {
      if (method !== "POST") return tokenError("invalid_request", 405);
      if (params.grant_type !== "client_credentials") return tokenError("unsupported_grant_type");
      const registered = client && this.options.clients?.[client.id];
      if (!client || !registered || registered.secret !== client.secret)
        return tokenError("invalid_client", 401);
      const requested = params.scope ? params.scope.split(" ") : registered.scopes;
      if (requested.some((s) => !registered.scopes.includes(s))) return tokenError("invalid_scope");
      const token = await this.accessToken(client.id, requested.join(" "));
      return { body: { access_token: token, expires_in: 3600, token_type: "Bearer" } };
    });
    return this;
  }

  async close(): Promise<void> {
    await Promise.all([this.service.close(), this.domain.close()]);
  }

  /** An M2M access token (claims as in IDENTITY-PROVIDERS.md): no `aud`. */
  async accessToken(
    clientId: string,
    scope: string,
    overrides: Record<string, unknown> = {},
  ): Promise<string> {
    const now = epochSeconds();
    const claims = {
      sub: clientId,
      token_use: "access",
      scope,
      auth_time: now,
      iss: this.issuer,
      exp: now + 3600,
      iat: now,
      version: 2,
      jti: randomUUID(),
      client_id: clientId,
      ...overrides,
    };
    return signWith(this.accessKey, claims, { kid: this.accessKey.kid });
  }

  /** A user's ID token for the app client `clientId`: `aud` = the client, `token_use: "id"`. */
  async idToken(clientId: string): Promise<string> {
    const now = epochSeconds();
    const claims = {
      sub: randomUUID(),
      aud: clientId,
      email_verified: true,
      token_use: "id",
      auth_time: now,
      iss: this.issuer,
      "cognito:username": "alice",
      exp: now + 3600,
      iat: now,
      email: "alice@example.com",
      event_id: randomUUID(),
      jti: randomUUID(),
      origin_jti: randomUUID(),
    };
    return signWith(this.idKey, claims, { kid: this.idKey.kid });
  }
}
