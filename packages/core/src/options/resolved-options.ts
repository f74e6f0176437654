/**
 * The validated, normalised, frozen form of the options. Stages read only these shapes and never
 * re-validate, so every check on user input lives in resolve-options.ts.
 */
import type { KeyObject } from "node:crypto";
import type { JWK } from "jose";
import type { ChallengeContext } from "../errors/challenge.js";
import type { AuthResult, FetchLike, InternalErrorEvent, JWTPayload, KeyErrorEvent } from "../types.js";
import type { ResolvedDPoP } from "./dpop.js";
import type { ResolvedMtls } from "./mtls.js";

/** A compiled claim rule: true when the claims pass. */
export type ClaimTest = (value: unknown, claims: Readonly<JWTPayload>) => boolean;

/** A user's `requiredClaims` function: run only on verified tokens, and may return a promise. */
export type ClaimPredicate = (value: unknown, claims: Readonly<JWTPayload>) => boolean | PromiseLike<boolean>;

/** One accepted issuer and everything needed to judge its tokens. */
export interface ResolvedIssuer {
  readonly issuer: string;
  /** Accepted audiences, or false when the audience is not checked (another binding is then required). */
  readonly audience: ReadonlySet<string> | false;
  readonly algorithms: ReadonlySet<string>;
  readonly readScopes: (claims: Readonly<JWTPayload>) => string[];
  /** Static claim rules, checked before the signature (they only ever reject). */
  readonly requiredClaims: readonly (readonly [name: string, test: ClaimTest])[];
  /** The user's claim functions, run only after the signature has verified. */
  readonly claimPredicates: readonly (readonly [name: string, test: ClaimPredicate])[];
  readonly allowedClients: ReadonlySet<string> | undefined;
  /** Required `typ`, lower-cased and without the `application/` prefix. */
  readonly typ: string | undefined;
  readonly maxTokenAge: number | undefined;
  /** Where the keys come from: exactly one of these is set. */
  readonly keys:
    | {
        readonly kind: "jwks";
        readonly jwksUri: string | undefined;
        readonly metadataUrl: string | undefined;
      }
    | { readonly kind: "secret"; readonly secret: KeyObject }
    | { readonly kind: "static"; readonly jwks: readonly JWK[] };
}

export interface ResolvedFreshness {
  readonly defaultMs: number;
  readonly minMs: number;
  readonly maxMs: number;
}

export interface ResolvedOptions {
  readonly issuers: ReadonlyMap<string, ResolvedIssuer>;
  readonly realm: string | undefined;
  /** What every challenge offers: realm, `resource_metadata`, accepted schemes. */
  readonly challenge: ChallengeContext;
  readonly clockTolerance: number;
  readonly timeoutMs: number;
  readonly cooldownMs: number;
  readonly maxBackoffMs: number;
  readonly maxStaleMs: number;
  readonly keyFreshness: ResolvedFreshness;
  readonly maxResponseBytes: number;
  readonly maxTokenLength: number;
  readonly allowFormBodyToken: boolean;
  readonly allowQueryToken: boolean;
  readonly allowInsecureHttp: boolean;
  readonly tokenCache: { readonly maxEntries: number; readonly maxBytes: number } | false;
  readonly rejectDPoPBoundTokens: boolean;
  /** RFC 9449: undefined when DPoP is off. `algorithms` and `required` feed RFC 9728 metadata. */
  readonly dpop: ResolvedDPoP | undefined;
  /** RFC 8705: undefined when certificate-bound tokens are not accepted. `required` feeds RFC 9728 metadata. */
  readonly mtls: ResolvedMtls | undefined;
  readonly fetch: FetchLike;
  readonly now: () => number;
  readonly onKeyError: ((event: KeyErrorEvent) => void) | undefined;
  readonly isRevoked: ((auth: AuthResult) => boolean | Promise<boolean>) | undefined;
  readonly onError: ((event: InternalErrorEvent) => void) | undefined;
  /** The source of the key layer's steady clock; undefined for `performance.now()`. */
  readonly monotonicNow: (() => number) | undefined;
  readonly maxRsaModulusBits: number;
}
