/**
 * Stage 1 of 8: find the access token in a request (RFC 6750 §2, RFC 9449 §7.1).
 *
 * - §2.1 `Authorization: Bearer 1*SP b64token`, and `Authorization: DPoP 1*SP token68` when DPoP is
 *   accepted; schemes are case-insensitive (RFC 7235 §2.1). A header of a scheme the verifier does not
 *   accept (DPoP where it is off, Bearer where DPoP is required) is no credentials at all (401 without
 *   an error code, with the challenges of the schemes that are accepted).
 * - §2.2 the `access_token` form-body parameter and §2.3 the `access_token` query parameter, each
 *   only when enabled: both leak tokens into logs and caches more easily than a header does.
 * - §2: a token sent by more than one method is a malformed request (400).
 */
import { InvalidRequestError, MissingCredentialsError } from "../errors/bearer-error.js";
import type { Scheme } from "../errors/challenge.js";
import type { ResolvedOptions } from "../options/resolved-options.js";
import type { RequestLike } from "../types.js";

// RFC 6750 §2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

type Options = Pick<
  ResolvedOptions,
  "realm" | "maxTokenLength" | "allowFormBodyToken" | "allowQueryToken" | "challenge"
>;

/** The token a request carries and the scheme it came with. */
export interface Credentials {
  readonly token: string;
  readonly scheme: Scheme;
}

function headerValue(headers: RequestLike["headers"] | Headers, name: string): string | string[] | undefined {
  if (typeof (headers as Headers).get === "function") return (headers as Headers).get(name) ?? undefined;
  return (headers as Record<string, string | string[] | undefined>)[name];
}

/** True when `token` fits RFC 6750's b64token; one that does not is a malformed request (400). */
export function isB64Token(token: string): boolean {
  return B64TOKEN.test(token);
}

/**
 * Checks what costs nothing to check (empty, too large) and returns the token. The b64token grammar
 * is checked only when verification fails as malformed (see createVerifier): every token that breaks
 * the grammar also fails strict base64url decoding, so the outcome is the same, and a token served
 * from the cache does not pay a regex pass over its whole length on every request.
 */
function checkTokenSyntax(token: string, options: Options): string {
  if (token === "") throw new InvalidRequestError("empty_token", options.realm);
  if (token.length > options.maxTokenLength) throw new InvalidRequestError("token_too_large", options.realm);
  return token;
}

/** True when `value` starts with `name` (lower-case ASCII) compared without regard to case, no copy made. */
export function startsWithScheme(value: string, name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    // ASCII letters only: OR-ing 0x20 lower-cases A-Z and leaves a-z as they are.
    if ((value.charCodeAt(i) | 0x20) !== name.charCodeAt(i)) return false;
  }
  return true;
}

/** The scheme of an Authorization header value whose scheme ends at `end`, when this verifier accepts it. */
function acceptedScheme(value: string, end: number, options: Options): Scheme | undefined {
  if (end === 6) {
    if (options.challenge.bearer && startsWithScheme(value, "bearer")) return "Bearer";
  } else if (end === 4) {
    if (options.challenge.dpopAlgs !== undefined && startsWithScheme(value, "dpop")) return "DPoP";
  }
  return undefined;
}

function fromAuthorizationHeader(request: RequestLike, options: Options): Credentials | undefined {
  let value = headerValue(request.headers, "authorization");
  if (Array.isArray(value)) {
    if (value.length > 1) throw new InvalidRequestError("multiple_headers", options.realm);
    value = value[0];
  }
  if (typeof value !== "string") return undefined;
  const space = value.indexOf(" ");
  const scheme = acceptedScheme(value, space === -1 ? value.length : space, options);
  if (scheme === undefined) return undefined;
  if (space === -1) throw new InvalidRequestError("empty_token", options.realm);
  let start = space + 1;
  while (value.charCodeAt(start) === 0x20) start++;
  return { token: checkTokenSyntax(value.slice(start), options), scheme };
}

/** Reads `access_token` from a parsed parameter object; undefined when absent. */
function parameter(source: unknown, options: Options): string | undefined {
  if (source === null || typeof source !== "object") return undefined;
  let value: unknown;
  if (source instanceof URLSearchParams) {
    const all = source.getAll("access_token");
    if (all.length === 0) return undefined;
    value = all.length === 1 ? all[0] : all;
  } else {
    if (!Object.hasOwn(source, "access_token")) return undefined;
    value = (source as Record<string, unknown>).access_token;
  }
  if (value === undefined) return undefined;
  if (Array.isArray(value)) throw new InvalidRequestError("repeated_parameter", options.realm);
  if (typeof value !== "string") throw new InvalidRequestError("malformed_token", options.realm);
  return checkTokenSyntax(value, options);
}

function queryOf(request: RequestLike): RequestLike["query"] {
  if (typeof request.url !== "string") return request.query;
  const start = request.url.indexOf("?");
  return start === -1 ? null : new URLSearchParams(request.url.slice(start + 1));
}

function isFormBody(request: RequestLike): boolean {
  // RFC 6750 §2.2: only an application/x-www-form-urlencoded body of a non-GET request counts.
  if (request.method === undefined || request.method.toUpperCase() === "GET") return false;
  const type = headerValue(request.headers, "content-type");
  return (
    typeof type === "string" &&
    type.toLowerCase().split(";")[0]?.trim() === "application/x-www-form-urlencoded"
  );
}

/**
 * Returns the one access token of `request` with its scheme, or throws: 401 without an error code
 * when there is none, 400 `invalid_request` when it is empty, malformed, too large, or sent more than
 * once. The form-body and query methods (RFC 6750 §2.2, §2.3) exist for the Bearer scheme only.
 * @example const { token, scheme } = findCredentials({ headers: req.headers }, options);
 */
export function findCredentials(request: RequestLike, options: Options): Credentials {
  if (request === null || typeof request !== "object" || request.headers == null) {
    throw new MissingCredentialsError(options.realm);
  }
  const fromHeader = fromAuthorizationHeader(request, options);
  if (!options.allowFormBodyToken && !options.allowQueryToken) {
    if (fromHeader === undefined) throw new MissingCredentialsError(options.realm);
    return fromHeader;
  }
  const fromBody =
    options.allowFormBodyToken && isFormBody(request) ? parameter(request.body, options) : undefined;
  const fromQuery = options.allowQueryToken ? parameter(queryOf(request), options) : undefined;
  const found = [fromHeader?.token, fromBody, fromQuery].filter((token) => token !== undefined);
  if (found.length > 1) throw new InvalidRequestError("multiple_methods", options.realm);
  if (found.length === 0) throw new MissingCredentialsError(options.realm);
  return fromHeader ?? { token: found[0] as string, scheme: "Bearer" };
}
