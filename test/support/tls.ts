/**
 * Self-signed certificates for tests that need a real TLS connection with a client certificate
 * (RFC 8705 readers of the adapters). Made with the openssl command line in a temporary folder, one
 * server and one client pair per call; no key material is committed.
 */
import { execFileSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface KeyPair {
  key: string;
  cert: string;
  /** The certificate's DER bytes, as a TLS peer presents them. */
  der: Buffer;
}

function selfSigned(dir: string, name: string, subject: string): KeyPair {
  const key = join(dir, `${name}.key`);
  const cert = join(dir, `${name}.pem`);
  execFileSync(
    "openssl",
    ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"].concat([
      "-keyout",
      key,
      "-out",
      cert,
      "-days",
      "1",
      "-subj",
      subject,
    ]),
    { stdio: "ignore", timeout: 20_000 },
  );
  const pem = readFileSync(cert, "utf8");
  return { key: readFileSync(key, "utf8"), cert: pem, der: Buffer.from(new X509Certificate(pem).raw) };
}

/** A server pair for 127.0.0.1 and a client pair. Throws when openssl is not available. */
export function makeTlsPairs(): { server: KeyPair; client: KeyPair } {
  const dir = mkdtempSync(join(tmpdir(), "rg-tls-"));
  try {
    return {
      server: selfSigned(dir, "server", "/CN=127.0.0.1"),
      client: selfSigned(dir, "client", "/CN=client"),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
