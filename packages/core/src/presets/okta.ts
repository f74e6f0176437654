/**
 * Okta preset, for a custom authorization server: the issuer is `https://{org}.okta.com/oauth2/{id}`
 * (or `/oauth2/default`, or the same path on a custom URL domain) without a trailing slash, its keys
 * live at `{issuer}/v1/keys`, it signs RS256 only, and scopes come in `scp` as a JSON array. Token
 * headers carry no `typ`, so no `typ` rule is set.
 *
 * Okta's org authorization server (`https://{org}.okta.com`, no `/oauth2/…` path) issues access
 * tokens that only Okta itself may validate, so the preset refuses it instead of failing later.
 * With issuer mode "dynamic" the same server stamps `iss` with whichever domain the client used:
 * list both issuers.
 */
import {
  buildIssuer,
  type PresetOptions,
  type PresetOverrides,
  presetError,
  presetResult,
  requireStrings,
} from "./preset-support.js";

export interface OktaOptions extends PresetOverrides {
  /** The custom authorization server's issuer(s), exactly: `https://acme.okta.com/oauth2/default`. */
  issuer: string | readonly string[];
  /** The authorization server's audience, e.g. `"api://default"`. */
  audience: string | readonly string[];
}

const OWN_NAMES = ["issuer", "audience"] as const;
const NAME = "okta";
const EXAMPLE = '"https://acme.okta.com/oauth2/default"';

function checkIssuer(issuer: string): string {
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    throw presetError(NAME, `"issuer" must be an absolute URL, e.g. ${EXAMPLE}`);
  }
  if (url.search || url.hash || url.username || url.password) {
    throw presetError(NAME, `"issuer" must not carry a query, fragment or credentials, e.g. ${EXAMPLE}`);
  }
  if (issuer.endsWith("/") && url.pathname !== "/") {
    throw presetError(NAME, `Okta issuers have no trailing slash; use "${issuer.replace(/\/+$/, "")}"`);
  }
  if (url.pathname === "/" || url.pathname === "") {
    throw presetError(
      NAME,
      `"${issuer}" is the org authorization server, whose access tokens only Okta may validate; ` +
        `use a custom authorization server, e.g. ${EXAMPLE}`,
    );
  }
  if (!/^\/oauth2\/[^/]+$/.test(url.pathname)) {
    throw presetError(
      NAME,
      `"issuer" must be a custom authorization server ending in "/oauth2/{id}", e.g. ${EXAMPLE}`,
    );
  }
  return issuer;
}

/**
 * Verifier options for an Okta custom authorization server.
 * @example
 * const verifier = createVerifier(okta({ issuer: "https://acme.okta.com/oauth2/default", audience: "api://default" }));
 */
export function okta(options: OktaOptions): PresetOptions {
  if (options === null || typeof options !== "object") {
    throw presetError(
      NAME,
      `expects an options object, e.g. okta({ issuer: ${EXAMPLE}, audience: "api://default" })`,
    );
  }
  const issuers = requireStrings(NAME, "issuer", options.issuer, EXAMPLE).map(checkIssuer);
  const audience = requireStrings(NAME, "audience", options.audience, '"api://default"');
  return presetResult(
    options,
    OWN_NAMES,
    issuers.map((issuer) =>
      buildIssuer(
        { issuer, audience, jwksUri: `${issuer}/v1/keys`, algorithms: ["RS256"], scopeClaims: ["scp"] },
        options,
      ),
    ),
  );
}
