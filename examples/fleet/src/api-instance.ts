/**
 * One instance of the orders API in a fleet: the Express example app (examples/express) with its
 * DPoP replay store on the shared Redis, so that a proof used at any instance is refused at every
 * other. Run one process per instance, all with the same REDIS_URL and prefix:
 *
 *   REDIS_URL  e.g. redis://127.0.0.1:6379 (required)
 *   ISSUER, AUDIENCE, JWKS_URI  as for examples/express
 *   NAME       this instance's name, sent back in `X-Instance` so you can see who answered
 *   PORT       default 0 (any free port); HOST default 127.0.0.1
 *
 * It prints `instance <NAME> listening on <port>` once connected to Redis and listening.
 */
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { VerifierOptions } from "@resource-guard/core";
import { redisStore } from "@resource-guard/redis";
import express from "express";
import { createClient } from "redis";
import { createApp } from "../../express/src/app.js";

const { REDIS_URL, ISSUER, AUDIENCE, JWKS_URI, NAME = "api", PORT = "0", HOST = "127.0.0.1" } = process.env;
if (!REDIS_URL || !ISSUER || !AUDIENCE) {
  console.error("Set REDIS_URL, ISSUER and AUDIENCE (and optionally JWKS_URI, NAME, PORT, HOST).");
  process.exit(1);
}

const redis = createClient({ url: REDIS_URL });
// Log connection trouble once per change; requests meanwhile are answered 503 by the store.
redis.on("error", (error: Error) => console.error(`instance ${NAME}: redis: ${error.message}`));
await redis.connect();

const store = redisStore(redis, { prefix: "orders-api:" });
const app = express();
app.disable("x-powered-by");
app.use((_req, res, next) => {
  res.set("X-Instance", NAME);
  next();
});
app.use(
  createApp({
    issuer: ISSUER,
    audience: AUDIENCE,
    ...(JWKS_URI ? { jwksUri: JWKS_URI } : {}),
    dpop: { replayStore: store },
  } as VerifierOptions),
);

const server: Server = app.listen(Number(PORT), HOST, () => {
  console.log(`instance ${NAME} listening on ${(server.address() as AddressInfo).port}`);
});
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.once(signal, () => {
    server.close();
    server.closeAllConnections();
    void redis.quit().catch(() => undefined);
  });
}
