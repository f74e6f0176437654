/**
 * What every identity-provider preset shares: the option shape a preset returns, the split of a
 * caller's overrides into per-issuer settings and verifier-wide options, and the TypeErrors that
 * tell the caller what to fix. Presets only build options; `createVerifier` still validates them,
 * so a preset can never accept something the core would refuse.
 */
import { ISSUER_SETTING_NAMES as ALL_ISSUER_SETTING_NAMES } from "../options/resolve-options.js";
import type { IssuerWithAudience, VerifierSettings } from "../types.js";

/**
 * What a preset returns: ordinary `createVerifier` options whose issuers are all listed in
 * `issuers`, each entry carrying its own key location and claim rules. Because nothing
 * issuer-specific sits at the top level, the `issuers` of several presets can be concatenated
 * (see `mergePresets`).
 */
export interface PresetOptions extends Omit<VerifierSettings, "issuer" | "audience"> {
  readonly issuers: IssuerWithAudience[];
  readonly issuer?: undefined;
  readonly audience?: undefined;
}

/**
 * Options every preset accepts next to its own: any `createVerifier` option (`clockTolerance`,
 * `timeoutMs`, `realm`…) and any per-issuer setting (`scopeClaims`, `algorithms`, `allowedClients`,
 * `requiredClaims`, `typ`…). Per-issuer settings given here replace the preset's value in every
 * issuer entry it builds; `requiredClaims` are merged, the caller's rule winning for the same claim.
 */
export type PresetOverrides = Omit<VerifierSettings, "issuer" | "issuers" | "audience">;

// Presets set `audience` themselves; every other per-issuer setting may be overridden.
const ISSUER_SETTING_NAMES = ALL_ISSUER_SETTING_NAMES.filter(
  (name): name is Exclude<(typeof ALL_ISSUER_SETTING_NAMES)[number], "audience"> => name !== "audience",
);

/** The TypeError a preset throws for a bad input: it names the preset and says what to do instead. */
export function presetError(preset: string, message: string): TypeError {
  return new TypeError(`resource-guard: ${preset}(): ${message}`);
}

/** A non-empty string, or a TypeError naming the option. */
export function requireString(preset: string, name: string, value: unknown, example: string): string {
  if (typeof value !== "string" || value.trim() === "") {
    throw presetError(preset, `"${name}" must be a non-empty string, e.g. ${example}`);
  }
  if (value !== value.trim()) throw presetError(preset, `"${name}" has leading or trailing spaces`);
  return value;
}

/** A non-empty string or non-empty array of them, as an array. */
export function requireStrings(preset: string, name: string, value: unknown, example: string): string[] {
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0) throw presetError(preset, `"${name}" must list at least one value, e.g. ${example}`);
  return list.map((item) => requireString(preset, name, item, example));
}

/**
 * An absolute http(s) URL without query, fragment or credentials, returned without trailing
 * slashes (a base URL, never an issuer: issuers are compared byte for byte and are built by the
 * presets themselves). Whether plain http is allowed is left to the core's URL policy.
 */
export function requireBaseUrl(preset: string, name: string, value: unknown, example: string): string {
  const text = requireString(preset, name, value, example);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw presetError(preset, `"${name}" must be an absolute URL, e.g. ${example}`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw presetError(preset, `"${name}" must be an https: URL, e.g. ${example}`);
  }
  if (url.search || url.hash || url.username || url.password || text.includes("?") || text.includes("#")) {
    throw presetError(preset, `"${name}" must not carry a query, fragment or credentials, e.g. ${example}`);
  }
  return text.replace(/\/+$/, "");
}

/**
 * Builds one issuer entry from the preset's defaults and the caller's overrides. A caller's
 * `secret` removes the preset's key location, because an issuer has either a key set or a secret.
 */
export function buildIssuer(defaults: IssuerWithAudience, overrides: PresetOverrides): IssuerWithAudience {
  const entry: Record<string, unknown> = { ...defaults };
  if (overrides.secret !== undefined) {
    delete entry.jwksUri;
    delete entry.metadataUrl;
  }
  for (const name of ISSUER_SETTING_NAMES) {
    const value = overrides[name];
    if (value === undefined) continue;
    if (name === "requiredClaims") {
      entry.requiredClaims = { ...defaults.requiredClaims, ...overrides.requiredClaims };
    } else {
      entry[name] = value;
    }
  }
  for (const name of Object.keys(entry)) if (entry[name] === undefined) delete entry[name];
  return entry as unknown as IssuerWithAudience;
}

/**
 * The verifier-wide part of the overrides: everything that is not a per-issuer setting and not one
 * of the preset's own option names.
 */
export function verifierWide(overrides: object, ownNames: readonly string[]): PresetOverrides {
  const skip = new Set<string>([...ISSUER_SETTING_NAMES, ...ownNames]);
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(overrides)) {
    if (!skip.has(name) && value !== undefined) out[name] = value;
  }
  return out as PresetOverrides;
}

/** Puts the pieces together into a preset's result. */
export function presetResult(
  options: object,
  ownNames: readonly string[],
  issuers: readonly IssuerWithAudience[],
): PresetOptions {
  return { ...verifierWide(options, ownNames), issuers: [...issuers] };
}
