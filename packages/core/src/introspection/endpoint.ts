/**
 * Where to introspect: the configured `introspection.endpoint`, or the `introspection_endpoint` of
 * the issuer's metadata (RFC 8414 §2, RFC 7662 §4), read with the same discovery as the key set
 * (keys/discovery.ts: the document's `issuer` must equal the configured one). The endpoint comes only
 * from configuration or from the configured issuer's metadata, never from a token, and must pass the
 * same URL policy as key locations (https, or http on loopback).
 */
import { discoverMetadata } from "../keys/discovery.js";
import { type FetchJsonOptions, KeyFetchError } from "../keys/fetch-json.js";
import { whyUrlIsRefused } from "../keys/url-policy.js";

/**
 * Reads the introspection endpoint from `issuer`'s metadata. Throws KeyFetchError.
 * @example const endpoint = await discoverIntrospectionEndpoint(issuer, undefined, fetchOptions);
 */
export async function discoverIntrospectionEndpoint(
  issuer: string,
  metadataUrl: string | undefined,
  options: FetchJsonOptions,
): Promise<string> {
  const { document, location } = await discoverMetadata(issuer, metadataUrl, options);
  const endpoint = document.introspection_endpoint;
  const url = location;
  if (typeof endpoint !== "string")
    throw new KeyFetchError(
      "discovery_no_introspection_endpoint",
      `${location} has no "introspection_endpoint"; configure "introspection.endpoint"`,
      { url },
    );
  const why = whyUrlIsRefused(endpoint, options.allowInsecureHttp);
  if (why)
    throw new KeyFetchError(
      "discovery_introspection_endpoint_refused",
      `the introspection_endpoint ${endpoint} published at ${location} ${why}`,
      { url },
    );
  return endpoint;
}
