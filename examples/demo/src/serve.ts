/**
 * The demo's `--serve` mode: the authorization server and one example API stay up on fixed ports,
 * and the integrator's part is left to the reader, as ready-to-paste curl commands. Ctrl-C (or
 * SIGTERM) stops both servers and ends the process.
 */
import { once } from "node:events";
import { startAuthorizationServer } from "./authorization-server.js";
import { type DemoClient, ORDERS_API_CLIENT, READER_CLIENT, WRITER_CLIENT } from "./clients.js";
import { type Framework, startOrdersApi } from "./start-api.js";
import type { Write } from "./transcript.js";

/**
 * Starts both servers and resolves once a signal has stopped them.
 *
 * @example
 * await serve({ framework: "koa", tokenTtl: 300, asPort: 4000, apiPort: 4001, write: console.log });
 */
export async function serve(options: {
  framework: Framework;
  tokenTtl: number;
  /** Opaque tokens, introspected by the API, instead of JWTs. */
  opaque?: boolean;
  asPort: number;
  apiPort: number;
  write: Write;
}): Promise<void> {
  const { framework, write } = options;
  const authorizationServer = await startAuthorizationServer({
    port: options.asPort,
    accessTokenTtl: options.tokenTtl,
    accessTokenFormat: options.opaque ? "opaque" : "jwt",
  });
  const introspection = {
    clientId: ORDERS_API_CLIENT.clientId,
    clientSecret: ORDERS_API_CLIENT.clientSecret,
  };
  const api = await startOrdersApi(
    framework,
    {
      issuer: authorizationServer.issuer,
      audience: authorizationServer.audience,
      ...(options.opaque ? { introspection } : {}),
    },
    options.apiPort,
  ).catch(async (error: unknown) => {
    await authorizationServer.close();
    throw error;
  });

  const token = authorizationServer.tokenEndpoint;
  const order = `-H 'Content-Type: application/json' -d '{"item":"green tea","quantity":3}'`;
  const lines = [
    `resource-guard demo (--serve): the orders API on ${framework}`,
    "",
    `  authorization server  ${authorizationServer.issuer}  (discovery: /.well-known/openid-configuration)`,
    `  orders API            ${api.url}`,
    `  the same API by hand: ISSUER=${authorizationServer.issuer} AUDIENCE=${authorizationServer.audience} \\`,
    ...(options.opaque
      ? [
          `                        INTROSPECTION_CLIENT_ID=${introspection.clientId} INTROSPECTION_CLIENT_SECRET=${introspection.clientSecret} \\`,
        ]
      : []),
    `                        PORT=3001 pnpm --filter example-${framework} start`,
    `  tokens live ${authorizationServer.accessTokenTtl} s${options.opaque ? "; they are opaque, and the API introspects them" : ""}`,
    "",
    "# A token for the read/write client, authenticated with a Basic header (curl -u):",
    `WRITE_TOKEN=$(${tokenCommand(token, WRITER_CLIENT)})`,
    "",
    "# A token for the read-only client, credentials in the form body:",
    `READ_TOKEN=$(${tokenCommand(token, READER_CLIENT)})`,
    "",
    "# Public, then read and write with the read/write token (200, 200, 201):",
    `curl -i ${api.url}/health`,
    `curl -i ${api.url}/orders -H "Authorization: Bearer $WRITE_TOKEN"`,
    `curl -i ${api.url}/orders -H "Authorization: Bearer $WRITE_TOKEN" ${order}`,
    "",
    "# Writing with the read-only token (403 insufficient_scope), then without any token (401):",
    `curl -i ${api.url}/orders -H "Authorization: Bearer $READ_TOKEN" ${order}`,
    `curl -i ${api.url}/orders`,
    "",
    ...(options.opaque
      ? [
          "# Revoke the read-only token (RFC 7009). The API reuses its last answer about a token for up to",
          "# 30 s (introspection.maxCacheMs): 200 until then, 401 invalid_token after:",
          `curl -s -d client_id=${READER_CLIENT.clientId} -d client_secret=${READER_CLIENT.clientSecret} -d "token=$READ_TOKEN" ${authorizationServer.revocationEndpoint}`,
          `curl -i ${api.url}/orders -H "Authorization: Bearer $READ_TOKEN"`,
          "",
        ]
      : []),
    "Press Ctrl-C to stop both servers.",
  ];
  for (const line of lines) write(line);

  await Promise.race([once(process, "SIGINT"), once(process, "SIGTERM")]);
  write("\nstopping…");
  await api.close();
  await authorizationServer.close();
}

function tokenCommand(tokenEndpoint: string, client: DemoClient): string {
  const scope = `--data-urlencode 'scope=${client.scope}'`;
  const credentials =
    client.authMethod === "client_secret_basic"
      ? `-u ${client.clientId}:${client.clientSecret}`
      : `-d client_id=${client.clientId} -d client_secret=${client.clientSecret}`;
  // sed rather than jq, which many machines lack.
  return `curl -s ${credentials} -d grant_type=client_credentials ${scope} ${tokenEndpoint} | sed -E 's/.*"access_token":"([^"]+)".*/\\1/'`;
}
