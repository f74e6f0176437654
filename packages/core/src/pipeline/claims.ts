/**
 * Stage 5 of 8: claims (RFC 7519 §4.1, RFC 9068 §4). The static checks run before the signature
 * check, on claims that are not trusted yet: they only ever reject, so an unsigned token learns
 * nothing it could not guess, and an expired or foreign token costs no key lookup and no crypto.
 * The user's own `requiredClaims` functions run only after the signature has verified
 * (checkClaimPredicates), so attacker-chosen claims of a forged token never reach user code (a
 * database lookup in a predicate cannot be driven by forgeries).
 */
import {
  InvalidTokenError,
  type InvalidTokenReason,
  ServiceUnavailableError,
} from "../errors/bearer-error.js";
import type { ClaimTest, ResolvedIssuer } from "../options/resolved-options.js";
import type { ClaimPrimitive, ClaimRule, JWTPayload, TokenBinding } from "../types.js";

const CLIENT_CLAIMS = ["client_id", "azp", "cid", "appid"] as const;

function isPrimitive(value: unknown): value is ClaimPrimitive {
  return typeof value === "string" || typeof value === "number" || typeof value === "boolean";
}

function isNumber(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value);
}

/**
 * The first moment (ms since the epoch) at which a fresh verification would call these claims expired
 * or too old. The token cache stores it, so a cached token is never accepted for longer than a fresh
 * verification would accept it.
 */
export function acceptedUntilMs(
  claims: Readonly<JWTPayload>,
  issuer: ResolvedIssuer,
  toleranceSeconds: number,
): number {
  let until = ((claims.exp as number) + toleranceSeconds) * 1000;
  if (issuer.maxTokenAge !== undefined) {
    until = Math.min(until, ((claims.iat as number) + issuer.maxTokenAge + toleranceSeconds) * 1000);
  }
  return until;
}

/** Compiles one static `requiredClaims` rule into a test, once, at construction (functions are kept apart). */
export function compileClaimRule(name: string, rule: ClaimRule): ClaimTest {
  if (rule === true) return (value) => value !== undefined;
  if (isPrimitive(rule)) return (value) => value === rule;
  if (Array.isArray(rule)) {
    const accepted = new Set<unknown>(rule);
    return (value) => isPrimitive(value) && accepted.has(value);
  }
  if (rule !== null && typeof rule === "object" && "includes" in rule) {
    const wanted = Array.isArray(rule.includes) ? rule.includes : [rule.includes];
    return (value) => {
      // A string claim is read as a space-delimited list, as `scope` is (RFC 6749 §3.3).
      const held: unknown[] =
        typeof value === "string" ? value.split(" ") : Array.isArray(value) ? value : [];
      return wanted.every((w) => held.includes(w));
    };
  }
  throw new TypeError(
    `resource-guard: "requiredClaims.${name}" must be true, a string/number/boolean, an array of them, { includes }, or a function`,
  );
}

function fail(reason: InvalidTokenReason, realm: string | undefined, cause?: unknown): never {
  throw new InvalidTokenError(reason, realm, cause);
}

function checkAudience(aud: unknown, accepted: ReadonlySet<string>, realm: string | undefined): void {
  if (typeof aud === "string") {
    if (accepted.has(aud)) return;
  } else if (Array.isArray(aud)) {
    // RFC 7519 §4.1.3: an array of StringOrURI values; any other member makes the claim malformed.
    let found = false;
    for (const value of aud) {
      if (typeof value !== "string") fail("claim_type", realm);
      if (accepted.has(value)) found = true;
    }
    if (found) return;
  } else if (aud !== undefined) {
    fail("claim_type", realm);
  }
  fail("audience", realm);
}

function checkClient(
  claims: Readonly<JWTPayload>,
  allowed: ReadonlySet<string>,
  realm: string | undefined,
): void {
  for (const name of CLIENT_CLAIMS) {
    if (!Object.hasOwn(claims, name)) continue;
    const value = claims[name];
    if (typeof value === "string" && allowed.has(value)) return;
    break;
  }
  fail("client", realm);
}

function isStringArray(value: unknown): boolean {
  return Array.isArray(value) && value.every((item) => typeof item === "string");
}

/**
 * RFC 7519 §4.1 (`sub`, `jti`), RFC 8693 §4.2 and RFC 9068 §2.2 (`scope`, `client_id`): string claims;
 * `scp` (Okta, Entra) is a string or an array of strings. Anything else is a malformed token, so a
 * scope can never be granted through an object's member names or a nested array.
 */
function hasRegisteredTypes(claims: Readonly<JWTPayload>): boolean {
  const { sub, jti, scope, scp, client_id: clientId } = claims;
  return (
    (sub === undefined || typeof sub === "string") &&
    (jti === undefined || typeof jti === "string") &&
    (clientId === undefined || typeof clientId === "string") &&
    (scope === undefined || typeof scope === "string") &&
    (scp === undefined || typeof scp === "string" || isStringArray(scp))
  );
}

/**
 * Checks time claims, audience, client and claim rules of `claims` for `issuer` at `nowMs`.
 * `iss` was matched already (it chose `issuer`). Throws InvalidTokenError.
 */
export function checkClaims(
  claims: Readonly<JWTPayload>,
  issuer: ResolvedIssuer,
  nowMs: number,
  toleranceSeconds: number,
  realm: string | undefined,
): void {
  const now = nowMs / 1000;
  const { exp, nbf, iat } = claims;
  if (exp === undefined) fail("missing_exp", realm);
  if (!isNumber(exp) || (nbf !== undefined && !isNumber(nbf)) || (iat !== undefined && !isNumber(iat))) {
    fail("claim_type", realm);
  }
  // RFC 7519 §4.1.4: the current time MUST be before `exp`.
  if (now >= exp + toleranceSeconds) fail("expired", realm);
  if (nbf !== undefined && now + toleranceSeconds < nbf) fail("not_yet_valid", realm);
  if (iat !== undefined && iat > now + toleranceSeconds) fail("issued_in_future", realm);
  if (issuer.maxTokenAge !== undefined) {
    if (iat === undefined) fail("missing_iat", realm);
    if (now - iat > issuer.maxTokenAge + toleranceSeconds) fail("too_old", realm);
  }
  if (!hasRegisteredTypes(claims)) fail("claim_type", realm);
  if (issuer.audience !== false) checkAudience(claims.aud, issuer.audience, realm);
  else if (claims.aud !== undefined && typeof claims.aud !== "string" && !Array.isArray(claims.aud)) {
    fail("claim_type", realm);
  }
  if (issuer.allowedClients !== undefined) checkClient(claims, issuer.allowedClients, realm);
  for (const [name, test] of issuer.requiredClaims) {
    const value = Object.hasOwn(claims, name) ? claims[name] : undefined;
    if (test(value, claims) !== true) fail("claim_rule", realm);
  }
}

function claimCheckUnavailable(reason: string, cause?: unknown): ServiceUnavailableError {
  return new ServiceUnavailableError(
    "A claim check could not be completed; try again later",
    reason,
    1,
    cause,
    reason === "claim_check_timeout"
      ? "a requiredClaims function did not settle within timeoutMs"
      : "a requiredClaims function rejected",
  );
}

/** The `then` of a thenable, or undefined (a `then` getter that throws is caught by the caller). */
function thenOf(value: unknown): ((...args: unknown[]) => unknown) | undefined {
  if (value === null || (typeof value !== "object" && typeof value !== "function")) return undefined;
  const then = (value as { then?: unknown }).then;
  return typeof then === "function" ? (then as (...args: unknown[]) => unknown) : undefined;
}

/** Waits for a predicate's promise, at most `timeoutMs`; a rejection or a timeout becomes a 503. */
function awaitPredicate(result: unknown, then: (...args: unknown[]) => unknown, timeoutMs: number) {
  return new Promise<unknown>((resolve, reject) => {
    const timer = setTimeout(() => reject(claimCheckUnavailable("claim_check_timeout")), timeoutMs);
    timer.unref?.();
    const failed = (error: unknown) => {
      clearTimeout(timer);
      reject(claimCheckUnavailable("claim_check_failed", error));
    };
    try {
      then.call(
        result,
        (value: unknown) => {
          clearTimeout(timer);
          resolve(value);
        },
        failed,
      );
    } catch (error) {
      failed(error);
    }
  });
}

/**
 * Runs the user's `requiredClaims` functions, in order, on the claims of a token whose signature has
 * verified. Synchronous while every function answers synchronously; a returned promise is awaited
 * (at most `timeoutMs`) before the next function runs. A throw or any answer but `true` is 401
 * `claim_rule`; a rejected or unsettled promise is 503, since the check could not be made, which says
 * nothing about the token.
 */
export function checkClaimPredicates(
  claims: Readonly<JWTPayload>,
  issuer: ResolvedIssuer,
  realm: string | undefined,
  timeoutMs: number,
  from = 0,
): void | Promise<void> {
  const predicates = issuer.claimPredicates;
  for (let i = from; i < predicates.length; i++) {
    const [name, test] = predicates[i] as (typeof predicates)[number];
    const value = Object.hasOwn(claims, name) ? claims[name] : undefined;
    let result: unknown;
    let then: ((...args: unknown[]) => unknown) | undefined;
    try {
      result = test(value, claims);
      then = thenOf(result);
    } catch (error) {
      // A function that throws refuses the token, never a 500.
      fail("claim_rule", realm, error);
    }
    if (then !== undefined) {
      return awaitPredicate(result, then, timeoutMs).then((answer) => {
        if (answer !== true) fail("claim_rule", realm);
        return checkClaimPredicates(claims, issuer, realm, timeoutMs, i + 1);
      });
    }
    if (result !== true) fail("claim_rule", realm);
  }
}

/**
 * RFC 7800 §3.1 `cnf`, RFC 9449 §6.1 `jkt`, RFC 8705 §3.1 `x5t#S256`: what binds the token to its
 * sender. A binding member of the wrong type makes the token malformed rather than unbound, so a
 * binding can never be dropped by sending it in a shape we do not read.
 */
export function readBinding(
  claims: Readonly<JWTPayload>,
  realm: string | undefined,
): TokenBinding | undefined {
  const cnf = claims.cnf;
  if (cnf === undefined) return undefined;
  if (cnf === null || typeof cnf !== "object" || Array.isArray(cnf)) fail("claim_type", realm);
  const jkt = Object.hasOwn(cnf, "jkt") ? (cnf as Record<string, unknown>).jkt : undefined;
  const x5t = Object.hasOwn(cnf, "x5t#S256") ? (cnf as Record<string, unknown>)["x5t#S256"] : undefined;
  if ((jkt !== undefined && !isNonEmptyString(jkt)) || (x5t !== undefined && !isNonEmptyString(x5t)))
    fail("claim_type", realm);
  if (jkt !== undefined) return Object.freeze({ kind: "dpop", jkt: jkt as string });
  if (x5t !== undefined) return Object.freeze({ kind: "mtls", x5t: x5t as string });
  return undefined;
}

function isNonEmptyString(value: unknown): boolean {
  return typeof value === "string" && value.length > 0;
}
