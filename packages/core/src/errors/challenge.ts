/**
 * Serialises `WWW-Authenticate` (RFC 7235 §4.1): the `Bearer` challenge of RFC 6750 §3 and the `DPoP`
 * challenge of RFC 9449 §7.1, with the `resource_metadata` parameter of RFC 9728 §5.1. This is the only
 * place that builds that header, so every error, whatever adapter sends it, has the same bytes.
 *
 * A verifier describes what it offers once, as a ChallengeContext (its realm, its metadata URL, the
 * schemes it accepts). An error then names only what is particular to it: the scheme the request used,
 * the error code and description, and the scopes the route needs. When several schemes are offered the
 * `Bearer` challenge comes first (MCP clients read only a header that starts with `Bearer`), and the
 * error parameters go on the challenge of the scheme the request used.
 */

/** The authorization schemes a verifier understands. */
export type Scheme = "Bearer" | "DPoP";

/** What a verifier offers in every challenge. Built once from the options, frozen. */
export interface ChallengeContext {
  /** The `realm` auth-param, or undefined to leave it out. */
  readonly realm: string | undefined;
  /** RFC 9728 §5.1 `resource_metadata`: the URL of the protected resource metadata document. */
  readonly resourceMetadata: string | undefined;
  /** Whether the `Bearer` scheme is accepted (false when DPoP is required). */
  readonly bearer: boolean;
  /** RFC 9449 §7.1 `algs` of the `DPoP` challenge; undefined when DPoP is not accepted. */
  readonly dpopAlgs: readonly string[] | undefined;
}

/** What one error adds to the verifier's challenges. */
export interface ChallengeError {
  /** The scheme the request used; the error parameters go on its challenge. */
  scheme?: Scheme | undefined;
  error?: string | undefined;
  errorDescription?: string | undefined;
  /** The scopes the request needs (RFC 6750 §3 `scope`), space-delimited. */
  scope?: string | undefined;
}

/** Parameters of one challenge, for `formatChallenge`. */
export interface ChallengeParams extends ChallengeError {
  realm?: string | undefined;
  resourceMetadata?: string | undefined;
  /** RFC 9449 §7.1 `algs` (DPoP challenges only). */
  algs?: string | undefined;
}

// RFC 6750 §3: error and error_description are %x20-21 / %x23-5B / %x5D-7E (no `"` or `\`).
const DESCRIPTION_CHARSET = /^[\x20\x21\x23-\x5B\x5D-\x7E]*$/;
// RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ).
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;
// RFC 7230 quoted-string content we accept for a realm: visible ASCII and space.
const REALM_CHARSET = /^[\x20-\x7E]*$/;

/** True when `value` is one RFC 6749 §3.3 scope-token. */
export function isScopeToken(value: string): boolean {
  return SCOPE_TOKEN.test(value);
}

/** True when `value` can stand in a realm quoted-string. */
export function isRealmText(value: string): boolean {
  return REALM_CHARSET.test(value);
}

function quote(value: string): string {
  return `"${value.replace(/["\\]/g, "\\$&")}"`;
}

/** A verifier's context with only a realm, as the error constructors accept for compatibility. */
export function realmOnly(realm: string | undefined): ChallengeContext {
  return { realm, resourceMetadata: undefined, bearer: true, dpopAlgs: undefined };
}

/**
 * Builds one challenge, e.g. `Bearer realm="api", error="invalid_token", error_description="Token expired"`.
 * Callers pass only fixed texts and validated scope tokens; the charset is asserted anyway so a
 * mistake fails loudly in tests rather than producing a header a client cannot parse.
 */
export function formatChallenge(params: ChallengeParams): string {
  const parts: string[] = [];
  if (params.realm !== undefined) parts.push(`realm=${quote(params.realm)}`);
  for (const [name, value] of [
    ["algs", params.algs],
    ["error", params.error],
    ["error_description", params.errorDescription],
    ["scope", params.scope],
  ] as const) {
    if (value === undefined) continue;
    if (!DESCRIPTION_CHARSET.test(value))
      throw new TypeError(`resource-guard: ${name} holds characters RFC 6750 §3 forbids`);
    parts.push(`${name}=${quote(value)}`);
  }
  // A URL validated at construction: no quote or backslash can be in it.
  if (params.resourceMetadata !== undefined)
    parts.push(`resource_metadata=${quote(params.resourceMetadata)}`);
  const scheme = params.scheme ?? "Bearer";
  return parts.length === 0 ? scheme : `${scheme} ${parts.join(", ")}`;
}

/**
 * Builds the whole `WWW-Authenticate` value for a verifier and one error: a challenge per accepted
 * scheme, `Bearer` first, the error on the challenge of the scheme the request used (or the first one
 * offered when the request used none).
 */
export function formatChallenges(context: ChallengeContext, error: ChallengeError = {}): string {
  const offered: Scheme[] = [];
  if (context.bearer) offered.push("Bearer");
  if (context.dpopAlgs !== undefined) offered.push("DPoP");
  if (offered.length === 0) offered.push("Bearer");
  const target = error.scheme !== undefined && offered.includes(error.scheme) ? error.scheme : offered[0];
  return offered
    .map((scheme) =>
      formatChallenge({
        scheme,
        realm: context.realm,
        algs: scheme === "DPoP" ? context.dpopAlgs?.join(" ") : undefined,
        ...(scheme === target ? { error: error.error, errorDescription: error.errorDescription } : undefined),
        // The scopes a request needs hold whatever scheme it ends up using.
        scope: error.scope,
        resourceMetadata: context.resourceMetadata,
      }),
    )
    .join(", ");
}
