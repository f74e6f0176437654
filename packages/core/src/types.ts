/**
 * The public shapes of @resource-guard/core: what callers pass in and what a verification returns.
 * No logic lives here.
 */
import type { KeyObject } from "node:crypto";

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
}

/**
 * The parts of an HTTP request that bearer extraction reads (RFC 6750 §2). Adapters build this from
 * their framework's request; `query` and `body` are already-parsed objects.
 */
export interface RequestLike {
  headers: Record<string, string | string[] | undefined>;
  method?: string;
  /**
   * The request target (`/orders?access_token=…`). When present, the query method reads the
   * `access_token` parameter from it rather than from `query`, so every framework's query parser
   * (Express 4's `qs` turns `access_token[x]=` into an object) gives the same answer.
   */
  url?: string;
  query?: Record<string, unknown> | URLSearchParams | null;
  body?: unknown;
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
  /** A shared secret for HS256/384/512. An issuer has either a secret or a key set, never both. */
  secret?: SymmetricSecret;
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
  /** Replace the `fetch` used for discovery and JWKS. */
  fetch?: FetchLike;
  /** The clock, in milliseconds since the epoch. For tests. */
  now?: () => number;
  /** Called when a key fetch fails or a key set cannot be used; for logs. Never receives token data. */
  onKeyError?: (event: KeyErrorEvent) => void;
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

export interface KeyErrorEvent {
  issuer: string;
  url: string | undefined;
  reason: string;
}

export interface Verifier {
  /** Verifies a raw compact JWT. Rejects with a BearerError. */
  verify(token: string): Promise<AuthResult>;
  /** Finds the bearer token in a request (RFC 6750 §2) and verifies it. */
  authenticate(request: RequestLike): Promise<AuthResult>;
  /** Throws InsufficientScopeError (403) unless `auth` holds every one of `scopes`. */
  assertScopes(auth: AuthResult, scopes: readonly string[]): void;
  /** Throws InsufficientScopeError (403) unless `auth` holds at least one of `scopes`. */
  assertAnyScope(auth: AuthResult, scopes: readonly string[]): void;
  /** Fetches every issuer's keys now; rejects with a descriptive Error when one cannot be had. */
  warmup(): Promise<void>;
  /** The realm this verifier's challenges carry (adapters need it to build a 401 of their own). */
  readonly realm: string | undefined;
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
