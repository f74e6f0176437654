// A route test with node:test and node:assert, no test-runner dependency at all.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { bearerAuth, requireScopes } from "@resource-guard/express";
import { createTestIssuer } from "@resource-guard/testing";
import express from "express";

let idp;
let server;
let url;
before(async () => {
  idp = await createTestIssuer({ audience: "https://api.example.com", alg: "EdDSA" });
  const app = express();
  app.use(bearerAuth({ issuer: idp.issuer, audience: "https://api.example.com" }));
  app.get("/orders", requireScopes("orders:read"), (_req, res) => res.json([{ id: 1 }]));
  server = app.listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  url = `http://127.0.0.1:${server.address().port}`;
});
after(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await idp.close();
});

test("a token with the scope gets the orders", async () => {
  const token = await idp.sign({ scope: "orders:read" });
  const response = await fetch(`${url}/orders`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(response.status, 200);
  assert.deepEqual(await response.json(), [{ id: 1 }]);
});

test("a token for another API is refused with invalid_token", async () => {
  const response = await fetch(`${url}/orders`, {
    headers: { authorization: `Bearer ${await idp.wrongAudience({ scope: "orders:read" })}` },
  });
  assert.equal(response.status, 401);
  assert.equal(
    response.headers.get("www-authenticate"),
    'Bearer realm="api", error="invalid_token", error_description="The token\'s audience is not accepted"',
  );
});
