/**
 * Server-provided DPoP nonces (RFC 9449 §8, §9) without shared state. Time is cut into steps of
 * `lifetimeMs`; the nonce of a step is an HMAC-SHA-256 of the step number under a secret. Any instance
 * holding the secret computes the same nonces, so a fleet accepts its members' nonces without talking
 * to each other. A nonce is accepted in its own step and the next one (so it lives between one and two
 * lifetimes); a proof carrying the previous step's nonce, or one made under an older rotation secret,
 * succeeds and the answer carries the current nonce in `DPoP-Nonce` (§8.2).
 *
 * Nonces are not secrets (any client is handed one), so they are compared as plain strings; the secret
 * only keeps a client from minting nonces for future steps, which would defeat their purpose of
 * limiting how long a pre-made proof stays usable.
 */
import { createHmac } from "node:crypto";
import type { ResolvedNonce } from "../options/dpop.js";

/** What a presented nonce is worth. */
export type NonceStanding = "current" | "renew" | "invalid";

interface Step {
  readonly step: number;
  readonly current: string;
  /** Every nonce accepted in this step, with whether the answer should hand out the current one. */
  readonly accepted: ReadonlyMap<string, NonceStanding>;
}

/** Makes and checks the nonces of one verifier. */
export class NonceIssuer {
  readonly #options: ResolvedNonce;
  #step: Step | undefined;

  constructor(options: ResolvedNonce) {
    this.#options = options;
  }

  #nonce(secretIndex: number, step: number): string {
    const secret = this.#options.secrets[secretIndex];
    // RFC 9449 §8: nonce = 1*NQCHAR; base64url characters all are.
    return createHmac("sha256", secret as NonNullable<typeof secret>)
      .update(`resource-guard DPoP nonce ${step}`)
      .digest()
      .subarray(0, 24)
      .toString("base64url");
  }

  #stepAt(nowMs: number): Step {
    const step = Math.floor(nowMs / this.#options.lifetimeMs);
    const cached = this.#step;
    if (cached !== undefined && cached.step === step) return cached;
    const accepted = new Map<string, NonceStanding>();
    for (let i = this.#options.secrets.length - 1; i >= 0; i--) {
      accepted.set(this.#nonce(i, step - 1), "renew");
      accepted.set(this.#nonce(i, step), i === 0 ? "current" : "renew");
    }
    const fresh: Step = { step, current: this.#nonce(0, step), accepted };
    this.#step = fresh;
    return fresh;
  }

  /** The nonce to hand out now. */
  current(nowMs: number): string {
    return this.#stepAt(nowMs).current;
  }

  /** Whether `nonce` is accepted now, and whether the answer should carry a fresh one. */
  check(nonce: string, nowMs: number): NonceStanding {
    return this.#stepAt(nowMs).accepted.get(nonce) ?? "invalid";
  }
}
