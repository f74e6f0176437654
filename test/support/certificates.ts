/**
 * A small PKI made in test setup for mTLS (RFC 8705): a CA, a server certificate for 127.0.0.1, and
 * client certificates, all P-256, built with @peculiar/x509 over WebCrypto. Servers use them with
 * `requestCert: true, rejectUnauthorized: false`, the "self-signed certificate" mode of RFC 8705 §2.2
 * where the binding, not the chain, is what counts; `x5t` is computed here from the DER bytes,
 * independently of core. `httpsRequest` sends a request with or without a client certificate.
 */
// @peculiar/x509 resolves its services through tsyringe, which needs this polyfill loaded first.
import "reflect-metadata";
import { createHash, webcrypto } from "node:crypto";
import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { request as httpsRequest } from "node:https";
import * as x509 from "@peculiar/x509";

x509.cryptoProvider.set(webcrypto as never);

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

const ALG = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;
const DAY = 86_400_000;
let serial = 1;

export interface Credentials {
  /** PEM of the certificate. */
  cert: string;
  /** PEM (PKCS #8) of its private key. */
  key: string;
  /** DER bytes of the certificate. */
  der: Buffer;
  /** RFC 8705 §3.1: base64url(SHA-256(DER)), what `cnf["x5t#S256"]` holds. */
  x5t: string;
}

export interface Pki {
  /** PEM of the CA certificate. */
  ca: string;
  /** The HTTPS server's certificate (SAN IP 127.0.0.1). */
  server: Credentials;
  /** Issues a client certificate with this common name. */
  client(name: string): Promise<Credentials>;
  /** The options of an HTTPS server that asks for (and does not chain-check) client certificates. */
  serverOptions(): { key: string; cert: string; ca: string; requestCert: true; rejectUnauthorized: false };
}

async function pemOfKey(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey("pkcs8", key as never));
  return `-----BEGIN PRIVATE KEY-----\n${der.toString("base64").replace(/.{64}/g, "$&\n")}\n-----END PRIVATE KEY-----\n`;
}

async function credentials(certificate: x509.X509Certificate, keys: CryptoKeyPair): Promise<Credentials> {
  const der = Buffer.from(certificate.rawData);
  return {
    cert: certificate.toString("pem"),
    key: await pemOfKey(keys.privateKey),
    der,
    x5t: createHash("sha256").update(der).digest("base64url"),
  };
}

async function keyPair(): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(ALG, true, ["sign", "verify"])) as CryptoKeyPair;
}

/** Makes a CA and a server certificate for 127.0.0.1. */
export async function createPki(): Promise<Pki> {
  const notBefore = new Date(Date.now() - DAY);
  const notAfter = new Date(Date.now() + DAY);
  const caKeys = await keyPair();
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: String(serial++).padStart(2, "0"),
    name: "CN=resource-guard test CA",
    notBefore,
    notAfter,
    keys: caKeys,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    ],
  });
  const issue = async (subject: string, extensions: x509.Extension[]) => {
    const keys = await keyPair();
    const certificate = await x509.X509CertificateGenerator.create({
      serialNumber: String(serial++).padStart(2, "0"),
      subject,
      issuer: ca.subject,
      notBefore,
      notAfter,
      signingKey: caKeys.privateKey,
      publicKey: keys.publicKey,
      signingAlgorithm: ALG,
      extensions,
    });
    return credentials(certificate, keys);
  };
  const server = await issue("CN=127.0.0.1", [
    new x509.SubjectAlternativeNameExtension([{ type: "ip", value: "127.0.0.1" }]),
    new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
  ]);
  const caPem = ca.toString("pem");
  return {
    ca: caPem,
    server,
    client: (name) =>
      issue(`CN=${name}`, [new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth])]),
    serverOptions: () => ({
      key: server.key,
      cert: server.cert,
      ca: caPem,
      requestCert: true,
      rejectUnauthorized: false,
    }),
  };
}

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * One request over node:http or node:https (by the URL's scheme), so header fields go out exactly as
 * given (an array value sends the field several times) and a client certificate can be presented.
 */
export function rawRequest(
  url: string,
  options: {
    method?: string;
    headers?: Record<string, string | string[]>;
    body?: string;
    ca?: string;
    cert?: Credentials;
  } = {},
): Promise<RawResponse> {
  const target = new URL(url);
  const send = target.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      target,
      {
        method: options.method ?? "GET",
        headers: options.headers,
        agent: false,
        ...(target.protocol === "https:"
          ? { ca: options.ca, cert: options.cert?.cert, key: options.cert?.key, servername: undefined }
          : {}),
      },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          body += chunk;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(options.body);
  });
}
