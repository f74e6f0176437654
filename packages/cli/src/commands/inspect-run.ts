/**
 * Runs core's verifier on one token and turns its verdict into one result per check. Core stops at the
 * first failure, so after a failure that can be set aside (a time check, the audience, DPoP binding)
 * the token is verified again with only that check relaxed, to learn what else would fail: the clock
 * is set inside the token's validity window, the audience to the token's own, binding allowed. Every
 * verdict is still core's; nothing here verifies anything. Network answers are kept per URL
 * (remembering-fetch.ts), so the repeated verifications fetch the metadata and keys once.
 */
import {
  createVerifier,
  type KeyErrorEvent,
  type Verifier,
  type VerifierOptions,
} from "@resource-guard/core";
import { UsageError } from "../args.js";
import { rememberingFetch } from "../remembering-fetch.js";
import type { Terminal } from "../terminal.js";
import { CHECKS, type CheckName, checkOfReason, FIXES, PROVEN_BY } from "./inspect-checks.js";

import { audienceOf, momentInside } from "./relax.js";

export interface CheckResult {
  name: CheckName;
  status: "pass" | "fail" | "skip" | "not_checked";
  /** What passed, why it was skipped, or core's fixed description of the failure. */
  text: string;
  reason?: string;
  fix?: string;
}

export interface Refusal {
  status: number;
  code: string | undefined;
  description: string;
  reason: string;
}

export interface RunInput {
  token: string;
  claims: Record<string, unknown> | undefined;
  issuer: string;
  /** True when the issuer came from the token itself: the issuer check says so rather than pass. */
  issuerFromToken: boolean;
  /** Undefined when no --audience was given: the check is skipped. */
  audience: string[] | undefined;
  scopes: string[];
  jwksUri: string | undefined;
  allowInsecureHttp: boolean;
  timeoutMs: number;
  /** The token could not even be decoded: core is asked only for its reason, nothing is fetched. */
  undecodable: boolean;
}

export interface RunOutcome {
  checks: CheckResult[];
  /** The answer the API would give (the first refusal), or undefined when the token is accepted. */
  refusal: Refusal | undefined;
  keysError: string | undefined;
}

function build(options: VerifierOptions): Verifier {
  try {
    return createVerifier(options);
  } catch (error) {
    // A configuration core refuses (an http: issuer off loopback…): the command line was used wrongly.
    if (error instanceof TypeError) throw new UsageError(error.message.replace(/^resource-guard: /, ""));
    throw error;
  }
}

export async function runChecks(input: RunInput, terminal: Terminal): Promise<RunOutcome> {
  const keyErrors: string[] = [];
  // Built up step by step as checks are relaxed; createVerifier validates what it gets.
  let options: VerifierOptions = {
    issuer: input.issuer,
    ...(input.audience ? { audience: input.audience } : audienceOf(input.claims)),
    ...(input.jwksUri ? { jwksUri: input.jwksUri } : {}),
    ...(input.allowInsecureHttp ? { allowInsecureHttp: true } : {}),
    timeoutMs: input.timeoutMs,
    tokenCache: false,
    fetch: rememberingFetch(terminal),
    // The detail says which URL failed and how; the reason is its code (core keeps both).
    onKeyError: (event: KeyErrorEvent) => keyErrors.push(event.detail ?? event.reason),
  } as VerifierOptions;
  let verifier = build(options);
  let keysError: string | undefined;
  if (!input.undecodable) {
    try {
      await verifier.warmup();
    } catch {
      keysError = [...new Set(keyErrors)].join("; ") || "the signing keys could not be fetched";
    }
  }

  const failures = new Map<CheckName, CheckResult>();
  // Checks that some refusal proved passed (see PROVEN_BY).
  const proven = new Set<CheckName>();
  const relaxed = new Set<string>();
  let refusal: Refusal | undefined;
  let stoppedAt: CheckName | undefined;
  let auth: Awaited<ReturnType<Verifier["verify"]>> | undefined;
  // Each round relaxes a different check, so there are at most four.
  for (let round = 0; round < 5 && auth === undefined && stoppedAt === undefined; round++) {
    try {
      auth = await verifier.verify(input.token);
    } catch (error) {
      const e = error as {
        status?: unknown;
        code?: string;
        reason?: string;
        detail?: string;
        message: string;
      };
      if (typeof e.status !== "number") throw error;
      if (e.status >= 500) {
        keysError ??= e.detail ?? e.reason ?? "the signing keys could not be fetched";
        for (const name of PROVEN_BY.keys ?? []) proven.add(name);
        stoppedAt = "keys";
        break;
      }
      const reason = e.reason ?? "unknown";
      const check = checkOfReason(reason) ?? "claims";
      refusal ??= { status: e.status, code: e.code, description: e.message, reason };
      failures.set(check, { name: check, status: "fail", text: e.message, reason, fix: FIXES[reason] });
      for (const name of PROVEN_BY[check] ?? []) proven.add(name);
      const at = ["expired", "not_yet_valid", "issued_in_future"].includes(reason)
        ? momentInside(input.claims)
        : undefined;
      if (at !== undefined && !relaxed.has("time")) {
        relaxed.add("time");
        options = { ...options, now: () => at * 1000 } as VerifierOptions;
      } else if (reason === "audience" && !relaxed.has("audience")) {
        relaxed.add("audience");
        options = { ...options, ...audienceOf(input.claims) } as VerifierOptions;
      } else if (reason === "sender_constrained" && !relaxed.has("bearer")) {
        relaxed.add("bearer");
        options = { ...options, rejectDPoPBoundTokens: false } as VerifierOptions;
      } else {
        stoppedAt = check;
        break;
      }
      verifier = build(options);
    }
  }

  if (auth !== undefined && input.scopes.length > 0) {
    try {
      verifier.assertScopes(auth, input.scopes);
    } catch (error) {
      const e = error as { status: number; code?: string; reason?: string; message: string };
      const missing = input.scopes.filter((scope) => !auth?.scopes.includes(scope));
      refusal ??= { status: e.status, code: e.code, description: e.message, reason: "insufficient_scope" };
      failures.set("scopes", {
        name: "scopes",
        status: "fail",
        text: `${e.message}: missing ${missing.join(" ")}`,
        reason: "insufficient_scope",
        fix: FIXES.insufficient_scope,
      });
    }
  }

  const checks = CHECKS.filter((check) => check.name !== "claims" || failures.has("claims")).map(
    (check): CheckResult => {
      const failed = failures.get(check.name);
      if (failed) return failed;
      if (check.name === "keys") {
        if (keysError) return { name: "keys", status: "fail", text: keysError, fix: FIXES.keys_unavailable };
        if (input.undecodable)
          return { name: "keys", status: "not_checked", text: "not fetched: the token cannot be decoded" };
        return { name: "keys", status: "pass", text: check.passes };
      }
      if (check.name === "issuer" && input.issuerFromToken)
        return { name: "issuer", status: "skip", text: 'no --issuer given: the token\'s own "iss" was used' };
      if (check.name === "audience" && !input.audience)
        return { name: "audience", status: "skip", text: "no --audience given" };
      if (check.name === "scopes" && input.scopes.length === 0)
        return { name: "scopes", status: "skip", text: "no --scope given" };
      if (auth !== undefined || proven.has(check.name))
        return { name: check.name, status: "pass", text: check.passes };
      return { name: check.name, status: "not_checked", text: "not checked: an earlier check failed" };
    },
  );
  return { checks, refusal, keysError };
}
