/**
 * Combines several presets into one verifier, e.g. during a move from Auth0 to Entra or for an API
 * that accepts a Keycloak realm and a partner's Okta server. Each preset keeps its issuer entries
 * (with their own keys, audiences and rules); verifier-wide options must agree, because one verifier
 * has one clock, one realm and one set of timeouts.
 */
import type { IssuerWithAudience, VerifierSettings } from "../types.js";
import type { PresetOptions, PresetOverrides } from "./preset-support.js";

function sameValue(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return false;
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Concatenates the `issuers` of every preset and merges their verifier-wide options; the same
 * issuer twice, or a verifier-wide option with two different values, is a TypeError.
 * @example
 * const verifier = createVerifier(mergePresets(auth0({ domain, audience }), entra({ tenantId, audience: appId })));
 */
export function mergePresets(...presets: readonly PresetOptions[]): PresetOptions {
  if (presets.length === 0) throw new TypeError("resource-guard: mergePresets() needs at least one preset");
  const wide: Record<string, unknown> = {};
  const issuers: IssuerWithAudience[] = [];
  const seen = new Set<string>();
  for (const preset of presets) {
    if (preset === null || typeof preset !== "object" || !Array.isArray(preset.issuers)) {
      throw new TypeError(
        "resource-guard: mergePresets() takes the results of preset functions (objects with issuers)",
      );
    }
    for (const [name, value] of Object.entries(preset as VerifierSettings)) {
      if (name === "issuers" || value === undefined) continue;
      if (name in wide && !sameValue(wide[name], value)) {
        throw new TypeError(
          `resource-guard: mergePresets(): "${name}" has different values in two presets; set it once`,
        );
      }
      wide[name] = value;
    }
    for (const entry of preset.issuers) {
      if (seen.has(entry.issuer)) {
        throw new TypeError(
          `resource-guard: mergePresets(): the issuer "${entry.issuer}" comes from two presets`,
        );
      }
      seen.add(entry.issuer);
      issuers.push(entry);
    }
  }
  return { ...(wide as PresetOverrides), issuers };
}
