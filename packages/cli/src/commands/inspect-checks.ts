/**
 * The checks `inspect` reports, which of core's refusal reasons (the `reason` of its errors, see
 * INVALID_TOKEN_DESCRIPTIONS) belong to each, and what to change when one fails. The verdicts are
 * core's; this table only names them and says what to do about them.
 */

export type CheckName =
  | "format"
  | "issuer"
  | "algorithm"
  | "keys"
  | "key"
  | "signature"
  | "expiry"
  | "not-before"
  | "issued-at"
  | "audience"
  | "claims"
  | "bearer"
  | "scopes";

export interface CheckDefinition {
  name: CheckName;
  /** What a pass means, in a few words. */
  passes: string;
  reasons: readonly string[];
}

export const CHECKS: readonly CheckDefinition[] = [
  {
    name: "format",
    passes: "a signed JWT (JWS compact) with JSON header and claims",
    reasons: ["malformed", "duplicate_member", "claim_type", "critical_header", "typ", "token_too_large"],
  },
  { name: "issuer", passes: '"iss" is the configured issuer', reasons: ["issuer"] },
  { name: "algorithm", passes: "the algorithm is accepted", reasons: ["algorithm"] },
  { name: "keys", passes: "the issuer's signing keys were fetched", reasons: [] },
  {
    name: "key",
    passes: "the key set holds the token's signing key",
    reasons: ["unknown_key", "key_mismatch"],
  },
  { name: "signature", passes: "the signature is valid", reasons: ["signature"] },
  { name: "expiry", passes: '"exp" is in the future', reasons: ["expired", "missing_exp"] },
  { name: "not-before", passes: '"nbf" has passed, or there is none', reasons: ["not_yet_valid"] },
  {
    name: "issued-at",
    passes: '"iat" is not in the future',
    reasons: ["issued_in_future", "too_old", "missing_iat"],
  },
  { name: "audience", passes: '"aud" holds a configured audience', reasons: ["audience"] },
  {
    name: "claims",
    passes: "the claim rules hold",
    reasons: ["claim_rule", "client", "revoked", "inactive"],
  },
  {
    name: "bearer",
    passes: "not bound to a key, so usable as a bearer token",
    reasons: [
      "sender_constrained",
      "certificate_required",
      "certificate_mismatch",
      "certificate_unusable",
      "not_dpop_bound",
      "unbound_token",
    ],
  },
  { name: "scopes", passes: "the token holds every scope asked for", reasons: ["insufficient_scope"] },
];

/**
 * What a refusal at one check proves about the others, whatever the order of core's stages: a token is
 * decoded before its issuer is matched, the issuer is matched before its keys are looked up, and the
 * algorithm and the key are checked before the signature; claims are read from a token whose header
 * (algorithm included) was already accepted.
 */
const CLAIM_STAGE: readonly CheckName[] = ["format", "issuer", "algorithm"];
export const PROVEN_BY: Readonly<Partial<Record<CheckName, readonly CheckName[]>>> = {
  format: [],
  issuer: ["format"],
  algorithm: ["format", "issuer"],
  keys: ["format", "issuer"],
  key: ["format", "issuer"],
  signature: ["format", "issuer", "algorithm", "key"],
  expiry: CLAIM_STAGE,
  "not-before": CLAIM_STAGE,
  "issued-at": CLAIM_STAGE,
  audience: CLAIM_STAGE,
  claims: CLAIM_STAGE,
  bearer: CLAIM_STAGE,
};

export function checkOfReason(reason: string): CheckName | undefined {
  return CHECKS.find((check) => check.reasons.includes(reason))?.name;
}

const CLOCK =
  "the clocks of this machine and the identity provider disagree: fix the clock (NTP); raise clockTolerance (default 5 s) only as a stopgap";

/** What to change, by core's reason code. */
export const FIXES: Readonly<Record<string, string>> = {
  malformed:
    "this is not a signed JWT (three base64url parts). If your provider issues opaque tokens, make it issue JWT access tokens (Auth0: request an audience) or use introspection",
  duplicate_member:
    "the token repeats a JSON member name, which verifiers may read differently; the provider must fix its tokens",
  claim_type:
    "a registered claim (exp, nbf, iat, iss, aud) has the wrong JSON type; the provider must fix its tokens",
  critical_header: 'the token lists a header in "crit" that resource-guard does not implement',
  typ: 'set "typ" to the header typ your provider uses (RFC 9068 tokens say at+jwt), or remove the option',
  issuer:
    'set "issuer" to the token\'s "iss" exactly, character for character (a trailing slash counts), if that issuer is yours',
  algorithm:
    'the token\'s "alg" is not in "algorithms" (default: RS*, PS*, ES*, EdDSA). HS* tokens need the issuer\'s "secret"; "none" is never accepted',
  unknown_key:
    'the issuer\'s key set has no key with this "kid": the token comes from another environment or tenant, or "jwksUri" points at another key set',
  key_mismatch:
    'the key with this "kid" does not fit the token\'s "alg" (its kty, alg or use differ); the provider\'s key set is inconsistent',
  signature:
    "the signature does not match the issuer's key: the token was altered, or signed by another environment's key under the same kid",
  expired: `get a new token; if fresh tokens fail too, ${CLOCK}`,
  token_too_large: 'the token is longer than "maxTokenLength" (default 16384 characters)',
  missing_exp: 'resource-guard requires "exp"; configure the provider to give access tokens a lifetime',
  not_yet_valid: `the token's "nbf" is still ahead: ${CLOCK}`,
  issued_in_future: `the token's "iat" is ahead of this machine's clock: ${CLOCK}`,
  too_old: 'the token is older than "maxTokenAge"; get a new token or raise maxTokenAge',
  missing_iat: '"maxTokenAge" needs "iat", which this token lacks',
  audience:
    'set "audience" to the value your provider puts in "aud" for this API (Keycloak: an Audience mapper; Auth0: the API identifier; Entra v2: the application id)',
  claim_rule: 'a claim does not satisfy "requiredClaims"',
  client: 'the token\'s client (client_id, azp) is not in "allowedClients"',
  sender_constrained:
    'the token is bound to a DPoP key (cnf.jkt): send it with "Authorization: DPoP" and a DPoP proof, not as a bearer token',
  certificate_required:
    'the token is bound to a client certificate (cnf "x5t#S256", RFC 8705): it is accepted only over mutual TLS with that certificate, which inspect cannot present',
  certificate_mismatch: "the token is bound to another client certificate than the one presented",
  certificate_unusable: "the client certificate presented cannot be read",
  not_dpop_bound: 'a token sent with the DPoP scheme must carry "cnf.jkt"; send unbound tokens as Bearer',
  unbound_token: "this API requires sender-constrained tokens (DPoP or mTLS); have the provider bind them",
  revoked: 'the "isRevoked" hook reported the token revoked',
  inactive: "the introspection endpoint reports the token inactive (expired, revoked or unknown)",
  insufficient_scope:
    'request the missing scopes when getting the token, and grant them to the client at the provider; if your provider puts scopes elsewhere (roles, permissions), set "scopeClaims"',
  keys_unavailable:
    'check the issuer URL and that this machine can reach it; if the provider publishes no metadata, set "jwksUri"',
};
