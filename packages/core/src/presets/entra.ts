/**
 * Microsoft Entra ID preset. An API receives v1.0 or v2.0 access tokens depending on its own
 * manifest (`accessTokenAcceptedVersion`, null meaning v1), and the two differ in everything a
 * verifier compares:
 * - v1: `iss` = `https://sts.windows.net/{tid}/` (another host, trailing slash); its metadata does not
 *   live under that issuer, so the keys are located explicitly: `…/common/discovery/keys`.
 * - v2: `iss` = `https://login.microsoftonline.com/{tid}/v2.0`, keys `…/{tid}/discovery/v2.0/keys`.
 * The preset builds one `issuers` entry per accepted version, each with its own key location, and
 * requires `tid` to be the tenant. Keys carry no `alg` (the core accepts that), `kid` equals `x5t`.
 *
 * App-only tokens (client credentials) have no `scp`; their permissions are app roles in `roles`,
 * so scopes are read from `scp` and `roles`. Multi-tenant APIs pass `tenantId: "organizations"`
 * (or `"common"`) with the accepted `tenants`; the issuer is then the `{tenantid}` template.
 */
import type { IssuerWithAudience } from "../types.js";
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

export type EntraTokenVersion = "v1" | "v2";

export interface EntraOptions extends PresetOverrides {
  /**
   * The Directory (tenant) ID, a GUID. For a multi-tenant API: `"organizations"` or `"common"`,
   * together with `tenants`.
   */
  tenantId: string;
  /** Multi-tenant APIs: the tenant GUIDs accepted. */
  tenants?: readonly string[];
  /** The API's Application ID URI and/or client id GUID, as found in `aud`. */
  audience: string | readonly string[];
  /** Token versions accepted. Default both, `["v1", "v2"]`: which one arrives depends on the API's manifest. */
  versions?: readonly EntraTokenVersion[];
  /** Where v2 issuers and all keys live. Default `https://login.microsoftonline.com` (sovereign clouds, emulators). */
  authority?: string;
  /** The host of v1 issuers. Default `https://sts.windows.net`. */
  v1Authority?: string;
}

const OWN_NAMES = ["tenantId", "tenants", "audience", "versions", "authority", "v1Authority"] as const;
const NAME = "entra";
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MULTI_TENANT = new Set(["common", "organizations"]);

function checkGuid(name: string, value: string): string {
  if (!GUID.test(value)) {
    throw presetError(
      NAME,
      `"${name}" must be a Directory (tenant) ID GUID, because tokens name the tenant by GUID in "iss" and "tid"; ` +
        "find it under Entra ID > Overview",
    );
  }
  return value.toLowerCase();
}

function versionsOf(options: EntraOptions): EntraTokenVersion[] {
  const versions = options.versions ?? ["v1", "v2"];
  if (!Array.isArray(versions) || versions.length === 0 || versions.some((v) => v !== "v1" && v !== "v2")) {
    throw presetError(NAME, '"versions" must list "v1" and/or "v2", e.g. ["v2"]');
  }
  return [...new Set(versions)];
}

/**
 * Verifier options for a Microsoft Entra ID API (single- or multi-tenant, v1 and/or v2 tokens).
 * @example
 * const verifier = createVerifier(
 *   entra({ tenantId: "4f1d7a2c-9a53-4f1b-8b3e-5c0d2e7a9b61", audience: ["api://orders", "6e74172b-be56-4843-9ff4-e66a39bb12e3"] }),
 * );
 */
export function entra(options: EntraOptions): PresetOptions {
  if (options === null || typeof options !== "object") {
    throw presetError(NAME, "expects an options object, e.g. entra({ tenantId, audience })");
  }
  const tenantId = requireString(
    NAME,
    "tenantId",
    options.tenantId,
    '"4f1d7a2c-9a53-4f1b-8b3e-5c0d2e7a9b61"',
  );
  const multi = MULTI_TENANT.has(tenantId.toLowerCase());
  let tenants: string[] | undefined;
  if (multi) {
    if (options.tenants === undefined) {
      throw presetError(
        NAME,
        `"tenantId: ${tenantId}" accepts any tenant; list the accepted tenant GUIDs in "tenants"`,
      );
    }
    tenants = requireStrings(NAME, "tenants", options.tenants, '["4f1d7a2c-…"]').map((t) =>
      checkGuid("tenants", t),
    );
  } else {
    checkGuid("tenantId", tenantId);
    if (options.tenants !== undefined) {
      throw presetError(
        NAME,
        '"tenants" is only for a multi-tenant API ("tenantId": "organizations" or "common")',
      );
    }
  }
  const audience = requireStrings(NAME, "audience", options.audience, '"api://orders"');
  const authority = requireBaseUrl(
    NAME,
    "authority",
    options.authority ?? "https://login.microsoftonline.com",
    '"https://login.microsoftonline.us"',
  );
  const v1Authority = requireBaseUrl(
    NAME,
    "v1Authority",
    options.v1Authority ?? "https://sts.windows.net",
    '"https://sts.windows.net"',
  );
  const tid = multi ? "{tenantid}" : tenantId.toLowerCase();
  const common: Omit<IssuerWithAudience, "issuer"> = {
    audience,
    algorithms: ["RS256"],
    scopeClaims: ["scp", "roles"],
    ...(multi ? { tenants } : { requiredClaims: { tid } }),
  };
  const entries = versionsOf(options).map((version) =>
    version === "v1"
      ? { ...common, issuer: `${v1Authority}/${tid}/`, jwksUri: `${authority}/common/discovery/keys` }
      : { ...common, issuer: `${authority}/${tid}/v2.0`, jwksUri: `${authority}/${tid}/discovery/v2.0/keys` },
  );
  return presetResult(
    options,
    OWN_NAMES,
    entries.map((entry) => buildIssuer(entry, options)),
  );
}
