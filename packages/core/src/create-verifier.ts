/**
 * createVerifier(): validates the options once, builds one key source per key set, and wires the
 * stages in order: extract → decode → (issuer, header, claims) → find key → verify → binding → scopes,
 * with every failure mapped to a BearerError carrying this verifier's challenges. This is the only file
 * that knows that order; each stage is a function of its inputs and the resolved options.
 *
 * Each step runs synchronously when it can: a cached token, or a token whose keys are cached, is
 * decided without waiting, and only a key fetch (or a check that needs I/O) makes the path async.
 */
import { TokenCache } from "./cache/token-cache.js";
import { type BearerError, InvalidRequestError, InvalidTokenError } from "./errors/bearer-error.js";
import type { Scheme } from "./errors/challenge.js";
import { Introspector, isOpaqueToken } from "./introspection/introspector.js";
import type { FetchJsonOptions } from "./keys/fetch-json.js";
import type { KeyRecord } from "./keys/import-key.js";
import { JwksKeySource, type KeySource, SecretKeySource } from "./keys/key-source.js";
import { resolveOptions } from "./options/resolve-options.js";
import type { ResolvedIssuer, ResolvedOptions } from "./options/resolved-options.js";
import { createOutboundBudget } from "./outbound/budget.js";
import { checkBinding, type SenderChecks } from "./pipeline/binding.js";
import { acceptedUntilMs, checkClaims, readBinding } from "./pipeline/claims.js";
import { type DecodedToken, decodeUntrusted } from "./pipeline/decode.js";
import { findCredentials, isB64Token } from "./pipeline/extract.js";
import { lookUpKeys } from "./pipeline/key-lookup.js";
import { toBearerError } from "./pipeline/map-error.js";
import { assertAnyScope, assertClaims, assertScopes, CHALLENGE_CONTEXT } from "./pipeline/scopes.js";
import { checkHeader, verifySignature } from "./pipeline/verify.js";
import type {
  AuthenticateOptions,
  AuthResult,
  ClaimCheck,
  JWTHeader,
  JWTPayload,
  RequestLike,
  TokenBinding,
  Verifier,
  VerifierOptions,
  VerifierStats,
} from "./types.js";

/** One key source per distinct key set: issuers sharing a `jwksUri` share its cache and fetches. */
function createKeySources(options: ResolvedOptions, fetchOptions: FetchJsonOptions): Map<string, KeySource> {
  const byLocation = new Map<string, KeySource>();
  const byIssuer = new Map<string, KeySource>();
  for (const issuer of options.issuers.values()) {
    const { keys } = issuer;
    if (keys.kind === "secret") {
      const record: KeyRecord = {
        kid: undefined,
        kty: "oct",
        alg: undefined,
        crv: undefined,
        key: keys.secret,
        fingerprint: "secret",
        retired: false,
      };
      byIssuer.set(issuer.issuer, new SecretKeySource(record));
      continue;
    }
    const location = keys.jwksUri ?? `${issuer.issuer}\u0000${keys.metadataUrl ?? ""}`;
    let source = byLocation.get(location);
    if (!source) {
      source = new JwksKeySource({
        issuer: issuer.issuer,
        jwksUri: keys.jwksUri,
        metadataUrl: keys.metadataUrl,
        fetchOptions,
        cooldownMs: options.cooldownMs,
        maxBackoffMs: options.maxBackoffMs,
        maxStaleMs: options.maxStaleMs,
        freshness: options.keyFreshness,
        now: options.now,
        realm: options.realm,
        onKeyError: options.onKeyError,
      });
      byLocation.set(location, source);
    }
    byIssuer.set(issuer.issuer, source);
  }
  return byIssuer;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const member of Object.values(value)) deepFreeze(member);
  }
  return value;
}

/** Either a value now or a promise of it: the verifier's steps stay synchronous while they can. */
type Eventually<T> = T | Promise<T>;

/** A request as the verifier reads it when only a token was given (`verify(token)`). */
const NO_REQUEST: RequestLike = Object.freeze({ headers: Object.freeze({}) });

/**
 * Builds a verifier. Options are validated here, once; a mistake throws a TypeError that names the
 * option and the fix. Build one verifier per configuration at start-up and reuse it: it owns the key
 * caches and the verified-token cache.
 * @example
 * const verifier = createVerifier({ issuer: "https://idp.example.com/realms/prod", audience: "orders-api" });
 * const auth = await verifier.authenticate({ headers: req.headers });
 * verifier.assertScopes(auth, ["orders:read"]);
 */
export function createVerifier(options: VerifierOptions): Verifier {
  const resolved = resolveOptions(options);
  const { realm, challenge, now, clockTolerance, issuers, maxTokenLength } = resolved;
  // One outbound budget per verifier, shared by key fetches and introspection (outbound/budget.ts).
  const budget = createOutboundBudget(resolved.outboundBudget, now);
  const fetchOptions: FetchJsonOptions = {
    fetch: resolved.fetch,
    timeoutMs: resolved.timeoutMs,
    maxResponseBytes: resolved.maxResponseBytes,
    allowInsecureHttp: resolved.allowInsecureHttp,
    budget,
  };
  const sources = createKeySources(resolved, fetchOptions);
  const cache = resolved.tokenCache
    ? new TokenCache(resolved.tokenCache.maxEntries, resolved.tokenCache.maxBytes)
    : undefined;
  const senderChecks: SenderChecks = Object.freeze({
    dpop: undefined,
    mtls: undefined,
    mtlsRequired: false,
    rejectDPoPBoundAsBearer: resolved.rejectDPoPBoundTokens,
  });

  function createAuthResult(
    token: string,
    header: JWTHeader,
    claims: JWTPayload,
    issuer: ResolvedIssuer,
    binding: TokenBinding | undefined,
  ): AuthResult {
    return Object.freeze({
      token,
      header: deepFreeze(header),
      claims: deepFreeze(claims),
      scopes: Object.freeze(issuer.readScopes(claims)),
      issuer: issuer.issuer,
      scheme: binding?.kind === "dpop" ? "DPoP" : "Bearer",
      binding,
      [CHALLENGE_CONTEXT]: challenge,
    });
  }

  const introspection = resolved.introspection;
  const introspector =
    introspection === undefined
      ? undefined
      : new Introspector({
          options: introspection,
          issuer: issuers.get(introspection.issuer) as ResolvedIssuer,
          fetchOptions,
          budget,
          maxBackoffMs: resolved.maxBackoffMs,
          clockTolerance,
          realm,
          now,
          createAuthResult: (token, header, claims, issuer, binding) =>
            Object.freeze({
              ...createAuthResult(token, header, claims, issuer, binding),
              introspected: true,
            }),
        });

  /**
   * Verifies the signature with the candidate keys and admits the result to the cache; a JWT of the
   * issuer that introspects JWTs too is then introspected (and cached by the introspector instead).
   */
  function finish(
    token: string,
    decoded: DecodedToken,
    issuer: ResolvedIssuer,
    binding: TokenBinding | undefined,
    source: KeySource,
    candidates: readonly KeyRecord[],
  ): Eventually<AuthResult> {
    const key = verifySignature(decoded, candidates, realm);
    if (introspector?.jwts && introspector.issuer === issuer.issuer)
      return introspector.introspect(token, decoded.header);
    const auth = createAuthResult(token, decoded.header, decoded.claims, issuer, binding);
    cache?.set(token, {
      auth,
      untilMs: acceptedUntilMs(decoded.claims, issuer, clockTolerance),
      key,
      source,
    });
    return auth;
  }

  /** The token itself, without its sender binding: cache, decode, issuer, header, claims, key, signature. */
  function verifyToken(token: string): Eventually<AuthResult> {
    if (typeof token !== "string" || token === "") throw new InvalidTokenError("malformed", realm);
    if (token.length > maxTokenLength) throw new InvalidRequestError("token_too_large", realm);
    const nowMs = now();
    // RFC 7662: a token that is not a JWS compact JWT is opaque, and only its issuer can judge it.
    if (introspector !== undefined && isOpaqueToken(token)) return introspector.verify(token, nowMs);
    if (cache !== undefined) {
      const hit = cache.get(token, nowMs);
      if (hit !== undefined) {
        hit.source.refreshIfStale(nowMs);
        return hit.auth;
      }
    }
    if (introspector?.jwts) {
      const hit = introspector.lookup(token, nowMs);
      if (hit !== undefined) return hit;
    }
    const decoded = decodeUntrusted(token, realm);
    const iss = decoded.claims.iss;
    // The issuer is matched before anything is fetched: a foreign `iss` causes no network request.
    const issuer = typeof iss === "string" ? issuers.get(iss) : undefined;
    if (issuer === undefined)
      throw new InvalidTokenError(
        iss === undefined || typeof iss === "string" ? "issuer" : "claim_type",
        realm,
      );
    checkHeader(decoded.header, issuer, realm);
    checkClaims(decoded.claims, issuer, nowMs, clockTolerance, realm);
    const binding = readBinding(decoded.claims, realm);
    const source = sources.get(issuer.issuer) as KeySource;
    const candidates = lookUpKeys(source, decoded.header);
    if (candidates instanceof Promise)
      return candidates.then((keys) => finish(token, decoded, issuer, binding, source, keys));
    return finish(token, decoded, issuer, binding, source, candidates);
  }

  /**
   * Maps anything thrown to the BearerError to answer with, carrying this verifier's challenges, the
   * scheme the request used and the scopes the route needs. A token from a request that breaks the
   * b64token grammar is a malformed request (400), not a bad token (RFC 6750 §2.1, §3.1).
   */
  function toError(
    error: unknown,
    token: string | undefined,
    scheme: Scheme | undefined,
    scopes: readonly string[] | undefined,
  ): BearerError {
    const mapped =
      token !== undefined &&
      error instanceof InvalidTokenError &&
      error.reason === "malformed" &&
      typeof token === "string" &&
      !isB64Token(token)
        ? new InvalidRequestError("malformed_token", realm)
        : toBearerError(error, realm);
    return mapped.rechallenge(challenge, scheme, scopes);
  }

  /** The token and its binding; throws or rejects with a BearerError. */
  function verifyBound(
    token: string,
    scheme: Scheme,
    request: RequestLike,
    options: AuthenticateOptions<unknown> | undefined,
    fromRequest: boolean,
  ): Eventually<AuthResult> {
    const scopes = options?.scopes;
    const fail = (error: unknown): never => {
      throw toError(error, fromRequest ? token : undefined, scheme, scopes);
    };
    try {
      const verified = verifyToken(token);
      const bound =
        verified instanceof Promise
          ? verified.then((auth) => checkBinding(auth, scheme, token, request, options, senderChecks))
          : checkBinding(verified, scheme, token, request, options, senderChecks);
      return bound instanceof Promise ? bound.then(undefined, fail) : bound;
    } catch (error) {
      return fail(error);
    }
  }

  function settle(run: () => Eventually<AuthResult>): Promise<AuthResult> {
    try {
      const result = run();
      return result instanceof Promise ? result : Promise.resolve(result);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  return Object.freeze({
    realm,
    challenge,
    verify: (token: string) => settle(() => verifyBound(token, "Bearer", NO_REQUEST, undefined, false)),
    stats(): VerifierStats {
      return {
        cachedTokens: cache?.size ?? 0,
        cachedTokenBytes: cache?.byteSize ?? 0,
        cacheHits: cache?.hits ?? 0,
      };
    },
    authenticate<R extends RequestLike | Request>(
      request: R,
      options?: AuthenticateOptions<R>,
    ): Promise<AuthResult> {
      return settle(() => {
        const like = request as RequestLike;
        let credentials: ReturnType<typeof findCredentials>;
        try {
          credentials = findCredentials(like, resolved);
        } catch (error) {
          throw toError(error, undefined, undefined, options?.scopes);
        }
        return verifyBound(
          credentials.token,
          credentials.scheme,
          like,
          options as AuthenticateOptions<unknown> | undefined,
          true,
        );
      });
    },
    assertScopes(auth: AuthResult, scopes: readonly string[]): void {
      assertScopes(auth, scopes, challenge);
    },
    assertAnyScope(auth: AuthResult, scopes: readonly string[]): void {
      assertAnyScope(auth, scopes, challenge);
    },
    assertClaims(auth: AuthResult, check: ClaimCheck): void {
      assertClaims(auth, check, challenge);
    },
    async warmup(): Promise<void> {
      const failures: string[] = [];
      const unique = new Map<KeySource, string>();
      for (const [issuer, source] of sources) if (!unique.has(source)) unique.set(source, issuer);
      const loads: [{ warmup(): Promise<void> }, string][] = [...unique];
      if (introspector !== undefined) loads.push([introspector, `${introspector.issuer} (introspection)`]);
      await Promise.all(
        loads.map(async ([source, issuer]) => {
          try {
            await source.warmup();
          } catch (error) {
            const reason = error instanceof Error && "reason" in error ? String(error.reason) : String(error);
            failures.push(`issuer "${issuer}": ${reason}`);
          }
        }),
      );
      if (failures.length > 0)
        throw new Error(`resource-guard: could not load signing keys — ${failures.join("; ")}`);
    },
  });
}
