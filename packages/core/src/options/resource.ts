/**
 * The `resource` and `resourceMetadata` options (RFC 9728, OAuth 2.0 Protected Resource Metadata),
 * checked once at construction. `resource` is the API's resource identifier (RFC 9728 §1.2): an
 * absolute `https:` URL without a fragment, which clients send verbatim as RFC 8707 `resource` and
 * authorization servers copy into `aud`, so it is kept exactly as written. Plain `http:` is allowed on
 * loopback only, or with `allowInsecureHttp`, as for every other URL the verifier is given.
 * `resourceMetadata` adds members to the published document; resource-metadata.ts checks them.
 */
import { whyUrlIsRefused } from "../keys/url-policy.js";
import { locateResourceMetadata, type ResourceMetadataLocation } from "../metadata/protected-resource.js";
import type { ResourceMetadataOptions } from "../types.js";
import { checkResourceMetadataMember } from "./resource-metadata.js";

/** The resource identifier and the document members the user added, validated. */
export interface ResolvedResource {
  /** The `resource` option, verbatim. */
  readonly resource: string;
  readonly location: ResourceMetadataLocation;
  /** The user's members, in the order given, frozen; no undefined values. */
  readonly members: Readonly<Record<string, unknown>>;
}

function fail(message: string): never {
  throw new TypeError(`resource-guard: ${message}`);
}

// RFC 3986 §2: the characters a URI may hold. Anything else (spaces, quotes, non-ASCII) would be
// rewritten by URL parsers and so no longer compare equal to the `aud` an authorization server copies.
const URI_CHARACTERS = /^[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]+$/;

const EXAMPLE = '"https://api.example.com/mcp"';

function checkResource(value: unknown, allowInsecureHttp: boolean): string {
  if (typeof value !== "string" || value === "")
    fail(`"resource" must be this API's resource identifier, an absolute https: URL such as ${EXAMPLE}`);
  if (!URI_CHARACTERS.test(value))
    fail(
      `"resource" must be written as a URI (RFC 3986): percent-encode spaces, quotes and non-ASCII characters`,
    );
  if (value.includes("#"))
    fail(`"resource" (${value}) must not have a fragment (RFC 9728 §1.2); remove the "#…" part`);
  const why = whyUrlIsRefused(value, allowInsecureHttp);
  if (why === "is not an absolute URL")
    fail(`"resource" (${value}) is not an absolute URL; give the full URL clients call, such as ${EXAMPLE}`);
  if (why) fail(`"resource" (${value}) ${why}`);
  return value;
}

/**
 * Validates `resource` and `resourceMetadata`; undefined when `resource` is not set.
 * @example resolveResource("https://api.example.com/mcp", { resource_name: "Orders" }, false);
 */
export function resolveResource(
  resource: unknown,
  resourceMetadata: unknown,
  allowInsecureHttp: boolean,
): ResolvedResource | undefined {
  if (resource === undefined) {
    if (resourceMetadata !== undefined)
      fail(`"resourceMetadata" needs "resource": the identifier the document describes, such as ${EXAMPLE}`);
    return undefined;
  }
  const identifier = checkResource(resource, allowInsecureHttp);
  const members: Record<string, unknown> = {};
  if (resourceMetadata !== undefined) {
    const proto = resourceMetadata === null ? undefined : Object.getPrototypeOf(resourceMetadata);
    if (typeof resourceMetadata !== "object" || (proto !== Object.prototype && proto !== null))
      fail(
        `"resourceMetadata" must be an object of RFC 9728 §2 members, such as { resource_name: "Orders API" }`,
      );
    for (const [name, value] of Object.entries(resourceMetadata as ResourceMetadataOptions)) {
      if (value === undefined) continue;
      checkResourceMetadataMember(name, value, allowInsecureHttp);
      // A copy, so later changes to the caller's object cannot alter the published document.
      members[name] = structuredClone(value);
    }
  }
  return Object.freeze({
    resource: identifier,
    location: locateResourceMetadata(identifier),
    members: Object.freeze(members),
  });
}
