/**
 * The public shapes of @resource-guard/core: what callers pass in and what a verification returns.
 * No logic lives here.
 */
import type { KeyObject, X509Certificate } from "node:crypto";
import type { ChallengeContext } from "./errors/challenge.js";

/** The protected header of a verified JWS, as the issuer sent it. */
export interface JWTHeader {
  alg: string;
  kid?: string;
  typ?: string;
  [name: string]: unknown;
}

/** The claims of a verified JWT. Registered claims are typed; everything else is `unknown`. */
export interface JWTPayload {
  iss?: string;
  sub?: string;
  aud?: string | string[];
  exp?: number;
  nbf?: number;
  iat?: number;
  jti?: string;
  scope?: string;
  scp?: string | string[];
  client_id?: string;
  [name: string]: unknown;
}

/** The result of a successful verification. The object is frozen: it may be shared by cached hits. */
export interface AuthResult {
  /** The raw compact JWS that was verified (or the opaque token that was introspected). */
  readonly token: string;
  /** The JWS header; an empty object for an introspected opaque token, which has none. */
  readonly header: Readonly<JWTHeader>;
  /** The JWT's claims, or for an introspected token the members of the introspection response. */
  readonly claims: Readonly<JWTPayload>;
  /** Every scope (or role/permission, per `scopeClaims`) the token grants, deduplicated. */
  readonly scopes: readonly string[];
  /** The configured issuer that accepted the token (equals `claims.iss`). */
  readonly issuer: string;
  /** The authorization scheme the token was presented with: `DPoP` for DPoP-bound tokens (RFC 9449). */
  readonly scheme: "Bearer" | "DPoP";
  /** What binds the token to its sender (RFC 9449 `cnf.jkt`, RFC 8705 `cnf["x5t#S256"]`), if anything. */
  readonly binding?: TokenBinding | undefined;
  /** True when the token is opaque and its claims are the introspection response (RFC 7662). */
  readonly introspected?: true;
  /**
   * Headers to send with the successful answer (a fresh `DPoP-Nonce`, RFC 9449 §8.2). Adapters set
   * them on the response; absent when there are none.
   */
  readonly responseHeaders?: Readonly<Record<string, string>>;
}

/** What binds a token to its sender. */
export type TokenBinding =
  | { readonly kind: "dpop"; readonly jkt: string }
  | { readonly kind: "mtls"; readonly x5t: string };

/** A TLS client certificate as adapters hand it over: DER bytes or a parsed certificate. */
export type ClientCertificate = Uint8Array | X509Certificate;

/**
 * The parts of an HTTP request that bearer extraction reads (RFC 6750 §2). Adapters build this from
 * their framework's request; `query` and `body` are already-parsed objects.
 */
export interface RequestLike {
  /** Node's header object (lower-case names) or a Fetch API `Headers`. */
  headers: Record<string, string | string[] | undefined> | Headers;
  /** The HTTP method; DPoP proofs are checked against it (RFC 9449 `htm`). */
  method?: string;
  /**
   * The request target (`/orders?access_token=…`). When present, the query method reads the
   * `access_token` parameter from it rather than from `query`, so every framework's query parser
   * (Express 4's `qs` turns `access_token[x]=` into an object) gives the same answer. An absolute URL
   * (`https://api.example.com/orders`, as a Fetch `Request` has) also serves as `absoluteUrl`.
   */
  url?: string;
  query?: Record<string, unknown> | URLSearchParams | null;
  body?: unknown;
  /**
   * The absolute URL of the request (scheme, host, the full original path with any mount prefix,
   * query) as the framework reconstructs it under its own trust-proxy setting. Needed for DPoP `htu`.
   * Core never reads forwarding headers itself.
   */
  absoluteUrl?: string;
  /** The TLS client certificate of the connection (RFC 8705), when there is one. */
  clientCertificate?: ClientCertificate;
}

/**
 * How `authenticate` reads a framework's request, and what the route needs. Adapters build one of
 * these once per middleware, so reading the URL or the certificate costs nothing unless a check needs it.
 */
export interface AuthenticateOptions<R = RequestLike> {
  /**
   * The scopes the route requires, when known before the token is checked: a 401 then carries them
   * in its `scope` parameter (RFC 9728, the MCP authorization spec's step-up), and a 403 always does.
   */
  scopes?: readonly string[];
  /** Returns the request's absolute URL; called only when a check needs it (DPoP `htu`). */
  absoluteUrl?: (request: R) => string | undefined;
  /** Returns the TLS client certificate; called only when a token is certificate-bound or mTLS is required. */
  clientCertificate?: (request: R) => ClientCertificate | undefined;
  /**
   * `false`: a request without any credentials passes, and `authenticate` resolves `undefined`; a
   * request with credentials is verified as usual, so bad credentials still fail. Default true.
   */
  credentialsRequired?: boolean;
}

/** What adapters accept: verifier options, or `{ verifier }` to share one verifier (and its caches). */
export type VerifierOrOptions = VerifierOptions | { verifier: Verifier };

/**
 * A claim predicate for `assertClaims` and the adapters' `requireClaims`: return true to accept. It
 * must be synchronous (an `async` function is refused where the guard is built; a returned promise is
 * answered 500). For a check that needs I/O, use a `requiredClaims` function, which may be async.
 */
export type ClaimCheck = (claims: Readonly<JWTPayload>, auth: AuthResult) => boolean;

/** A claim value that a rule compares against. */
export type ClaimPrimitive = string | number | boolean;

/**
 * A rule for one claim:
 * - `true`: the claim must be present;
 * - a value: the claim must equal it; an array of values: the claim must equal one of them;
 * - `{ includes }`: the claim (a string or an array) must include that value, or every listed value;
 * - a function: receives the claim's value (maybe `undefined`) and all claims, returns `true` (or a
 *   promise of `true`) to accept. Functions run only after the signature has verified, once per token
 *   (a token served from the verified-token cache does not run them again). A function that throws
 *   refuses the token (401); a promise that rejects, or does not settle within `timeoutMs`, is 503.
 */
export type ClaimRule =
  | true
  | ClaimPrimitive
  | readonly ClaimPrimitive[]
  | { readonly includes: ClaimPrimitive | readonly ClaimPrimitive[] }
  | ((value: unknown, claims: Readonly<JWTPayload>) => boolean | PromiseLike<boolean>);

/**
 * Where scopes are read from. A string names a claim; when the claims have no member of that exact
 * name and the string contains dots, it is read as a path (`realm_access.roles`). An array of strings
 * is an explicit path (for names that hold dots themselves). A function returns the scopes itself.
 */
export type ScopeClaim = string | readonly string[];
export type ScopeReader = (claims: Readonly<JWTPayload>) => readonly string[];

/** A shared HMAC secret (only for issuers configured with `secret`). */
export type SymmetricSecret = string | Uint8Array | KeyObject;

/** The `fetch` the key layer uses; the global `fetch` unless another is given (proxies, tests). */
export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

/**
 * The JWS algorithms a verifier can accept (RFC 7518 §3, RFC 8037, RFC 9864): the asymmetric ones,
 * and HMAC only for an issuer configured with a `secret`. A literal union, so a typo fails to compile.
 */
export type JwsAlgorithm =
  | "RS256"
  | "RS384"
  | "RS512"
  | "PS256"
  | "PS384"
  | "PS512"
  | "ES256"
  | "ES384"
  | "ES512"
  | "EdDSA"
  | "Ed25519"
  | "HS256"
  | "HS384"
  | "HS512";

/** What `aud` must hold: one of these values, or `false` (then another binding is required). */
export type Audience = string | readonly string[] | false;

/** Settings that may be given once for all issuers and overridden per issuer. */
export interface IssuerSettings {
  /** `aud` must hold one of these. `false` turns the check off, and then another binding is required. */
  audience?: Audience;
  /** The JWKS location; without it (and without `metadataUrl`) it is discovered from the issuer. */
  jwksUri?: string;
  /** Where the issuer's metadata (OpenID / RFC 8414) lives, when not under the issuer itself. */
  metadataUrl?: string;
  /** Accepted JWS algorithms. Default: every asymmetric algorithm; HMAC only with `secret`. */
  algorithms?: readonly JwsAlgorithm[];
  /** Where scopes come from. Default `["scope", "scp"]`. */
  scopeClaims?: readonly ScopeClaim[] | ScopeReader;
  /** Rules on claim values, by claim name. A failed rule is 401 `invalid_token`. */
  requiredClaims?: Readonly<Record<string, ClaimRule>>;
  /** Accepted clients: one of `client_id`, `azp`, `cid`, `appid` must be listed. */
  allowedClients?: readonly string[];
  /** Required JWS `typ` header, e.g. `"at+jwt"` (RFC 9068); `application/` prefix is optional. */
  typ?: string;
  /** Reject tokens whose `iat` is older than this many seconds (`iat` becomes required). */
  maxTokenAge?: number;
  /** A shared secret for HS256/384/512. An issuer has exactly one key source: this, `jwks` or a URL. */
  secret?: SymmetricSecret;
  /**
   * The issuer's public keys given here instead of fetched: a JWK Set, a PEM public key or certificate,
   * or an array of PEM texts. Nothing is fetched for such an issuer (air-gapped deployments, unit tests).
   */
  jwks?: { keys: readonly object[] } | string | readonly string[];
}

/** One entry of `issuers`: an issuer with its own settings. */
export interface IssuerOptions extends IssuerSettings {
  /**
   * The exact `iss` value. May hold the template `{tenantid}` when `tenants` lists the tenants:
   * each becomes an issuer of its own (with `tid` required to match).
   */
  issuer: string;
  /** With a `{tenantid}` template: the tenants accepted. */
  tenants?: readonly string[];
}

/** Bounds on how long a fetched key set is trusted before a refresh (Cache-Control `max-age`). */
export interface KeyFreshness {
  /** Used when the response has no usable `max-age`. Default 10 minutes. */
  defaultMs?: number;
  /** Lower clamp of `max-age`. Default 1 minute. */
  minMs?: number;
  /** Upper clamp of `max-age`. Default 24 hours. */
  maxMs?: number;
}

export interface TokenCacheOptions {
  /** Most verified tokens kept. Default 10,000. */
  maxEntries?: number;
  /** Most bytes of token text kept (token length summed). Default 16 MiB. */
  maxBytes?: number;
}

/**
 * Members a protected resource metadata document (RFC 9728 §2) may carry besides the ones the verifier
 * derives from its configuration. Checked at construction: URLs are absolute, arrays are non-empty
 * (RFC 9728 §3.2 omits empty ones), scopes are RFC 6749 scope-tokens. Human-readable members may also
 * come with a BCP 47 language tag (`"resource_name#fr"`, RFC 9728 §2.1). Members of other names
 * (registered extensions or your own) are passed through as they are, if they are plain JSON.
 */
export interface ResourceMetadataOptions {
  /** The resource server's own key set (for signed responses); an `https:` URL. */
  jwks_uri?: string;
  /** The scopes clients may request for this resource (RFC 9728 §2: RECOMMENDED). */
  scopes_supported?: readonly string[];
  resource_signing_alg_values_supported?: readonly string[];
  /** A name to show to users (RFC 9728 §2: RECOMMENDED). */
  resource_name?: string;
  resource_documentation?: string;
  resource_policy_uri?: string;
  resource_tos_uri?: string;
  authorization_details_types_supported?: readonly string[];
  /** A JWT asserting the metadata (RFC 9728 §2.1). */
  signed_metadata?: string;
  /** Always the `resource` option: not settable here. */
  resource?: never;
  /** Always the configured issuers: not settable here. */
  authorization_servers?: never;
  [member: string]: unknown;
}

/** The RFC 9728 §2 document a verifier publishes. */
export interface ProtectedResourceDocument {
  /** The `resource` option, verbatim. */
  readonly resource: string;
  /** The configured issuers, in configuration order (clients use the first). */
  readonly authorization_servers: readonly string[];
  /** `header`, plus `body` / `query` when `allowFormBodyToken` / `allowQueryToken` are on. */
  readonly bearer_methods_supported: readonly ("header" | "body" | "query")[];
  readonly dpop_signing_alg_values_supported?: readonly string[];
  readonly dpop_bound_access_tokens_required?: boolean;
  readonly tls_client_certificate_bound_access_tokens?: boolean;
  readonly [member: string]: unknown;
}

/** Where a verifier's protected resource metadata lives and what it says (RFC 9728 §3). */
export interface ProtectedResourceMetadata {
  /**
   * The document's URL: `/.well-known/oauth-protected-resource` inserted between the host and the
   * path of `resource` (RFC 9728 §3.1). Every challenge carries it as `resource_metadata`.
   */
  readonly url: string;
  /** The path part of `url` (without its query), where the adapters answer. */
  readonly path: string;
  readonly document: ProtectedResourceDocument;
}

/**
 * A shared cache of introspection answers (a fleet's Redis, say). Keys are
 * `"introspection:" + base64url(sha256(token))`, never the token; values are JSON-serialisable plain
 * objects that must come back unchanged. Either method may return a promise; one that throws, rejects
 * or takes longer than `introspection.cacheTimeoutMs` makes the request a 503.
 */
export interface IntrospectionCache {
  get(key: string): unknown | Promise<unknown>;
  set(key: string, value: unknown, ttlMs: number): void | Promise<void>;
}

/** Opaque tokens: RFC 7662 introspection at one configured issuer. */
export interface IntrospectionOptions {
  /** The configured issuer that introspects; may be omitted when only one issuer is configured. */
  issuer?: string;
  /** The introspection endpoint. Default: the issuer metadata's `introspection_endpoint`. */
  endpoint?: string;
  /** This API's client id at the provider. */
  clientId: string;
  /** This API's client secret. */
  clientSecret: string;
  /** RFC 6749 §2.3.1: a Basic header (default) or form-body credentials. */
  authMethod?: "client_secret_basic" | "client_secret_post";
  /** Also introspect JWTs of this issuer, after verifying them locally (revocation checks). Default false. */
  jwts?: boolean;
  /** Longest time an active answer is reused, in ms (never past the token's `exp`). Default 30000. */
  maxCacheMs?: number;
  /** How long an inactive answer is reused, in ms. Default 5000. */
  inactiveCacheMs?: number;
  /** Bounds of the in-process cache of answers. Default 10,000 answers / 16 MiB. */
  memoryCache?: { maxEntries?: number; maxBytes?: number };
  /** A shared cache behind the in-process one (`redisStore` of @resource-guard/redis). */
  cache?: IntrospectionCache;
  /** A shared-cache operation that takes longer has failed (503). Default 1000. */
  cacheTimeoutMs?: number;
  /** Called when introspection fails; for logs. Never receives the token or its hash. */
  onError?: (event: IntrospectionErrorEvent) => void;
}

export interface IntrospectionErrorEvent {
  issuer: string;
  url: string | undefined;
  reason: string;
}

/** The outbound request budget per identity provider origin (key fetches and introspection together). */
export interface OutboundBudgetOptions {
  /** Requests per second. Default 20. */
  requestsPerSecond?: number;
  /** Requests that may go out at once after a quiet period. Default 40. */
  burst?: number;
}

/**
 * Options of `createVerifier`: every setting, with which of `issuer`/`issuers` and `audience` must be
 * given spelled out by `VerifierOptions`. Unknown names are refused.
 */
export interface VerifierSettings extends IssuerSettings {
  /** The accepted issuer(s): exact match on `iss`. Either this or `issuers` is required. */
  issuer?: string | readonly string[];
  /** Issuers with settings of their own; top-level settings are their defaults. */
  issuers?: readonly IssuerOptions[];
  /** Seconds of leeway on `exp`, `nbf`, `iat`. Default 5. */
  clockTolerance?: number;
  /** The `realm` auth-param of every challenge. Default `"api"`; `false` leaves it out. */
  realm?: string | false;
  /** A discovery or JWKS request that takes longer has failed. Default 5000. */
  timeoutMs?: number;
  /** At most one refetch for an unknown `kid` per this window, per key set. Default 30000. */
  cooldownMs?: number;
  /** Longest wait after failed fetches before trying again (backoff doubles from 1 s). Default 30000. */
  maxBackoffMs?: number;
  /** How long known keys keep working past their freshness while refreshes fail. Default 24 h. */
  maxStaleMs?: number;
  keyFreshness?: KeyFreshness;
  /** Largest discovery or JWKS body accepted, in bytes. Default 512 KiB. */
  maxResponseBytes?: number;
  /** Longest token accepted, in characters, before any parsing. Default 16384. */
  maxTokenLength?: number;
  /** Accept the `access_token` form-body parameter (RFC 6750 §2.2). Default false. */
  allowFormBodyToken?: boolean;
  /** Accept the `access_token` URI query parameter (RFC 6750 §2.3). Default false. */
  allowQueryToken?: boolean;
  /** Allow `http:` issuer, metadata and JWKS URLs on non-loopback hosts. Default false. */
  allowInsecureHttp?: boolean;
  /** Cache verified tokens until they expire. Default on; `false` turns it off. */
  tokenCache?: TokenCacheOptions | false;
  /** Reject DPoP-bound tokens (`cnf.jkt`) presented with the Bearer scheme (RFC 9449 §7.1). Default true. */
  rejectDPoPBoundTokens?: boolean;
  /** Accept DPoP-bound tokens with their proofs (RFC 9449). Off unless given; `{}` takes every default. */
  dpop?: DPoPOptions;
  /** Accept certificate-bound tokens (RFC 8705): how the client certificate is found, and whether it is required. */
  mtls?: MtlsOptions;
  /**
   * This API's resource identifier (RFC 9728 §1.2, RFC 8707): an absolute `https:` URL without a
   * fragment (`http:` only on loopback, or with `allowInsecureHttp`). Turns on the protected resource
   * metadata document and the `resource_metadata` parameter of every challenge. When `audience` is
   * omitted it is the one accepted audience, compared exactly.
   */
  resource?: string;
  /** Extra members of the protected resource metadata document, named as in RFC 9728 §2. Needs `resource`. */
  resourceMetadata?: ResourceMetadataOptions;
  /** Opaque tokens: introspect them at the issuer (RFC 7662). */
  introspection?: IntrospectionOptions;
  /** Cap on requests to each identity provider, for keys and introspection together. Default 20/s, burst 40. */
  outboundBudget?: OutboundBudgetOptions;
  /** Replace the `fetch` used for discovery, JWKS and introspection. */
  fetch?: FetchLike;
  /** The wall clock for token claims (`exp`, `nbf`, `iat`), in milliseconds since the epoch. For tests. */
  now?: () => number;
  /**
   * Called on every request with a verified token (after its binding): resolve `true` for a revoked
   * token (401 `invalid_token`, "The token has been revoked"), `false` otherwise. A hook that throws or
   * rejects is answered 503 with `Retry-After`. Not cached: a revocation takes effect at once.
   */
  isRevoked?: (auth: AuthResult) => boolean | Promise<boolean>;
  /**
   * The key layer's clock (backoff, unknown-`kid` cooldown, key freshness, stale limit), in
   * milliseconds from any origin. Default `performance.now()`, which never steps with the wall clock.
   * A test hook: move it together with `now` to move time for both. Readings that go back are held.
   */
  monotonicNow?: () => number;
  /** Largest RSA modulus accepted in a JWKS, in bits. Default 8192; at most 16384. Larger keys are refused and reported. */
  maxRsaModulusBits?: number;
  /**
   * Called when a key fetch fails or a key in a key set is refused; for logs. Never receives token
   * data. A hook that throws is ignored.
   */
  onKeyError?: (event: KeyErrorEvent) => void;
  /**
   * Called with an unexpected exception inside verification (a bug, or a user function such as
   * `scopeClaims` that threw), which is answered 500 `InternalVerifierError`. The exception is passed
   * as thrown: log it with care. A hook that throws is ignored.
   */
  onError?: (event: InternalErrorEvent) => void;
}

/** An `issuers` entry that names its own audience. */
export type IssuerWithAudience = IssuerOptions & { audience: Audience };

/**
 * RFC 9728 (CONTRACT, second surface): with `resource` set, `audience` may be omitted and defaults to
 * `[resource]`. This branch of VerifierOptions is live once `resource` is one of the settings.
 */
type ResourceAsAudience = "resource" extends keyof VerifierSettings
  ? { resource: string; audience?: Audience }
  : never;

/**
 * Options of `createVerifier`. The types require what the verifier requires at start-up: the
 * issuers (`issuer`, `issuers`, or both) and, for every issuer, an audience: the top-level
 * `audience`, one in each `issuers` entry, or (RFC 9728) the `resource`. Unknown names are refused.
 */
export type VerifierOptions = VerifierSettings &
  (
    | { issuer: string | readonly string[]; audience: Audience }
    | { issuers: readonly IssuerOptions[]; audience: Audience }
    | { issuers: readonly IssuerWithAudience[]; audience?: undefined }
    | (({ issuer: string | readonly string[] } | { issuers: readonly IssuerOptions[] }) & ResourceAsAudience)
  );

/**
 * The DPoP replay store (RFC 9449 §11.1): one atomic "first use of this key until this time?" call,
 * so a Redis `SET key 1 NX PXAT expiresAtMs` (or `PX`) implements it. Returns (or resolves to) `true` when the
 * key was not there and is now stored until `expiresAtMs`, `false` when it was already there. Keys are
 * short hashes, never a raw `jti`. Throwing, rejecting or answering anything but a boolean makes the
 * request 503; a proof is never accepted unchecked.
 */
export interface ReplayStore {
  add(key: string, expiresAtMs: number): boolean | Promise<boolean>;
}

/** Server-provided nonces (RFC 9449 §8, §9), stateless: an HMAC over a time step under a shared secret. */
export interface DPoPNonceOptions {
  /**
   * The secret nonces are made with, at least 32 bytes. Every instance of a fleet given the same secret
   * accepts the others' nonces. Default: a random secret per verifier (one instance only).
   */
  secret?: string | Uint8Array;
  /** Several secrets for rotation: nonces are made with the first and accepted under any of them. */
  secrets?: readonly (string | Uint8Array)[];
  /** Length of a time step; a nonce is accepted in its step and the next one. Default 60000. */
  lifetimeMs?: number;
}

/** Options of RFC 9449 DPoP. */
export interface DPoPOptions {
  /** `true`: only DPoP is accepted (Bearer credentials get a DPoP challenge). Default false. */
  required?: boolean;
  /** Proof algorithms accepted, asymmetric only. Default: every asymmetric algorithm. */
  algorithms?: readonly string[];
  /** Require server-provided nonces: `true` or `{ secret, lifetimeMs }`. Default false. */
  nonce?: boolean | DPoPNonceOptions;
  /** Where used proofs are remembered. Default: in memory, bounded (see `createMemoryReplayStore`). */
  replayStore?: ReplayStore;
  /** How old a proof's `iat` may be, in seconds (plus `clockTolerance`). Default 60. */
  iatWindowSeconds?: number;
  /** A replay store call that takes longer has failed (503). Default 1000. */
  storeTimeoutMs?: number;
}

/** Options of RFC 8705 certificate-bound tokens. */
export interface MtlsOptions {
  /** `true`: every token must be certificate-bound. Default false. */
  required?: boolean;
  /**
   * The request header a TLS-terminating proxy puts the client certificate in (RFC 9440 `Client-Cert`
   * form). Only when set is a header read, and then only it: the proxy must remove that header from
   * what clients send. Default: the certificate of the TLS connection.
   */
  certificateHeader?: string;
}

/** What `onKeyError` receives: which key set, which URL, a reason code and a sentence for logs. */
export interface KeyErrorEvent {
  issuer: string;
  /** The URL that failed (a metadata location when discovery failed, else the JWKS). */
  url: string | undefined;
  /** A code: `jwks_timeout`, `jwks_http_status`, `discovery_issuer_mismatch`, `key_rsa_exponent`… */
  reason: string;
  /** The same, in words, with the URL and status. */
  detail: string;
  /** The `kid` of the key concerned, for a refused key. */
  kid?: string | undefined;
}

/** What `onError` receives. */
export interface InternalErrorEvent {
  /** Always `internal_error` today. */
  reason: string;
  /** The exception as thrown. */
  error: unknown;
}

export interface Verifier {
  /**
   * Verifies a raw compact JWT, or with `introspection` configured an opaque token (RFC 7662).
   * Rejects with a BearerError.
   */
  verify(token: string): Promise<AuthResult>;
  /**
   * Finds the token in a request (RFC 6750 §2, RFC 9449 §7) and verifies it, with its sender binding.
   * Takes a RequestLike or a Fetch API `Request` as is.
   */
  authenticate<R extends RequestLike | Request>(
    request: R,
    options?: AuthenticateOptions<R>,
  ): Promise<AuthResult>;
  /**
   * `authenticate` for adapters on the hot path: answers synchronously when it can (a cached token, or
   * keys already cached), with no promise made: returns the AuthResult (or `undefined` with
   * `credentialsRequired: false` and no credentials), or a Promise when a fetch or an asynchronous
   * check is needed. Throws the BearerError synchronously when the failure is known synchronously.
   */
  authenticateMaybeSync<R extends RequestLike | Request>(
    request: R,
    options?: AuthenticateOptions<R>,
  ): AuthResult | Promise<AuthResult>;
  /** Throws InsufficientScopeError (403) unless `auth` holds every one of `scopes`. */
  assertScopes(auth: AuthResult, scopes: readonly string[]): void;
  /** Throws InsufficientScopeError (403) unless `auth` holds at least one of `scopes`. */
  assertAnyScope(auth: AuthResult, scopes: readonly string[]): void;
  /** Throws InvalidTokenError (401 `claim_rule`) unless `check` returns true for the claims. */
  assertClaims(auth: AuthResult, check: ClaimCheck): void;
  /**
   * Fetches every issuer's keys now (and discovers the introspection endpoint); rejects with a
   * descriptive Error when one cannot be had.
   */
  warmup(): Promise<void>;
  /** The realm this verifier's challenges carry (adapters need it to build a 401 of their own). */
  readonly realm: string | undefined;
  /** What every challenge of this verifier offers: realm, `resource_metadata`, the schemes. */
  readonly challenge: ChallengeContext;
  /**
   * The protected resource metadata (RFC 9728): its URL, path and document; undefined without the
   * `resource` option.
   */
  readonly resourceMetadata: ProtectedResourceMetadata | undefined;
  /** Counters for monitoring: what the verified-token cache holds and how often it answered. */
  stats(): VerifierStats;
}

export interface VerifierStats {
  /** Verified tokens held in the cache now (never more than `tokenCache.maxEntries`). */
  cachedTokens: number;
  /** Characters of token text held (never more than `tokenCache.maxBytes`). */
  cachedTokenBytes: number;
  /** Verifications answered from the cache since the verifier was built. */
  cacheHits: number;
}
