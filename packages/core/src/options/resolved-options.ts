/**
 * The validated, normalised, frozen form of the options. Stages read only these shapes and never
 * re-validate, so every check on user input lives in resolve-options.ts.
 */
import type { KeyObject } from "node:crypto";
import type { JWK } from "jose";
import type { ChallengeContext } from "../errors/challenge.js";
import type { AuthResult, FetchLike, JWTPayload, KeyErrorEvent } from "../types.js";

/** A compiled claim rule: true when the claims pass. */
export type ClaimTest = (value: unknown, claims: Readonly<JWTPayload>) => boolean;

/** One accepted issuer and everything needed to judge its tokens. */
export interface ResolvedIssuer {
  readonly issuer: string;
  /** Accepted audiences, or false when the audience is not checked (another binding is then required). */
  readonly audience: ReadonlySet<string> | false;
  readonly algorithms: ReadonlySet<string>;
  readonly readScopes: (claims: Readonly<JWTPayload>) => string[];
  readonly requiredClaims: readonly (readonly [name: string, test: ClaimTest])[];
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
  readonly fetch: FetchLike;
  readonly now: () => number;
  readonly onKeyError: ((event: KeyErrorEvent) => void) | undefined;
  readonly isRevoked: ((auth: AuthResult) => boolean | Promise<boolean>) | undefined;
}
