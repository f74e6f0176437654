// A route test as a jest user in ESM mode (node --experimental-vm-modules) writes it.

import { bearerAuth, requireScopes } from "@resource-guard/express";
import { createTestIssuer } from "@resource-guard/testing";
import express from "express";
import request from "supertest";

let idp;
let app;
beforeAll(async () => {
  idp = await createTestIssuer({ audience: "https://api.example.com", alg: "ES256" });
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

test("a token without the scope is refused with insufficient_scope", async () => {
  const token = await idp.sign({ scope: "profile" });
  const response = await request(app).get("/orders").set("Authorization", `Bearer ${token}`);
  expect(response.status).toBe(403);
  expect(response.headers["www-authenticate"]).toBe(
    'Bearer realm="api", error="insufficient_scope", scope="orders:read"',
  );
});
