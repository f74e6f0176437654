/**
 * Microsoft Entra ID on 127.0.0.1, as two servers because the real thing uses two hosts:
 * `login` (login.microsoftonline.com: metadata, keys, token endpoint, v2 issuers) and `sts`
 * (sts.windows.net, the host of v1 issuers, which serves nothing — a v1 issuer cannot be discovered).
 *
 * Reproduced: v2 metadata at `/{tid}/v2.0/.well-known/openid-configuration`; v1 metadata at
 * `/{tid}/.well-known/openid-configuration` naming the sts issuer; multi-tenant metadata whose issuer
 * is the literal `{tenantid}` template; keys without `alg`, `kid` equal to `x5t`, with `x5c`, and on
 * the v2 endpoints an `issuer` member; app-only tokens from `/{tid}/oauth2/v2.0/token` with
 * `scope={api}/.default`, whose version follows the API's `accessTokenAcceptedVersion` (null = v1),
 * with permissions in `roles` and no `scp`.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { createVendorKey, epochSeconds, signWith, type VendorKey } from "./vendor-key.js";
import { type Reply, tokenError, VendorServer } from "./vendor-server.js";

export interface EntraApi {
  /** The API's client id GUID (v2 `aud`). */
  clientId: string;
  appIdUri: string;
  accessTokenAcceptedVersion: 1 | 2 | null;
}

export interface EntraEmulatorOptions {
  /** The tenant whose token endpoint is served. */
  tenantId: string;
  api: EntraApi;
  /** Clients of the tenant: their secret and the app roles granted to them on the API. */
  clients?: Record<string, { secret: string; roles?: string[] }>;
}

export interface EntraTokenInput {
  version: 1 | 2;
  tenantId?: string;
  clientId: string;
  audience?: string;
  roles?: string[];
  /** Delegated tokens carry `scp`, a space-delimited string. */
  scp?: string;
  overrides?: Record<string, unknown>;
}

export class EntraEmulator {
  readonly login = new VendorServer();
  readonly sts = new VendorServer();
  readonly keys: VendorKey[] = [];

  constructor(readonly options: EntraEmulatorOptions) {
    for (let i = 0; i < 2; i++) {
      const key = createVendorKey("pending", "accounts.accesscontrol.windows.net");
      key.kid = key.certificate.x5t;
      this.keys.push(key);
    }
  }

  /** The preset's `authority`. */
  get authority(): string {
    return this.login.origin;
  }
  /** The preset's `v1Authority`. */
  get v1Authority(): string {
    return this.sts.origin;
  }
  v1Issuer(tid = this.options.tenantId): string {
    return `${this.sts.origin}/${tid}/`;
  }
  v2Issuer(tid = this.options.tenantId): string {
    return `${this.login.origin}/${tid}/v2.0`;
  }
  get tokenEndpoint(): string {
    return `${this.login.origin}/${this.options.tenantId}/oauth2/v2.0/token`;
  }

  private keySet(issuer: string | undefined): Reply {
    return {
      body: {
        keys: this.keys.map((key) => ({
          kty: "RSA",
          use: "sig",
          kid: key.kid,
          x5t: key.certificate.x5t,
          ...key.baseJwk,
          x5c: [key.certificate.x5c],
          ...(issuer === undefined ? {} : { issuer }),
        })),
      },
    };
  }

  async start(): Promise<this> {
    await Promise.all([this.login.start(), this.sts.start()]);
    const tid = this.options.tenantId;
    const login = this.login.origin;
    const routes = this.login.routes;
    routes.set(`/${tid}/v2.0/.well-known/openid-configuration`, () => ({
      body: {
        issuer: this.v2Issuer(),
        token_endpoint: this.tokenEndpoint,
        jwks_uri: `${login}/${tid}/discovery/v2.0/keys`,
        id_token_signing_alg_values_supported: ["RS256"],
      },
    }));
    routes.set(`/${tid}/.well-known/openid-configuration`, () => ({
      body: {
        issuer: this.v1Issuer(),
        token_endpoint: `${login}/${tid}/oauth2/token`,
        jwks_uri: `${login}/common/discovery/keys`,
      },
    }));
    for (const multi of ["common", "organizations"]) {
      routes.set(`/${multi}/v2.0/.well-known/openid-configuration`, () => ({
        body: {
          issuer: `${login}/{tenantid}/v2.0`,
          jwks_uri: `${login}/${multi}/discovery/v2.0/keys`,
        },
      }));
      routes.set(`/${multi}/discovery/v2.0/keys`, () => this.keySet(`${login}/{tenantid}/v2.0`));
    }
    routes.set("/common/discovery/keys", () => this.keySet(undefined));
    routes.set(`/${tid}/discovery/v2.0/keys`, () => this.keySet(this.v2Issuer()));
    routes.set(`/${tid}/oauth2/v2.0/token`, async ({ method, client, params }) => {
      if (method !== "POST") return tokenError("invalid_request", 405);
      if (params.grant_type !== "client_credentials") return tokenError("unsupported_grant_type");
      const registered = client && this.options.clients?.[client.id];
      if (!client || !registered || registered.secret !== client.secret)
        return tokenError("invalid_client", 401);
      const api = this.options.api;
      const resource = (params.scope ?? "").replace(/\/\.default$/, "");
      if (!params.scope?.endsWith("/.default") || (resource !== api.appIdUri && resource !== api.clientId)) {
        return tokenError("invalid_scope");
      }
      const version = api.accessTokenAcceptedVersion === 2 ? 2 : 1;
      const token = await this.accessToken({
        version,
        clientId: client.id,
        // v2 tokens always name the API by client id; v1 tokens by what the client asked for.
        audience: version === 2 ? api.clientId : resource,
        ...(registered.roles ? { roles: registered.roles } : {}),
      });
      return { body: { token_type: "Bearer", expires_in: 3599, ext_expires_in: 3599, access_token: token } };
    });
    return this;
  }

  async close(): Promise<void> {
    await Promise.all([this.login.close(), this.sts.close()]);
  }

  /** An access token as Entra issues it (claims as in IDENTITY-PROVIDERS.md). */
  async accessToken(input: EntraTokenInput): Promise<string> {
    const tid = input.tenantId ?? this.options.tenantId;
    const now = epochSeconds();
    const key = this.keys[0]!;
    const common = {
      aud: input.audience ?? this.options.api.clientId,
      iat: now,
      nbf: now,
      exp: now + 3899,
      aio: randomBytes(40).toString("base64url"),
      idtyp: "app",
      oid: randomUUID(),
      rh: `1.${randomBytes(30).toString("base64url")}.`,
      ...(input.roles ? { roles: input.roles } : {}),
      ...(input.scp !== undefined ? { scp: input.scp } : {}),
      sub: randomUUID(),
      tid,
      uti: randomBytes(16).toString("base64url"),
    };
    if (input.version === 2) {
      const claims = {
        ...common,
        iss: this.v2Issuer(tid),
        azp: input.clientId,
        azpacr: "1",
        ver: "2.0",
        ...input.overrides,
      };
      return signWith(key, claims, { typ: "JWT", kid: key.kid });
    }
    const claims = {
      ...common,
      iss: this.v1Issuer(tid),
      appid: input.clientId,
      appidacr: "1",
      idp: this.v1Issuer(tid),
      ver: "1.0",
      ...input.overrides,
    };
    return signWith(key, claims, { typ: "JWT", x5t: key.certificate.x5t, kid: key.kid });
  }
}
