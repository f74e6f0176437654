/**
 * Self-signed X.509 certificates for emulated key sets. Keycloak, Auth0 and Entra publish `x5c` (and
 * `x5t`, the certificate's SHA-1 thumbprint, which Entra also uses as `kid`) next to `n` and `e`. A
 * verifier must work from the JWK members and not be thrown by the certificate, and the thumbprints
 * must be real for the emulators to be faithful, so this builds a genuine DER certificate
 * (RFC 5280 §4.1) over the key with a minimal ASN.1 DER writer.
 */
import { createHash, type KeyObject, sign } from "node:crypto";

function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v >>= 8) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function tlv(tag: number, ...content: Buffer[]): Buffer {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), length(body.length), body]);
}

const sequence = (...content: Buffer[]) => tlv(0x30, ...content);
// sha256WithRSAEncryption, 1.2.840.113549.1.1.11, with NULL parameters.
const SHA256_WITH_RSA = sequence(
  Buffer.from([0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b]),
  Buffer.from([0x05, 0x00]),
);

function commonName(cn: string): Buffer {
  // Name ::= SEQUENCE OF SET OF AttributeTypeAndValue; id-at-commonName is 2.5.4.3.
  return sequence(
    tlv(0x31, sequence(Buffer.from([0x06, 0x03, 0x55, 0x04, 0x03]), tlv(0x0c, Buffer.from(cn)))),
  );
}

function utcTime(date: Date): Buffer {
  const iso = date.toISOString();
  const text = `${iso.slice(2, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
  return tlv(0x17, Buffer.from(text));
}

export interface Certificate {
  der: Buffer;
  /** base64 DER, the `x5c` entry. */
  x5c: string;
  /** base64url SHA-1 thumbprint. */
  x5t: string;
  /** base64url SHA-256 thumbprint. */
  x5tS256: string;
}

/** A self-signed RSA certificate for `cn`, valid for a year from yesterday. */
export function selfSignedCertificate(cn: string, publicKey: KeyObject, privateKey: KeyObject): Certificate {
  const notBefore = new Date(Date.now() - 86_400_000);
  const notAfter = new Date(notBefore.getTime() + 366 * 86_400_000);
  const tbs = sequence(
    tlv(0xa0, tlv(0x02, Buffer.from([0x02]))), // version v3
    tlv(0x02, Buffer.from([0x01, ...createHash("sha256").update(cn).digest().subarray(0, 8)])),
    SHA256_WITH_RSA,
    commonName(cn),
    sequence(utcTime(notBefore), utcTime(notAfter)),
    commonName(cn),
    publicKey.export({ type: "spki", format: "der" }),
  );
  const signature = sign("sha256", tbs, privateKey);
  const der = sequence(tbs, SHA256_WITH_RSA, tlv(0x03, Buffer.from([0x00]), signature));
  return {
    der,
    x5c: der.toString("base64"),
    x5t: createHash("sha1").update(der).digest("base64url"),
    x5tS256: createHash("sha256").update(der).digest("base64url"),
  };
}
