/**
 * The `jwks` issuer setting: a key set given in the options instead of fetched (air-gapped
 * deployments, unit tests that should not open a port). It takes a JWK Set (RFC 7517 §5), one PEM
 * public key (SPKI or an X.509 certificate), or an array of PEM texts. Each entry is checked here, at
 * construction, by parsing it with node:crypto, so a set that holds no usable public key is a
 * TypeError now rather than a 503 on the first request.
 */
import { createPublicKey, X509Certificate } from "node:crypto";
import type { JWK } from "jose";

function fail(message: string): never {
  throw new TypeError(`resource-guard: ${message}`);
}

function fromPem(pem: string, name: string): JWK {
  let key: ReturnType<typeof createPublicKey>;
  try {
    key = pem.includes("BEGIN CERTIFICATE") ? new X509Certificate(pem).publicKey : createPublicKey(pem);
  } catch {
    fail(`"${name}" holds a PEM text that is not a public key or certificate`);
  }
  if (key.type !== "public") fail(`"${name}" must hold public keys only`);
  return key.export({ format: "jwk" }) as JWK;
}

function isUsable(jwk: JWK): boolean {
  if (jwk.kty !== "RSA" && jwk.kty !== "EC" && jwk.kty !== "OKP") return false;
  try {
    const { kty, n, e, crv, x, y } = jwk;
    return createPublicKey({ key: { kty, n, e, crv, x, y } as never, format: "jwk" }).type === "public";
  } catch {
    return false;
  }
}

/**
 * Validates a `jwks` setting and returns its keys as JWKs. Private members are dropped: only public
 * key material is kept, whatever was passed.
 */
export function resolveStaticKeys(value: unknown, name: string): readonly JWK[] {
  let jwks: JWK[];
  if (typeof value === "string") jwks = [fromPem(value, name)];
  else if (Array.isArray(value) && value.length > 0 && value.every((item) => typeof item === "string")) {
    jwks = value.map((pem: string) => fromPem(pem, name));
  } else if (
    value !== null &&
    typeof value === "object" &&
    Array.isArray((value as { keys?: unknown }).keys)
  ) {
    jwks = ((value as { keys: unknown[] }).keys as JWK[]).filter(
      (jwk) => jwk !== null && typeof jwk === "object",
    );
  } else {
    fail(`"${name}" must be a JWK Set ({ keys: [...] }), a PEM public key, or an array of PEM texts`);
  }
  const usable = jwks.filter(isUsable).map(({ d, p, q, dp, dq, qi, k, ...publicMembers }) => publicMembers);
  if (usable.length === 0) fail(`"${name}" holds no usable public RSA, EC or OKP key`);
  return Object.freeze(usable);
}
