/**
 * createVerifier(): validates the options once, builds one key source per key set, and wires the
 * stages in order: extract → decode → (issuer, header, claims) → find key → verify → binding → scopes,
 * with every failure mapped to a BearerError carrying this verifier's challenges. This is the only file
 * that knows that order; each stage is a function of its inputs and the resolved options.
 *
 * Each step runs synchronously when it can: a cached token, or a token whose keys are cached, is
 * decided without waiting, and only a key fetch (or a check that needs I/O) makes the path async.
 * Ahead of the stages, a plain Bearer request whose token is cached and unbound is answered from the
 * cache at once (pipeline/cached-bearer.ts), where the options let that give the stages' answer.
 */
import { TokenCache } from "./cache/token-cache.js";
import { createDPoPCheck } from "./dpop/check-proof.js";
import {
  type BearerError,
  InvalidRequestError,
  InvalidTokenError,
  MissingCredentialsError,
} from "./errors/bearer-error.js";
import type { Scheme } from "./errors/challenge.js";
import { Introspector, isOpaqueToken } from "./introspection/introspector.js";
import type { FetchJsonOptions } from "./keys/fetch-json.js";
import type { KeyRecord } from "./keys/import-key.js";
import { JwksKeySource, type KeySource, SecretKeySource } from "./keys/key-source.js";
import { StaticKeySource } from "./keys/static-key-source.js";
import { createSteadyClock } from "./keys/steady-clock.js";
import { buildResourceMetadata } from "./metadata/protected-resource.js";
import { createMtlsCheck } from "./mtls/check-certificate.js";
import { isVerificationObserved, type VerificationEvent } from "./observe/channels.js";
import { observeVerification } from "./observe/observe-verification.js";
import { resolveOptions } from "./options/resolve-options.js";
import type { ResolvedIssuer, ResolvedOptions } from "./options/resolved-options.js";
import { createOutboundBudget } from "./outbound/budget.js";
import { checkBinding, type SenderChecks } from "./pipeline/binding.js";
import { cachedBearer, usesCachedBearer } from "./pipeline/cached-bearer.js";
import { acceptedUntilMs, checkClaimPredicates, checkClaims, readBinding } from "./pipeline/claims.js";
import { type DecodedToken, decodeUntrusted, deepFreeze } from "./pipeline/decode.js";
import { findCredentials, isB64Token } from "./pipeline/extract.js";
import { lookUpKeys } from "./pipeline/key-lookup.js";
import { toBearerError } from "./pipeline/map-error.js";
import { checkRevocation } from "./pipeline/revocation.js";
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
  // One steady clock for every key set of this verifier: intervals never follow wall-clock steps.
  const clock = createSteadyClock(options.monotonicNow);
  const limits = Object.freeze({ maxRsaModulusBits: options.maxRsaModulusBits });
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
    if (keys.kind === "static") {
      byIssuer.set(issuer.issuer, new StaticKeySource(keys.jwks, options.realm, limits));
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
        limits,
        clock,
        realm: options.realm,
        onKeyError: options.onKeyError,
      });
      byLocation.set(location, source);
    }
    byIssuer.set(issuer.issuer, source);
  }
  return byIssuer;
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
  const { realm, challenge, now, clockTolerance, issuers, maxTokenLength, isRevoked } = resolved;
  // One outbound budget per verifier, shared by key fetches and introspection (outbound/budget.ts).
  const budget = createOutboundBudget(resolved.outboundBudget, now);
  const fetchOptions: FetchJsonOptions = {
    fetch: resolved.fetch,
    timeoutMs: resolved.timeoutMs,
    maxResponseBytes: resolved.maxResponseBytes,
    allowInsecureHttp: resolved.allowInsecureHttp,
    budget,
    now,
    closeConnection: true,
  };
  const sources = createKeySources(resolved, fetchOptions);
  const resourceMetadata = buildResourceMetadata(resolved, { dpop: resolved.dpop, mtls: resolved.mtls });
  const cache = resolved.tokenCache
    ? new TokenCache(resolved.tokenCache.maxEntries, resolved.tokenCache.maxBytes)
    : undefined;
  const senderChecks: SenderChecks = Object.freeze({
    dpop: resolved.dpop === undefined ? undefined : createDPoPCheck(resolved.dpop, resolved),
    mtls: resolved.mtls === undefined ? undefined : createMtlsCheck(resolved.mtls),
    mtlsRequired: resolved.mtls?.required ?? false,
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
   * Verifies the signature with the candidate keys, then runs the user's claim functions on the
   * verified (and frozen) claims, and admits the result to the cache: claim functions run once per
   * token, never on a forgery, and never again for a cached hit. A JWT of the issuer that introspects
   * JWTs too is then introspected (and cached by the introspector instead).
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
    const admit = (): AuthResult => {
      cache?.offer(token, auth, acceptedUntilMs(decoded.claims, issuer, clockTolerance), key, source);
      return auth;
    };
    if (issuer.claimPredicates.length === 0) return admit();
    const checked = checkClaimPredicates(auth.claims, issuer, realm, resolved.timeoutMs);
    return checked instanceof Promise ? checked.then(admit) : admit();
  }

  /** The token itself, without its sender binding: cache, decode, issuer, header, claims, key, signature. */
  function verifyToken(token: string, event: VerificationEvent | undefined): Eventually<AuthResult> {
    if (typeof token !== "string" || token === "") throw new InvalidTokenError("malformed", realm);
    if (token.length > maxTokenLength) throw new InvalidRequestError("token_too_large", realm);
    const nowMs = now();
    // RFC 7662: a token that is not a JWS compact JWT is opaque, and only its issuer can judge it.
    if (introspector !== undefined && isOpaqueToken(token)) return introspector.verify(token, nowMs);
    if (cache !== undefined) {
      const hit = cache.serve(token, nowMs);
      if (hit !== undefined) {
        if (event !== undefined) event.cached = true;
        return hit;
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
    if (event !== undefined) event.issuer = issuer.issuer;
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
        : toBearerError(error, resolved.onError);
    return mapped.rechallenge(challenge, scheme, scopes);
  }

  /** The token and its binding; throws or rejects with a BearerError. */
  function verifyBound(
    token: string,
    scheme: Scheme,
    request: RequestLike,
    options: AuthenticateOptions<unknown> | undefined,
    fromRequest: boolean,
    event: VerificationEvent | undefined,
  ): Eventually<AuthResult> {
    if (event !== undefined) event.scheme = scheme;
    // No closure is made on the synchronous path: a cached token costs no allocation here.
    try {
      const verified = verifyToken(token, event);
      let result =
        verified instanceof Promise
          ? verified.then((auth) => checkBinding(auth, scheme, token, request, options, senderChecks))
          : checkBinding(verified, scheme, token, request, options, senderChecks);
      if (isRevoked !== undefined) {
        result =
          result instanceof Promise
            ? result.then((auth) => checkRevocation(auth, isRevoked))
            : checkRevocation(result, isRevoked);
      }
      if (!(result instanceof Promise)) return result;
      return result.then(undefined, (error: unknown) => {
        throw toError(error, fromRequest ? token : undefined, scheme, options?.scopes);
      });
    } catch (error) {
      throw toError(error, fromRequest ? token : undefined, scheme, options?.scopes);
    }
  }

  /** Finds the credentials of a request and verifies them; `undefined` for optional, absent credentials. */
  function authenticateRequest(
    request: RequestLike,
    options: AuthenticateOptions<unknown> | undefined,
    event: VerificationEvent | undefined,
  ): Eventually<AuthResult> {
    let credentials: ReturnType<typeof findCredentials>;
    try {
      credentials = findCredentials(request, resolved);
    } catch (error) {
      // Optional authentication: no credentials at all pass without a result; bad ones still fail.
      if (options?.credentialsRequired === false && error instanceof MissingCredentialsError)
        return undefined as unknown as AuthResult;
      throw toError(error, undefined, undefined, options?.scopes);
    }
    return verifyBound(credentials.token, credentials.scheme, request, options, true, event);
  }

  // The cache when a plain Bearer request's cached token can be answered before the stages run
  // (pipeline/cached-bearer.ts says when that gives the same answer as the whole pipeline).
  const shortcut =
    cache !== undefined && usesCachedBearer(resolved, introspector !== undefined, senderChecks)
      ? cache
      : undefined;

  /** A request's verification: its cached AuthResult when the shortcut has one, else the pipeline. */
  function authenticateUnobserved(
    request: RequestLike,
    options: AuthenticateOptions<unknown> | undefined,
  ): Eventually<AuthResult> {
    if (shortcut !== undefined) {
      const hit = cachedBearer(request, shortcut, now());
      if (hit !== undefined) return hit;
    }
    return authenticateRequest(request, options, undefined);
  }

  /**
   * Runs a verification observed on the diagnostics channels (only while anyone listens): published,
   * and traced when anyone traces. Synchronous as long as nobody traces and the answer is at hand.
   */
  function observed(
    verification: (event: VerificationEvent) => Eventually<AuthResult>,
  ): Eventually<AuthResult> {
    const event: VerificationEvent = {};
    return observeVerification(event, () => verification(event)) as Eventually<AuthResult>;
  }

  function authenticate<R extends RequestLike | Request>(
    request: R,
    options?: AuthenticateOptions<R>,
  ): Promise<AuthResult> {
    const like = request as RequestLike;
    const opts = options as AuthenticateOptions<unknown> | undefined;
    let result: Eventually<AuthResult>;
    try {
      result = isVerificationObserved()
        ? observed((event) => authenticateRequest(like, opts, event))
        : authenticateUnobserved(like, opts);
    } catch (error) {
      return Promise.reject(error);
    }
    return result instanceof Promise ? result : Promise.resolve(result);
  }

  /** A promise of a value that may already be there. */
  function settle(result: Eventually<AuthResult>): Promise<AuthResult> {
    return result instanceof Promise ? result : Promise.resolve(result);
  }

  return Object.freeze<Verifier>({
    realm,
    challenge,
    resourceMetadata,
    verify(token: string): Promise<AuthResult> {
      try {
        return settle(
          isVerificationObserved()
            ? observed((event) => verifyBound(token, "Bearer", NO_REQUEST, undefined, false, event))
            : verifyBound(token, "Bearer", NO_REQUEST, undefined, false, undefined),
        );
      } catch (error) {
        return Promise.reject(error);
      }
    },
    stats(): VerifierStats {
      return {
        cachedTokens: cache?.size ?? 0,
        cachedTokenBytes: cache?.byteSize ?? 0,
        cacheHits: cache?.hits ?? 0,
      };
    },
    authenticate,
    authenticateMaybeSync<R extends RequestLike | Request>(
      request: R,
      options?: AuthenticateOptions<R>,
    ): Eventually<AuthResult> {
      if (isVerificationObserved())
        return observed((event) =>
          authenticateRequest(
            request as RequestLike,
            options as AuthenticateOptions<unknown> | undefined,
            event,
          ),
        );
      return authenticateUnobserved(
        request as RequestLike,
        options as AuthenticateOptions<unknown> | undefined,
      );
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
            const { reason, detail } = (error ?? {}) as { reason?: unknown; detail?: unknown };
            const text = typeof detail === "string" ? `${String(reason)}: ${detail}` : String(error);
            failures.push(`issuer "${issuer}": ${text}`);
          }
        }),
      );
      if (failures.length > 0)
        throw new Error(`resource-guard: could not load signing keys — ${failures.join("; ")}`);
    },
  });
}
