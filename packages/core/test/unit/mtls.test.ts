/**
 * Certificate-bound tokens (RFC 8705 §3) through the verifier: the thumbprint check against DER bytes
 * and X509Certificate objects, certificates that are missing, different or unparseable, `mtls.required`,
 * the RFC 9440 `Client-Cert` header (only when configured), and tokens bound both ways.
 */
import { X509Certificate } from "node:crypto";
import { certificateThumbprint, createVerifier, type VerifierOptions } from "@resource-guard/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Credentials, createPki } from "../../../../test/support/certificates.js";
import { createDPoPClient } from "../../../../test/support/dpop.js";
import { startTestIdp, type TestIdp } from "../../../../test/support/idp.js";

const AUDIENCE = "https://api.example.com";
let idp: TestIdp;
let alice: Credentials;
let bob: Credentials;

beforeAll(async () => {
  idp = await startTestIdp();
  const pki = await createPki();
  alice = await pki.client("alice");
  bob = await pki.client("bob");
});
afterAll(() => idp.close());

function verifierWith(mtls: VerifierOptions["mtls"], extra: Partial<VerifierOptions> = {}) {
  return createVerifier({ issuer: idp.issuer, audience: AUDIENCE, mtls, ...extra });
}

const bound = (x5t: string, claims: Record<string, unknown> = {}) =>
  idp.sign({ sub: "u1", aud: AUDIENCE, cnf: { "x5t#S256": x5t }, ...claims });

async function outcome(promise: Promise<unknown>) {
  return promise.then(
    () => ({ status: 200, reason: "accepted" }),
    (e: { status: number; code?: string; reason: string; headers: Record<string, string> }) => ({
      status: e.status,
      code: e.code,
      reason: e.reason,
      challenge: e.headers["WWW-Authenticate"],
    }),
  );
}

const refused = (reason: string, description: string) => ({
  status: 401,
  code: "invalid_token",
  reason,
  challenge: `Bearer realm="api", error="invalid_token", error_description="${description}"`,
});

describe("certificate-bound tokens", () => {
  it("computes the RFC 8705 thumbprint of DER bytes and of an X509Certificate alike", () => {
    expect(certificateThumbprint(alice.der)).toBe(alice.x5t);
    expect(certificateThumbprint(new X509Certificate(alice.cert))).toBe(alice.x5t);
  });

  it("accepts the bound certificate, as DER bytes or as an X509Certificate", async () => {
    const verifier = verifierWith({});
    const token = await bound(alice.x5t);
    const headers = { authorization: `Bearer ${token}` };
    for (const clientCertificate of [alice.der, new Uint8Array(alice.der), new X509Certificate(alice.cert)]) {
      const auth = await verifier.authenticate({ headers, clientCertificate });
      expect(auth).toMatchObject({ scheme: "Bearer", binding: { kind: "mtls", x5t: alice.x5t } });
    }
    const viaReader = await verifier.authenticate({ headers }, { clientCertificate: () => alice.der });
    expect(viaReader.binding).toEqual({ kind: "mtls", x5t: alice.x5t });
  });

  it("refuses another certificate, none, and bytes that are no certificate", async () => {
    const verifier = verifierWith({});
    const headers = { authorization: `Bearer ${await bound(alice.x5t)}` };
    expect(await outcome(verifier.authenticate({ headers, clientCertificate: bob.der }))).toEqual(
      refused("certificate_mismatch", "The token is bound to another client certificate"),
    );
    expect(await outcome(verifier.authenticate({ headers }))).toEqual(
      refused("certificate_required", "The token is bound to a client certificate that was not presented"),
    );
    for (const garbage of [Buffer.from("not a certificate"), new Uint8Array(0)]) {
      expect(await outcome(verifier.authenticate({ headers, clientCertificate: garbage }))).toEqual(
        refused("certificate_unusable", "The client certificate cannot be used"),
      );
    }
  });

  it("refuses a certificate-bound token when mtls is not configured (it cannot be checked)", async () => {
    const verifier = createVerifier({ issuer: idp.issuer, audience: AUDIENCE });
    const headers = { authorization: `Bearer ${await bound(alice.x5t)}` };
    expect(await outcome(verifier.authenticate({ headers, clientCertificate: alice.der }))).toMatchObject({
      reason: "certificate_required",
    });
  });

  it("with mtls.required, refuses unbound tokens and accepts bound ones", async () => {
    const verifier = verifierWith({ required: true });
    const unbound = await idp.sign({ sub: "u1", aud: AUDIENCE });
    expect(
      await outcome(
        verifier.authenticate({
          headers: { authorization: `Bearer ${unbound}` },
          clientCertificate: alice.der,
        }),
      ),
    ).toEqual(refused("unbound_token", "The token must be bound to the sender"));
    await verifier.authenticate({
      headers: { authorization: `Bearer ${await bound(alice.x5t)}` },
      clientCertificate: alice.der,
    });
  });

  it("checks the certificate on every request, the token cached or not", async () => {
    const verifier = verifierWith({});
    const headers = { authorization: `Bearer ${await bound(alice.x5t)}` };
    for (let i = 0; i < 3; i++) await verifier.authenticate({ headers, clientCertificate: alice.der });
    expect(verifier.stats().cacheHits).toBe(1);
    expect(await outcome(verifier.authenticate({ headers, clientCertificate: bob.der }))).toMatchObject({
      reason: "certificate_mismatch",
    });
  });
});

describe("the Client-Cert header (RFC 9440), only when configured", () => {
  const sf = (der: Buffer) => `:${der.toString("base64")}:`;

  it("reads the certificate from the configured header, and only from it", async () => {
    const verifier = verifierWith({ certificateHeader: "Client-Cert" });
    const token = await bound(alice.x5t);
    const auth = await verifier.authenticate({
      headers: { authorization: `Bearer ${token}`, "client-cert": sf(alice.der) },
    });
    expect(auth.binding).toEqual({ kind: "mtls", x5t: alice.x5t });
    // The TLS certificate (the proxy's own, say) is not looked at once a header is configured.
    expect(
      await outcome(
        verifier.authenticate({
          headers: { authorization: `Bearer ${token}` },
          clientCertificate: alice.der,
        }),
      ),
    ).toMatchObject({ reason: "certificate_required" });
    const fetchRequest = new Request("https://api.example.com/x", {
      headers: { authorization: `Bearer ${token}`, "client-cert": ` ${sf(alice.der)} ` },
    });
    expect((await verifier.authenticate(fetchRequest)).binding).toEqual({ kind: "mtls", x5t: alice.x5t });
  });

  it("ignores the header when it is not configured", async () => {
    const verifier = verifierWith({});
    const headers = { authorization: `Bearer ${await bound(alice.x5t)}`, "client-cert": sf(alice.der) };
    expect(await outcome(verifier.authenticate({ headers }))).toMatchObject({
      reason: "certificate_required",
    });
  });

  it.each([
    ["base64 without the colons", (der: Buffer) => der.toString("base64")],
    ["a PEM", () => "-----BEGIN CERTIFICATE-----"],
    ["an empty byte sequence", () => "::"],
    ["bytes that are no certificate", () => `:${Buffer.from("garbage").toString("base64")}:`],
    ["two fields", (der: Buffer) => [sf(der), sf(der)]],
    ["a huge value", () => `:${"A".repeat(20_000)}:`],
  ])("answers %s with 401 certificate_unusable", async (_name, value) => {
    const verifier = verifierWith({ certificateHeader: "client-cert" });
    const headers = { authorization: `Bearer ${await bound(alice.x5t)}`, "client-cert": value(alice.der) };
    expect(await outcome(verifier.authenticate({ headers }))).toEqual(
      refused("certificate_unusable", "The client certificate cannot be used"),
    );
  });
});

describe("tokens bound to a DPoP key and a certificate", () => {
  it("need both the proof and the certificate", async () => {
    const client = await createDPoPClient("ES256");
    const verifier = verifierWith({}, { dpop: { algorithms: ["ES256"] } });
    const token = await idp.sign({
      sub: "u1",
      aud: AUDIENCE,
      cnf: { jkt: client.jkt, "x5t#S256": alice.x5t },
    });
    const url = "https://api.example.com/orders";
    const request = async (clientCertificate?: Buffer) => ({
      headers: { authorization: `DPoP ${token}`, dpop: await client.proof({ htu: url, token }) },
      method: "GET",
      absoluteUrl: url,
      ...(clientCertificate ? { clientCertificate } : {}),
    });
    const auth = await verifier.authenticate(await request(alice.der));
    expect(auth).toMatchObject({ scheme: "DPoP", binding: { kind: "dpop", jkt: client.jkt } });
    expect(await outcome(verifier.authenticate(await request()))).toMatchObject({
      reason: "certificate_required",
    });
    expect(await outcome(verifier.authenticate(await request(bob.der)))).toMatchObject({
      reason: "certificate_mismatch",
    });
  });
});

describe("mtls options", () => {
  const base = { issuer: "https://idp.example.com", audience: AUDIENCE };
  it.each([
    [{ required: 1 }, /"mtls.required" must be true or false/],
    [{ certificateHeader: "bad header" }, /"mtls.certificateHeader" must be a header name/],
    [{ header: "x" }, /unknown option "header" in mtls/],
  ])("refuses %j", (mtls, message) => {
    expect(() => createVerifier({ ...base, mtls: mtls as never })).toThrow(message);
  });
});
