/**
 * The members of `resourceMetadata` (RFC 9728 §2), checked once at construction. The members the
 * verifier derives from its own configuration (the resource, the issuers, the bearer methods, the
 * sender-constraint members) cannot be set, because a document that disagreed with the verifier would
 * send clients for tokens it then refuses. Every other member named in RFC 9728 §2 is checked against
 * the type that section gives it (§2.1 language-tagged variants of the human-readable ones too);
 * members of other names pass through if they are plain JSON.
 */
import { isScopeToken } from "../errors/challenge.js";
import { whyUrlIsRefused } from "../keys/url-policy.js";

function fail(message: string): never {
  throw new TypeError(`resource-guard: ${message}`);
}

/** Members the verifier derives itself, with what decides each. */
const DERIVED: Readonly<Record<string, string>> = {
  resource: 'it is always the "resource" option',
  authorization_servers: 'it always lists the configured issuers ("issuer" / "issuers")',
  bearer_methods_supported: 'it follows "allowFormBodyToken" and "allowQueryToken"',
  dpop_signing_alg_values_supported: "it follows the verifier's DPoP settings",
  dpop_bound_access_tokens_required: "it follows the verifier's DPoP settings",
  tls_client_certificate_bound_access_tokens: "it follows the verifier's mTLS settings",
};

type MemberCheck = (value: unknown, name: string, allowInsecureHttp: boolean) => void;

const httpsUrl: MemberCheck = (value, name, allowInsecureHttp) => {
  if (typeof value !== "string" || value === "") fail(`"resourceMetadata.${name}" must be an https: URL`);
  const why = whyUrlIsRefused(value, allowInsecureHttp);
  if (why) fail(`"resourceMetadata.${name}" (${value}) ${why}`);
};

const pageUrl: MemberCheck = (value, name) => {
  let parsed: URL | undefined;
  try {
    parsed = typeof value === "string" ? new URL(value) : undefined;
  } catch {
    parsed = undefined;
  }
  if (parsed?.protocol !== "https:" && parsed?.protocol !== "http:")
    fail(
      `"resourceMetadata.${name}" must be the absolute http(s) URL of a page, such as "https://example.com/docs"`,
    );
};

const text: MemberCheck = (value, name) => {
  if (typeof value !== "string" || value === "")
    fail(`"resourceMetadata.${name}" must be a non-empty string`);
};

function list(check: (item: string) => boolean, what: string): MemberCheck {
  return (value, name) => {
    if (!Array.isArray(value)) fail(`"resourceMetadata.${name}" must be an array of ${what}`);
    if (value.length === 0)
      fail(`"resourceMetadata.${name}" must not be empty; leave it out instead (RFC 9728 §3.2)`);
    for (const item of value)
      if (typeof item !== "string" || !check(item))
        fail(
          `"resourceMetadata.${name}" must be an array of ${what}; got ${JSON.stringify(item) ?? String(item)}`,
        );
  };
}

const jwt: MemberCheck = (value, name) => {
  if (typeof value !== "string" || !/^[\w-]+\.[\w-]+\.[\w-]*$/.test(value))
    fail(`"resourceMetadata.${name}" must be a JWT in compact form (RFC 9728 §2.1)`);
};

/** RFC 9728 §2: the type of each member a user may set. */
const MEMBER_CHECKS: Readonly<Record<string, MemberCheck>> = {
  jwks_uri: httpsUrl,
  scopes_supported: list(
    isScopeToken,
    "scopes (RFC 6749 §3.3 scope-tokens: no spaces, quotes or backslashes)",
  ),
  resource_signing_alg_values_supported: list(
    (alg) => alg !== "" && alg.toLowerCase() !== "none",
    'JWS algorithm names other than "none"',
  ),
  resource_name: text,
  resource_documentation: pageUrl,
  resource_policy_uri: pageUrl,
  resource_tos_uri: pageUrl,
  authorization_details_types_supported: list((type) => type !== "", "non-empty strings"),
  signed_metadata: jwt,
};

/** RFC 9728 §2.1: human-readable members may carry a BCP 47 tag after `#`. */
const TAGGABLE = new Set([
  "resource_name",
  "resource_documentation",
  "resource_policy_uri",
  "resource_tos_uri",
]);
const LANGUAGE_TAG = /^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$/;

/** True for values JSON.stringify writes back unchanged: no functions, undefined, NaN, cycles or class instances. */
function isPlainJson(value: unknown, depth = 0): boolean {
  if (depth > 32) return false;
  if (value === null || typeof value === "string" || typeof value === "boolean") return true;
  if (typeof value === "number") return Number.isFinite(value);
  if (Array.isArray(value)) return value.every((item) => isPlainJson(item, depth + 1));
  if (typeof value !== "object") return false;
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return false;
  return Object.values(value).every((item) => isPlainJson(item, depth + 1));
}

/**
 * Throws a TypeError naming the fix unless `value` may stand as member `name` of the document.
 * @example checkResourceMetadataMember("scopes_supported", ["orders:read"], false);
 */
export function checkResourceMetadataMember(name: string, value: unknown, allowInsecureHttp: boolean): void {
  const derived = DERIVED[name];
  if (derived !== undefined) fail(`"resourceMetadata.${name}" cannot be set: ${derived}`);
  const hash = name.indexOf("#");
  const base = hash === -1 ? name : name.slice(0, hash);
  if (hash !== -1 && TAGGABLE.has(base) && !LANGUAGE_TAG.test(name.slice(hash + 1)))
    fail(`"resourceMetadata.${name}" has a malformed language tag; write it as "${base}#fr" (BCP 47)`);
  const check = hash === -1 || TAGGABLE.has(base) ? MEMBER_CHECKS[base] : undefined;
  if (check !== undefined) check(value, name, allowInsecureHttp);
  else if (!isPlainJson(value))
    fail(
      `"resourceMetadata.${name}" must be plain JSON (strings, finite numbers, booleans, null, arrays, objects)`,
    );
}
