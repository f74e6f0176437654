/**
 * Keycloak preset. A realm's issuer is `{url}/realms/{realm}` (`{url}/auth/realms/{realm}` on
 * Keycloak ≤ 16 and installs started with `--http-relative-path=/auth`) and its keys live at
 * `{issuer}/protocol/openid-connect/certs`, so discovery is skipped. The key set also lists an
 * RSA-OAEP encryption key (`use: "enc"`), which the core skips by `use`.
 *
 * Keycloak's default audience is the trap: client-credentials tokens carry `aud: "account"` (every
 * client of the realm receives it) or no `aud` at all, so the API's own client id must be configured
 * and the realm admin must add an Audience mapper. Access tokens carry the claim `typ: "Bearer"` while
 * ID tokens carry `typ: "ID"`, so the preset requires `typ: "Bearer"` to keep ID tokens out.
 */
import type { IssuerWithAudience, ScopeClaim } from "../types.js";
import {
  buildIssuer,
  type PresetOptions,
  type PresetOverrides,
  presetError,
  presetResult,
  requireBaseUrl,
  requireString,
  requireStrings,
} from "./preset-support.js";

export interface KeycloakOptions extends PresetOverrides {
  /**
   * The server's base URL, without `/realms/…`: `https://auth.example.com`, or in dev mode
   * `http://localhost:8080`. For the legacy `/auth` prefix either include it here or set `legacyAuthPath`.
   */
  url: string;
  /** The realm name, e.g. `"acme"`. */
  realm: string;
  /**
   * The API's client id(s) as the Audience mapper writes them into `aud`. `"account"` is refused: every
   * client of the realm has it.
   */
  audience: string | readonly string[];
  /** Insert the `/auth` prefix of Keycloak ≤ 16 (WildFly) and `--http-relative-path=/auth` installs. */
  legacyAuthPath?: boolean;
  /** Also read realm roles (`realm_access.roles`) as scopes. Default false. */
  realmRoles?: boolean;
  /**
   * Also read client roles (`resource_access.{client}.roles`) as scopes: `true` for the roles of the
   * audience client(s), or the client id(s) to read. Default false.
   */
  clientRoles?: boolean | string | readonly string[];
}

const OWN_NAMES = ["url", "realm", "audience", "legacyAuthPath", "realmRoles", "clientRoles"] as const;
const NAME = "keycloak";

function clientsForRoles(options: KeycloakOptions, audience: readonly string[]): string[] {
  const { clientRoles } = options;
  if (clientRoles === undefined || clientRoles === false) return [];
  if (clientRoles === true) return [...audience];
  return requireStrings(NAME, "clientRoles", clientRoles, '"orders-api"');
}

/**
 * Verifier options for a Keycloak realm.
 * @example
 * const verifier = createVerifier(
 *   keycloak({ url: "https://auth.example.com", realm: "acme", audience: "orders-api", clientRoles: true }),
 * );
 */
export function keycloak(options: KeycloakOptions): PresetOptions {
  if (options === null || typeof options !== "object") {
    throw presetError(
      NAME,
      'expects an options object, e.g. keycloak({ url, realm: "acme", audience: "orders-api" })',
    );
  }
  const url = requireBaseUrl(NAME, "url", options.url, '"https://auth.example.com"');
  if (/\/realms(\/|$)/.test(new URL(url).pathname)) {
    throw presetError(NAME, '"url" is the server URL without "/realms/…"; pass the realm name as "realm"');
  }
  const realm = requireString(NAME, "realm", options.realm, '"acme"');
  if (realm.includes("/")) throw presetError(NAME, '"realm" is the realm name alone, e.g. "acme"');
  if (options.legacyAuthPath === true && /\/auth$/.test(url)) {
    throw presetError(NAME, '"url" already ends with "/auth"; drop "legacyAuthPath" or the suffix');
  }
  const audience = requireStrings(NAME, "audience", options.audience, '"orders-api"');
  if (audience.includes("account")) {
    throw presetError(
      NAME,
      '"audience" must not be "account": Keycloak puts it into tokens for every client of the realm, so it ' +
        "would accept tokens meant for any client. Add an Audience mapper for this API's client and use its client id",
    );
  }
  const base = options.legacyAuthPath === true ? `${url}/auth` : url;
  const issuer = `${base}/realms/${encodeURIComponent(realm)}`;
  const scopeClaims: ScopeClaim[] = ["scope"];
  if (options.realmRoles === true) scopeClaims.push(["realm_access", "roles"]);
  for (const client of clientsForRoles(options, audience))
    scopeClaims.push(["resource_access", client, "roles"]);
  const entry: IssuerWithAudience = {
    issuer,
    audience,
    jwksUri: `${issuer}/protocol/openid-connect/certs`,
    scopeClaims,
    requiredClaims: { typ: "Bearer" },
  };
  return presetResult(options, OWN_NAMES, [buildIssuer(entry, options)]);
}
