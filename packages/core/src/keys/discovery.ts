/**
 * discoverMetadata() / discoverJwksUri(): read an issuer's metadata (for its `jwks_uri`, and for
 * introspection its `introspection_endpoint`), only ever at locations derived
 * from the configured issuer (never from a token):
 *   1. OpenID Connect Discovery 1.0 §4: `{issuer}/.well-known/openid-configuration`
 *   2. RFC 8414 §3.1 path insertion: `{origin}/.well-known/oauth-authorization-server{path}`
 *   3. the suffix form many servers also answer: `{issuer}/.well-known/oauth-authorization-server`
 * A 4xx moves on to the next location; anything else (timeout, 5xx, bad JSON) stops, since the host is
 * in trouble and further requests would only add load. The document's `issuer` must equal the
 * configured one exactly (RFC 8414 §3.3, OIDC Discovery §4.3).
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

function mismatchHint(configured: string, published: unknown): string {
  if (typeof published !== "string") return `the metadata has no "issuer" string`;
  const hint =
    published.replace(/\/+$/, "") === configured.replace(/\/+$/, "")
      ? ` — they differ only by a trailing slash; issuers match exactly, so configure "${published}"`
      : "";
  return `the metadata names issuer "${published}" but "${configured}" is configured${hint}`;
}

/** An issuer's metadata document (RFC 8414 §2, OIDC Discovery §3) and where it was read. */
export interface IssuerMetadata {
  readonly document: Readonly<Record<string, unknown>>;
  readonly location: string;
}

/**
 * Reads the metadata document of `issuer`, whose `issuer` member must equal it. With `metadataUrl`,
 * only that document is read. Throws KeyFetchError. The key set and introspection both start here.
 */
export async function discoverMetadata(
  issuer: string,
  metadataUrl: string | undefined,
  options: FetchJsonOptions,
): Promise<IssuerMetadata> {
  const locations = metadataUrl ? [metadataUrl] : metadataLocations(issuer);
  let lastError: unknown;
  for (const location of locations) {
    let document: unknown;
    try {
      ({ body: document } = await fetchJson(location, options));
    } catch (error) {
      lastError = error;
      if (error instanceof HttpStatusError && error.status >= 400 && error.status < 500) continue;
      throw error;
    }
    if (document === null || typeof document !== "object" || Array.isArray(document))
      throw new KeyFetchError(`${location} is not a metadata object`);
    const { issuer: published } = document as Record<string, unknown>;
    if (published !== issuer) throw new KeyFetchError(`${location}: ${mismatchHint(issuer, published)}`);
    return { document: document as Record<string, unknown>, location };
  }
  throw new KeyFetchError(`no metadata found for issuer ${issuer} (tried ${locations.join(", ")})`, {
    cause: lastError,
  });
}

/**
 * Returns the `jwks_uri` of `issuer` from its metadata (see discoverMetadata). Throws KeyFetchError.
 */
export async function discoverJwksUri(
  issuer: string,
  metadataUrl: string | undefined,
  options: FetchJsonOptions,
): Promise<string> {
  const { document, location } = await discoverMetadata(issuer, metadataUrl, options);
  const jwksUri = document.jwks_uri;
  if (typeof jwksUri !== "string") throw new KeyFetchError(`${location} has no "jwks_uri"`);
  const why = whyUrlIsRefused(jwksUri, options.allowInsecureHttp);
  if (why) throw new KeyFetchError(`the jwks_uri ${jwksUri} published at ${location} ${why}`);
  return jwksUri;
}
