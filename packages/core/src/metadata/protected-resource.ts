/**
 * The protected resource metadata of a verifier (RFC 9728): where the document lives (§3.1) and what
 * it says (§2), derived from the resolved options so that it can never disagree with what the verifier
 * accepts. The document lists the configured issuers as `authorization_servers` (in configuration
 * order: MCP clients and others use the first), the bearer methods the verifier reads, and the
 * sender-constraint members of RFC 9449 / RFC 8705 when those checks are configured; the user's own
 * members (validated in options/resource.ts) come between them.
 */
import type { ResolvedOptions } from "../options/resolved-options.js";
import type { ProtectedResourceDocument, ProtectedResourceMetadata } from "../types.js";

/** The default well-known URI string of RFC 9728 §3. */
export const WELL_KNOWN_PATH = "/.well-known/oauth-protected-resource";

/** Where the document of one resource identifier is served. */
export interface ResourceMetadataLocation {
  /** Absolute URL of the document; the challenges' `resource_metadata`. */
  readonly url: string;
  /** Its path, without the query. */
  readonly path: string;
  /** The resource identifier's query (`?…`), or "" without one; the document's URL keeps it. */
  readonly query: string;
}

/**
 * RFC 9728 §3.1: the well-known string goes between the host and the path (and query) of the resource
 * identifier, after removing the terminating slash that follows the host. Only that slash is removed:
 * `https://api.example.com/` → `/.well-known/oauth-protected-resource`, while `/mcp/` keeps its own
 * trailing slash, because `…/mcp` and `…/mcp/` are different identifiers (§3.3 compares them exactly)
 * and must not share one document. A query stays on the document's URL.
 * @example locateResourceMetadata("https://api.example.com/mcp").path // "/.well-known/oauth-protected-resource/mcp"
 */
export function locateResourceMetadata(resource: string): ResourceMetadataLocation {
  const parsed = new URL(resource);
  const path = WELL_KNOWN_PATH + (parsed.pathname === "/" ? "" : parsed.pathname);
  return Object.freeze({ url: `${parsed.origin}${path}${parsed.search}`, path, query: parsed.search });
}

/**
 * The sender-constraint settings that show in the document: RFC 9449 DPoP (`dpop_signing_alg_values_supported`,
 * `dpop_bound_access_tokens_required`) and RFC 8705 certificate binding
 * (`tls_client_certificate_bound_access_tokens`). Structural, so the DPoP and mTLS options feed it as
 * they resolve.
 */
export interface BoundTokenSettings {
  readonly dpop?: { readonly algorithms: Iterable<string>; readonly required: boolean } | undefined;
  readonly mtls?: { readonly required: boolean } | undefined;
}

/** The RFC 9728 §2 members that describe sender-constrained tokens, from the verifier's settings. */
export function boundTokenMembers(bound: BoundTokenSettings): Record<string, unknown> {
  const members: Record<string, unknown> = {};
  if (bound.dpop !== undefined) {
    members.dpop_signing_alg_values_supported = [...bound.dpop.algorithms];
    // §2: omitted means false, so the member is written only when it says something.
    if (bound.dpop.required) members.dpop_bound_access_tokens_required = true;
  }
  // RFC 8705 §3: a resource server that checks certificate-bound tokens supports them.
  if (bound.mtls !== undefined) members.tls_client_certificate_bound_access_tokens = true;
  return members;
}

/** RFC 9728 §2 `bearer_methods_supported`: RFC 6750 §2.1–2.3, as the verifier reads tokens. */
function bearerMethods(options: ResolvedOptions, bound: BoundTokenSettings): ("header" | "body" | "query")[] {
  // §2: an empty array says no Bearer method is supported, as when only DPoP is accepted.
  if (bound.dpop?.required === true) return [];
  const methods: ("header" | "body" | "query")[] = ["header"];
  if (options.allowFormBodyToken) methods.push("body");
  if (options.allowQueryToken) methods.push("query");
  return methods;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const member of Object.values(value)) deepFreeze(member);
  }
  return value;
}

/**
 * Builds `verifier.resourceMetadata` from the resolved options; undefined without `resource`.
 * @example const metadata = buildResourceMetadata(resolveOptions({ issuer, resource }));
 */
export function buildResourceMetadata(
  options: ResolvedOptions,
  bound: BoundTokenSettings = {},
): ProtectedResourceMetadata | undefined {
  const { resource } = options;
  if (resource === undefined) return undefined;
  const document: ProtectedResourceDocument = {
    resource: resource.resource,
    authorization_servers: [...options.issuers.keys()],
    bearer_methods_supported: bearerMethods(options, bound),
    ...resource.members,
    ...boundTokenMembers(bound),
  };
  return deepFreeze({ url: resource.location.url, path: resource.location.path, document });
}
