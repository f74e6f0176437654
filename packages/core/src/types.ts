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
  /** The raw compact JWS that was verified. */
  readonly token: string;
  readonly header: Readonly<JWTHeader>;
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

/** A claim predicate for `assertClaims` and the adapters' `requireClaims`: return true to accept. */
export type ClaimCheck = (claims: Readonly<JWTPayload>, auth: AuthResult) => boolean;

/** A claim value that a rule compares against. */
export type ClaimPrimitive = string | number | boolean;

/**
 * A rule for one claim:
 * - `true`: the claim must be present;
 * - a value: the claim must equal it; an array of values: the claim must equal one of them;
 * - `{ includes }`: the claim (a string or an array) must include that value, or every listed value;
 * - a function: receives the claim's value (maybe `undefined`) and all claims, returns `true` to accept.
 */
export type ClaimRule =
  | true
  | ClaimPrimitive
  | readonly ClaimPrimitive[]
  | { readonly includes: ClaimPrimitive | readonly ClaimPrimitive[] }
  | ((value: unknown, claims: Readonly<JWTPayload>) => boolean);

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

/** Settings that may be given once for all issuers and overridden per issuer. */
export interface IssuerSettings {
  /** `aud` must hold one of these. `false` turns the check off, and then another binding is required. */
  audience?: string | readonly string[] | false;
  /** The JWKS location; without it (and without `metadataUrl`) it is discovered from the issuer. */
  jwksUri?: string;
  /** Where the issuer's metadata (OpenID / RFC 8414) lives, when not under the issuer itself. */
  metadataUrl?: string;
  /** Accepted JWS algorithms. Default: every asymmetric algorithm; HMAC only with `secret`. */
  algorithms?: readonly string[];
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

/** Options of `createVerifier`. Unknown names are refused. */
export interface VerifierOptions extends IssuerSettings {
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
  /** Replace the `fetch` used for discovery and JWKS. */
  fetch?: FetchLike;
  /** The clock, in milliseconds since the epoch. For tests. */
  now?: () => number;
  /**
   * Called on every request with a verified token (after its binding): resolve `true` for a revoked
   * token (401 `invalid_token`, "The token has been revoked"), `false` otherwise. A hook that throws or
   * rejects is answered 503 with `Retry-After`. Not cached: a revocation takes effect at once.
   */
  isRevoked?: (auth: AuthResult) => boolean | Promise<boolean>;
  /** Called when a key fetch fails or a key set cannot be used; for logs. Never receives token data. */
  onKeyError?: (event: KeyErrorEvent) => void;
}

export interface KeyErrorEvent {
  issuer: string;
  url: string | undefined;
  reason: string;
}

export interface Verifier {
  /** Verifies a raw compact JWT. Rejects with a BearerError. */
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
  /** Fetches every issuer's keys now; rejects with a descriptive Error when one cannot be had. */
  warmup(): Promise<void>;
  /** The realm this verifier's challenges carry (adapters need it to build a 401 of their own). */
  readonly realm: string | undefined;
  /** What every challenge of this verifier offers: realm, `resource_metadata`, the schemes. */
  readonly challenge: ChallengeContext;
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
