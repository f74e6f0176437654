/**
 * Serialises the `WWW-Authenticate: Bearer …` challenge of RFC 6750 §3. This is the only place that
 * builds that header, so every error, whatever adapter sends it, has the same bytes.
 */

export interface ChallengeParams {
  realm?: string | undefined;
  error?: string | undefined;
  errorDescription?: string | undefined;
  scope?: string | undefined;
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

/**
 * Builds the header value, e.g. `Bearer realm="api", error="invalid_token", error_description="Token expired"`.
 * Callers pass only fixed texts and validated scope tokens; the charset is asserted anyway so a
 * mistake fails loudly in tests rather than producing a header a client cannot parse.
 */
export function formatChallenge(params: ChallengeParams): string {
  const parts: string[] = [];
  if (params.realm !== undefined) parts.push(`realm=${quote(params.realm)}`);
  for (const [name, value] of [
    ["error", params.error],
    ["error_description", params.errorDescription],
    ["scope", params.scope],
  ] as const) {
    if (value === undefined) continue;
    if (!DESCRIPTION_CHARSET.test(value))
      throw new TypeError(`resource-guard: ${name} holds characters RFC 6750 §3 forbids`);
    parts.push(`${name}=${quote(value)}`);
  }
  return parts.length === 0 ? "Bearer" : `Bearer ${parts.join(", ")}`;
}
