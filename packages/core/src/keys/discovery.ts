/**
 * discoverJwksUri(): finds an issuer's `jwks_uri` from its metadata, only ever at locations derived
 * from the configured issuer (never from a token):
 *   1. OpenID Connect Discovery 1.0 §4: `{issuer}/.well-known/openid-configuration`
 *   2. RFC 8414 §3.1 path insertion: `{origin}/.well-known/oauth-authorization-server{path}`
 *   3. the suffix form many servers also answer: `{issuer}/.well-known/oauth-authorization-server`
 * Only 404 and 410 ("no such document here") move on to the next location. Anything else (429, 5xx,
 * another 4xx, a timeout, bad JSON) stops: the host is in trouble or refusing us, and asking it at
 * more locations would only add load. The document's `issuer` must equal the configured one exactly
 * (RFC 8414 §3.3, OIDC Discovery §4.3).
 */
import { type FetchJsonOptions, fetchJson, HttpStatusError, KeyFetchError } from "./fetch-json.js";
import { whyUrlIsRefused } from "./url-policy.js";

/** The metadata locations to try for `issuer`, in order, without duplicates. */
export function metadataLocations(issuer: string): string[] {
  const url = new URL(issuer);
  const path = url.pathname.replace(/\/+$/, "");
  const base = `${url.origin}${path}`;
  return [
    ...new Set([
      `${base}/.well-known/openid-configuration`,
      `${url.origin}/.well-known/oauth-authorization-server${path}`,
      `${base}/.well-known/oauth-authorization-server`,
    ]),
  ];
}

/** True for the statuses that mean "nothing here" (RFC 9110 §15.5.5, §15.5.11). */
export function isGone(error: unknown): boolean {
  return error instanceof HttpStatusError && (error.status === 404 || error.status === 410);
}

function mismatchHint(configured: string, published: unknown): string {
  if (typeof published !== "string") return `the metadata has no "issuer" string`;
  const hint =
    published.replace(/\/+$/, "") === configured.replace(/\/+$/, "")
      ? ` — they differ only by a trailing slash; issuers match exactly, so configure "${published}"`
      : "";
  return `the metadata names issuer "${published}" but "${configured}" is configured${hint}`;
}

/**
 * Returns the `jwks_uri` of `issuer`. With `metadataUrl`, only that document is read (its `issuer`
 * is still checked). Throws KeyFetchError with a `discovery_*` reason and the failing location as `url`.
 */
export async function discoverJwksUri(
  issuer: string,
  metadataUrl: string | undefined,
  options: FetchJsonOptions,
): Promise<string> {
  const locations = metadataUrl ? [metadataUrl] : metadataLocations(issuer);
  const fetchOptions = { ...options, stage: "discovery" };
  let lastError: unknown;
  for (const location of locations) {
    let document: unknown;
    try {
      ({ body: document } = await fetchJson(location, fetchOptions));
    } catch (error) {
      lastError = error;
      if (isGone(error)) continue;
      throw error;
    }
    const url = location;
    if (document === null || typeof document !== "object" || Array.isArray(document))
      throw new KeyFetchError("discovery_not_object", `${location} is not a metadata object`, { url });
    const { issuer: published, jwks_uri: jwksUri } = document as Record<string, unknown>;
    if (published !== issuer)
      throw new KeyFetchError(
        "discovery_issuer_mismatch",
        `${location}: ${mismatchHint(issuer, published)}`,
        {
          url,
        },
      );
    if (typeof jwksUri !== "string")
      throw new KeyFetchError("discovery_no_jwks_uri", `${location} has no "jwks_uri"`, { url });
    const why = whyUrlIsRefused(jwksUri, options.allowInsecureHttp);
    if (why)
      throw new KeyFetchError(
        "discovery_jwks_uri_refused",
        `the jwks_uri ${jwksUri} published at ${location} ${why}`,
        { url },
      );
    return jwksUri;
  }
  throw new KeyFetchError(
    "discovery_not_found",
    `no metadata found for issuer ${issuer} (tried ${locations.join(", ")})`,
    { url: locations[locations.length - 1], cause: lastError },
  );
}
