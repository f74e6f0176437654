/**
 * What `discover` finds wrong with an issuer's metadata (RFC 8414 §3.3, OpenID Connect Discovery §4.3)
 * and key set (RFC 7517, RFC 7518 §6), judged by what a resource server needs: an exact issuer, keys
 * over HTTPS, signing keys that say what they are for, strong enough, with nothing private in them, and
 * a caching header (RFC 9111) that says how long they may be kept. Pure functions, no I/O.
 */

export type Severity = "error" | "warning";

export interface Problem {
  severity: Severity;
  code: string;
  message: string;
}

export interface KeyInfo {
  kid: string | undefined;
  kty: string | undefined;
  alg: string | undefined;
  use: string | undefined;
  /** `2048 bits` for RSA, the curve for EC and OKP. */
  size: string | undefined;
  rsaBits: number | undefined;
  hasPrivateMembers: boolean;
}

const PRIVATE_MEMBERS = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

export function isLoopback(url: URL): boolean {
  return ["localhost", "127.0.0.1", "[::1]"].includes(url.hostname) || url.hostname.startsWith("127.");
}

function rsaBits(n: unknown): number | undefined {
  if (typeof n !== "string") return undefined;
  const bytes = Buffer.from(n, "base64url");
  const first = bytes.findIndex((byte) => byte !== 0);
  if (first === -1) return 0;
  return (bytes.length - first - 1) * 8 + (32 - Math.clz32(bytes[first] as number));
}

export function describeKey(jwk: Record<string, unknown>): KeyInfo {
  const text = (name: string) => (typeof jwk[name] === "string" ? (jwk[name] as string) : undefined);
  const bits = jwk.kty === "RSA" ? rsaBits(jwk.n) : undefined;
  return {
    kid: text("kid"),
    kty: text("kty"),
    alg: text("alg"),
    use: text("use"),
    size: bits !== undefined ? `${bits} bits` : text("crv"),
    rsaBits: bits,
    hasPrivateMembers: PRIVATE_MEMBERS.some((name) => name in jwk),
  };
}

export function issuerProblems(given: string, metadataIssuer: unknown, jwksUri: unknown): Problem[] {
  const problems: Problem[] = [];
  const url = new URL(given);
  if (url.protocol === "http:" && !isLoopback(url))
    problems.push({
      severity: "error",
      code: "insecure-http",
      message: `the issuer is http: off loopback; keys fetched over plain HTTP can be replaced on the way (resource-guard refuses it unless allowInsecureHttp is set)`,
    });
  if (metadataIssuer !== given) {
    const slashOnly =
      typeof metadataIssuer === "string" && metadataIssuer.replace(/\/$/, "") === given.replace(/\/$/, "");
    problems.push({
      severity: "error",
      code: "issuer-mismatch",
      message: slashOnly
        ? `the metadata names the issuer ${JSON.stringify(metadataIssuer)}, which differs from ${JSON.stringify(given)} only by a trailing slash; issuers match exactly, so configure ${JSON.stringify(metadataIssuer)} (the value tokens carry in "iss")`
        : `the metadata names the issuer ${JSON.stringify(metadataIssuer)}, not ${JSON.stringify(given)}; resource-guard refuses metadata for another issuer (RFC 8414 §3.3)`,
    });
  }
  if (typeof jwksUri !== "string") {
    problems.push({ severity: "error", code: "no-jwks-uri", message: 'the metadata has no "jwks_uri"' });
  } else if (URL.canParse(jwksUri)) {
    const jwks = new URL(jwksUri);
    if (jwks.protocol !== "https:" && !(jwks.protocol === "http:" && isLoopback(jwks)))
      problems.push({
        severity: "error",
        code: "insecure-jwks-uri",
        message: `the jwks_uri is not https: (${jwksUri})`,
      });
  } else {
    problems.push({ severity: "error", code: "no-jwks-uri", message: `the jwks_uri is not a URL` });
  }
  return problems;
}

export function keyProblems(keys: KeyInfo[]): Problem[] {
  const problems: Problem[] = [];
  const name = (key: KeyInfo, index: number) =>
    key.kid === undefined ? `#${index + 1}` : JSON.stringify(key.kid);
  const signing = keys.filter((key) => key.use !== "enc");
  if (signing.length === 0)
    problems.push({
      severity: "error",
      code: "no-signing-keys",
      message: "the key set holds no signing key",
    });
  const seen = new Set<string>();
  keys.forEach((key, index) => {
    if (key.hasPrivateMembers)
      problems.push({
        severity: "error",
        code: key.kty === "oct" ? "symmetric-key" : "private-key",
        message: `key ${name(key, index)} publishes secret material; a public key set must hold public keys only (replace that key now)`,
      });
    if (key.rsaBits !== undefined && key.rsaBits < 2048)
      problems.push({
        severity: "error",
        code: "weak-rsa",
        message: `key ${name(key, index)} is RSA with ${key.rsaBits} bits; RFC 7518 §3.3 requires 2048 or more`,
      });
    if (key.alg === undefined)
      problems.push({
        severity: "warning",
        code: "no-alg",
        message: `key ${name(key, index)} has no "alg"; any algorithm of its type is then tried with it (set "algorithms" to the ones your provider uses)`,
      });
    if (key.use === undefined)
      problems.push({
        severity: "warning",
        code: "no-use",
        message: `key ${name(key, index)} has no "use"; it is assumed to be a signing key`,
      });
    if (key.kid === undefined && keys.length > 1)
      problems.push({
        severity: "warning",
        code: "no-kid",
        message: `key ${name(key, index)} has no "kid" in a set of ${keys.length}; tokens cannot name it`,
      });
    if (key.kid !== undefined) {
      if (seen.has(key.kid))
        problems.push({
          severity: "warning",
          code: "duplicate-kid",
          message: `the kid ${name(key, index)} is used twice`,
        });
      seen.add(key.kid);
    }
  });
  return problems;
}

/** Reads `max-age` (or no-store/no-cache, as 0) from a Cache-Control header (RFC 9111 §5.2.2). */
export function maxAgeOf(cacheControl: string | null): number | undefined {
  if (!cacheControl) return undefined;
  const lower = cacheControl.toLowerCase();
  if (/(?:^|[\s,])(?:no-store|no-cache)(?:$|[\s,=])/.test(lower)) return 0;
  const match = /(?:^|[\s,])max-age\s*=\s*"?(\d+)"?/.exec(lower);
  return match ? Number(match[1]) : undefined;
}

/** How long resource-guard keeps these keys before refreshing: max-age clamped to [1 min, 24 h], else 10 min. */
export function refreshSeconds(maxAge: number | undefined): number {
  if (maxAge === undefined) return 600;
  return Math.min(86_400, Math.max(60, maxAge));
}

export function cacheProblems(cacheControl: string | null): Problem[] {
  const maxAge = maxAgeOf(cacheControl);
  if (cacheControl === null)
    return [
      {
        severity: "warning",
        code: "no-cache-control",
        message: "the JWKS has no Cache-Control; resource-guard then refreshes the keys every 10 min",
      },
    ];
  if (maxAge === 0)
    return [
      {
        severity: "warning",
        code: "uncacheable-jwks",
        message:
          "the JWKS says no-store/no-cache; resource-guard still keeps keys for 1 min rather than fetch per request",
      },
    ];
  return [];
}
