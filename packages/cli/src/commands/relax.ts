/**
 * How `inspect` sets one failed check aside to learn what else would fail: a moment inside the token's
 * validity window (for the time checks, RFC 7519 §4.1.4–4.1.6) and the token's own audience. Core
 * still makes every decision; these only choose the options of the next round.
 */
import type { VerifierOptions } from "@resource-guard/core";

/** A moment inside the token's validity window, in seconds, or undefined when there is none. */
export function momentInside(claims: Record<string, unknown> | undefined): number | undefined {
  const number = (name: string) =>
    typeof claims?.[name] === "number" ? (claims[name] as number) : undefined;
  const exp = number("exp");
  const starts = [number("nbf"), number("iat")].filter((n): n is number => n !== undefined);
  const at = starts.length > 0 ? Math.max(...starts) : exp === undefined ? undefined : exp - 1;
  return at !== undefined && (exp === undefined || at < exp) ? at : undefined;
}

export function audienceOf(
  claims: Record<string, unknown> | undefined,
): Pick<VerifierOptions, "audience" | "requiredClaims"> {
  const aud = claims?.aud;
  if (typeof aud === "string" && aud !== "") return { audience: aud };
  if (Array.isArray(aud) && aud.length > 0 && aud.every((a) => typeof a === "string" && a !== ""))
    return { audience: aud as string[] };
  // No usable "aud": core accepts audience false only beside another rule; "iss" present is one that holds.
  return { audience: false, requiredClaims: { iss: true } };
}
