/**
 * A Keycloak realm on 127.0.0.1. Reproduces what a resource server meets (IDENTITY-PROVIDERS.md):
 * issuer `{origin}[/auth]/realms/{realm}`; metadata at `{issuer}/.well-known/openid-configuration`,
 * `{issuer}/.well-known/oauth-authorization-server` (KC 25+) and the RFC 8414 path-insertion form
 * (KC 26.4+); a certs endpoint that lists an RSA-OAEP `use: "enc"` key before the signing key, both
 * with `x5c`, `x5t`, `x5t#S256`; and client-credentials tokens whose `aud` is `"account"` unless the
 * client has an Audience mapper, with nested realm and client roles and `typ: "Bearer"`.
 */
import { randomUUID } from "node:crypto";
import { createVendorKey, epochSeconds, signWith, type VendorKey } from "./vendor-key.js";
import { type Reply, tokenError, VendorServer } from "./vendor-server.js";

export interface KeycloakClient {
  secret: string;
  /** The client id an Audience mapper adds to `aud`; without it `aud` is just "account". */
  audienceMapper?: string;
  /** `resource_access.{client}.roles` granted to the service account. */
  clientRoles?: Record<string, string[]>;
}

export interface KeycloakEmulatorOptions {
  realm?: string;
  /** The `/auth` prefix of Keycloak ≤ 16. */
  legacyAuthPath?: boolean;
  clients?: Record<string, KeycloakClient>;
  /** `scope` granted to every client (Keycloak's default client scopes). */
  scope?: string;
}

export class KeycloakEmulator {
  readonly http = new VendorServer();
  readonly signingKey: VendorKey = createVendorKey(undefined, "acme");
  readonly encryptionKey: VendorKey = createVendorKey(undefined, "acme");
  readonly realm: string;

  constructor(readonly options: KeycloakEmulatorOptions = {}) {
    this.realm = options.realm ?? "acme";
  }

  /** The server URL a user configures (the preset's `url`), without `/auth`. */
  get url(): string {
    return this.http.origin;
  }
  get realmPath(): string {
    return `${this.options.legacyAuthPath ? "/auth" : ""}/realms/${this.realm}`;
  }
  get issuer(): string {
    return this.http.origin + this.realmPath;
  }
  get tokenEndpoint(): string {
    return `${this.issuer}/protocol/openid-connect/token`;
  }
  get certsPath(): string {
    return `${this.realmPath}/protocol/openid-connect/certs`;
  }

  jwks(): { keys: Record<string, unknown>[] } {
    const entry = (key: VendorKey, use: string, alg: string) => ({
      kid: key.kid,
      kty: "RSA",
      alg,
      use,
      x5c: [key.certificate.x5c],
      x5t: key.certificate.x5t,
      "x5t#S256": key.certificate.x5tS256,
      ...key.baseJwk,
    });
    return { keys: [entry(this.encryptionKey, "enc", "RSA-OAEP"), entry(this.signingKey, "sig", "RS256")] };
  }

  metadata(): Record<string, unknown> {
    return {
      issuer: this.issuer,
      token_endpoint: this.tokenEndpoint,
      jwks_uri: this.http.origin + this.certsPath,
      grant_types_supported: ["authorization_code", "client_credentials", "refresh_token"],
      id_token_signing_alg_values_supported: ["RS256", "PS256", "ES256", "EdDSA", "HS256"],
    };
  }

  async start(): Promise<this> {
    await this.http.start();
    const metadata = (): Reply => ({ body: this.metadata() });
    this.http.routes.set(`${this.realmPath}/.well-known/openid-configuration`, metadata);
    this.http.routes.set(`${this.realmPath}/.well-known/oauth-authorization-server`, metadata);
    this.http.routes.set(`/.well-known/oauth-authorization-server${this.realmPath}`, metadata);
    this.http.routes.set(this.certsPath, () => ({ body: this.jwks() }));
    this.http.routes.set(
      `${this.realmPath}/protocol/openid-connect/token`,
      async ({ method, client, params }) => {
        if (method !== "POST") return tokenError("invalid_request", 405);
        if (params.grant_type !== "client_credentials") return tokenError("unsupported_grant_type");
        const registered = client && this.options.clients?.[client.id];
        if (!client || !registered || registered.secret !== client.secret)
          return tokenError("unauthorized_client", 401);
        const token = await this.accessToken(client.id, registered);
        return { body: { access_token: token, expires_in: 300, token_type: "Bearer", scope: this.scope() } };
      },
    );
    return this;
  }

  close(): Promise<void> {
    return this.http.close();
  }

  private scope(): string {
    return this.options.scope ?? "profile email";
  }

  /** The service-account access token Keycloak issues to `clientId` (claims as in IDENTITY-PROVIDERS.md). */
  async accessToken(
    clientId: string,
    client: Omit<KeycloakClient, "secret"> = {},
    overrides: Record<string, unknown> = {},
  ): Promise<string> {
    const now = epochSeconds();
    const resourceAccess: Record<string, { roles: string[] }> = {
      account: { roles: ["manage-account", "manage-account-links", "view-profile"] },
    };
    for (const [name, roles] of Object.entries(client.clientRoles ?? {})) resourceAccess[name] = { roles };
    const claims: Record<string, unknown> = {
      exp: now + 300,
      iat: now,
      jti: `trtcc:${randomUUID()}`,
      iss: this.issuer,
      aud: client.audienceMapper ? [client.audienceMapper, "account"] : "account",
      sub: randomUUID(),
      typ: "Bearer",
      azp: clientId,
      acr: "1",
      "allowed-origins": ["/*"],
      realm_access: { roles: ["offline_access", `default-roles-${this.realm}`, "uma_authorization"] },
      resource_access: resourceAccess,
      scope: this.scope(),
      clientHost: "10.0.0.1",
      email_verified: false,
      preferred_username: `service-account-${clientId}`,
      clientAddress: "10.0.0.1",
      client_id: clientId,
      ...overrides,
    };
    for (const name of Object.keys(claims)) if (claims[name] === undefined) delete claims[name];
    return signWith(this.signingKey, claims, { typ: "JWT", kid: this.signingKey.kid });
  }

  /** An ID token for a user signed in at `clientId`: `typ: "ID"`, `aud` = the client. */
  async idToken(clientId: string): Promise<string> {
    const now = epochSeconds();
    return signWith(
      this.signingKey,
      {
        exp: now + 300,
        iat: now,
        auth_time: now,
        jti: randomUUID(),
        iss: this.issuer,
        aud: clientId,
        sub: randomUUID(),
        typ: "ID",
        azp: clientId,
        sid: randomUUID(),
        acr: "1",
        email_verified: true,
        preferred_username: "alice",
      },
      { typ: "JWT", kid: this.signingKey.kid },
    );
  }
}
