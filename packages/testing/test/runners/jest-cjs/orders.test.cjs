// A route test as a jest user in CommonJS mode writes it: require() everywhere, jest's globals.
const express = require("express");
const request = require("supertest");
const { bearerAuth, requireScopes } = require("@resource-guard/express");
const { createTestIssuer } = require("@resource-guard/testing");

let idp;
let app;
beforeAll(async () => {
  idp = await createTestIssuer({ audience: "https://api.example.com" });
  app = express();
  app.use(bearerAuth({ issuer: idp.issuer, audience: "https://api.example.com" }));
  app.get("/orders", requireScopes("orders:read"), (_req, res) => res.json([{ id: 1 }]));
});
afterAll(() => idp.close());

test("a token with the scope gets the orders", async () => {
  const token = await idp.sign({ scope: "orders:read" });
  const response = await request(app).get("/orders").set("Authorization", `Bearer ${token}`);
  expect(response.status).toBe(200);
  expect(response.body).toEqual([{ id: 1 }]);
});

test("an expired token is refused with invalid_token", async () => {
  const response = await request(app)
    .get("/orders")
    .set("Authorization", `Bearer ${await idp.expired()}`);
  expect(response.status).toBe(401);
  expect(response.headers["www-authenticate"]).toBe(
    'Bearer realm="api", error="invalid_token", error_description="The token has expired"',
  );
});
