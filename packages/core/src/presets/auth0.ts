/**
 * Auth0 preset. A tenant's issuer is `https://{domain}/` — with the trailing slash, which is the
 * most common copy-paste mistake — and its keys live at `https://{domain}/.well-known/jwks.json`.
 * Scopes come in the `scope` string; with RBAC and "Add Permissions in the Access Token" they also
 * come in the `permissions` array, read when `permissions: true`.
 *
 * Two audiences are refused because every token of the tenant may carry them: the `/userinfo`
 * audience (added to any token that asked for `openid`) and the Management API. An API signed with
 * HS256 can be verified by passing its signing `secret`; the key set is then not used.
 */

import type { JwsAlgorithm } from "../types.js";
import {
  buildIssuer,
  type PresetOptions,
  type PresetOverrides,
  presetError,
  presetResult,
  requireBaseUrl,
  requireStrings,
} from "./preset-support.js";

export interface Auth0Options extends PresetOverrides {
  /**
   * The tenant's domain(s), host name only: `"acme.us.auth0.com"`, and any custom domain tokens are
   * requested from (`iss` follows the domain used). Either this or `baseUrl`.
   */
  domain?: string | readonly string[];
  /**
   * Full origin(s) instead of `domain`, e.g. `"http://127.0.0.1:4000"` for a local emulator. The issuer
   * is the origin plus `/`.
   */
  baseUrl?: string | readonly string[];
  /** The API identifier(s), as sent in the token request's `audience`. */
  audience: string | readonly string[];
  /** Also read the RBAC `permissions` array as scopes. Default false. */
  permissions?: boolean;
}

const OWN_NAMES = ["domain", "baseUrl", "audience", "permissions"] as const;
const NAME = "auth0";

function originsOf(options: Auth0Options): string[] {
  if ((options.domain === undefined) === (options.baseUrl === undefined)) {
    throw presetError(NAME, 'pass exactly one of "domain" (e.g. "acme.us.auth0.com") and "baseUrl"');
  }
  if (options.baseUrl !== undefined) {
    return requireStrings(NAME, "baseUrl", options.baseUrl, '"https://login.example.com"').map((url) => {
      const base = requireBaseUrl(NAME, "baseUrl", url, '"https://login.example.com"');
      if (new URL(base).pathname !== "/") throw presetError(NAME, '"baseUrl" is an origin without a path');
      return base;
    });
  }
  return requireStrings(NAME, "domain", options.domain, '"acme.us.auth0.com"').map((domain) => {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(domain) || domain.includes("/")) {
      throw presetError(
        NAME,
        `"domain" is the host name only, e.g. "${domain.replace(/^[a-z][a-z0-9+.-]*:\/\//i, "").replace(/\/.*$/, "")}"; ` +
          'pass a full origin as "baseUrl" instead',
      );
    }
    if (!/^[a-z0-9.-]+(:\d+)?$/i.test(domain))
      throw presetError(NAME, '"domain" must be a host name, e.g. "acme.us.auth0.com"');
    return `https://${domain.toLowerCase()}`;
  });
}

/**
 * Verifier options for an Auth0 tenant (and its custom domains).
 * @example
 * const verifier = createVerifier(auth0({ domain: "acme.us.auth0.com", audience: "https://api.example.com/orders" }));
 */
export function auth0(options: Auth0Options): PresetOptions {
  if (options === null || typeof options !== "object") {
    throw presetError(
      NAME,
      'expects an options object, e.g. auth0({ domain: "acme.us.auth0.com", audience })',
    );
  }
  const origins = originsOf(options);
  const audience = requireStrings(NAME, "audience", options.audience, '"https://api.example.com/orders"');
  for (const origin of origins) {
    for (const value of audience) {
      if (value.replace(/\/+$/, "") === `${origin}/userinfo`) {
        throw presetError(
          NAME,
          `"audience" must be your API identifier, not "${value}": every token that asked for openid has it`,
        );
      }
      if (value.replace(/\/+$/, "") === `${origin}/api/v2`) {
        throw presetError(NAME, `"audience" must be your API identifier, not the Management API "${value}"`);
      }
    }
  }
  const scopeClaims = options.permissions === true ? ["scope", "permissions"] : ["scope"];
  const algorithms: JwsAlgorithm[] = options.secret !== undefined ? ["HS256"] : ["RS256", "PS256"];
  return presetResult(
    options,
    OWN_NAMES,
    origins.map((origin) =>
      buildIssuer(
        {
          issuer: `${origin}/`,
          audience,
          jwksUri: `${origin}/.well-known/jwks.json`,
          algorithms,
          scopeClaims,
        },
        options,
      ),
    ),
  );
}
