/**
 * The demo's default mode: start the authorization server and one example API on ephemeral ports,
 * act out the scenario, print the transcript and a summary, and stop both servers whatever happened.
 * The exit code is the verdict, so CI and the end-to-end test can rely on it.
 */
import { startAuthorizationServer } from "./authorization-server.js";
import { ORDERS_API_CLIENT, READER_CLIENT, WRITER_CLIENT } from "./clients.js";
import { runScenario } from "./scenario.js";
import { type Framework, startOrdersApi } from "./start-api.js";
import type { Transcript } from "./transcript.js";

/** The API's leeway on `exp`: none, so the expiry step waits only the token's lifetime. */
const DEMO_CLOCK_TOLERANCE = 0;

/** With opaque tokens: how long the API reuses an introspection answer (short, so revocation shows). */
const DEMO_MAX_CACHE_MS = 2000;

/**
 * Runs the whole story once. Resolves to 0 when every step behaved as expected, 1 otherwise.
 *
 * @example
 * process.exitCode = await runTranscript({ framework: "express", tokenTtl: 5, transcript });
 */
export async function runTranscript(options: {
  framework: Framework;
  tokenTtl: number;
  /** Opaque tokens, introspected by the API, instead of JWTs. */
  opaque?: boolean;
  transcript: Transcript;
}): Promise<0 | 1> {
  const { framework, transcript } = options;
  const opaque = options.opaque === true;
  const authorizationServer = await startAuthorizationServer({
    accessTokenTtl: options.tokenTtl,
    accessTokenFormat: opaque ? "opaque" : "jwt",
  });
  try {
    const api = await startOrdersApi(framework, {
      issuer: authorizationServer.issuer,
      audience: authorizationServer.audience,
      clockTolerance: DEMO_CLOCK_TOLERANCE,
      ...(opaque
        ? {
            introspection: {
              clientId: ORDERS_API_CLIENT.clientId,
              clientSecret: ORDERS_API_CLIENT.clientSecret,
              maxCacheMs: DEMO_MAX_CACHE_MS,
            },
          }
        : {}),
    });
    try {
      transcript.heading(
        `resource-guard demo: the orders API on ${framework}, ${opaque ? "opaque " : ""}tokens from oidc-provider`,
      );
      transcript.line(
        `  authorization server  ${authorizationServer.issuer}  (oidc-provider, client_credentials grant)`,
      );
      transcript.line(
        `    discovery           ${authorizationServer.issuer}/.well-known/openid-configuration`,
      );
      transcript.line(`    token endpoint      ${authorizationServer.tokenEndpoint}`);
      transcript.line(`    clients             ${WRITER_CLIENT.clientId} (${WRITER_CLIENT.scope})`);
      transcript.line(`                        ${READER_CLIENT.clientId} (${READER_CLIENT.scope})`);
      transcript.line(`    token lifetime      ${authorizationServer.accessTokenTtl} s`);
      if (opaque) {
        transcript.line(`    introspection       ${authorizationServer.introspectionEndpoint}  (RFC 7662)`);
        transcript.line(`    revocation          ${authorizationServer.revocationEndpoint}  (RFC 7009)`);
      }
      transcript.line(`  orders API            ${api.url}  (examples/${framework})`);
      transcript.line(`    audience            ${authorizationServer.audience}`);
      transcript.line(
        opaque
          ? `    tokens              introspected as client ${ORDERS_API_CLIENT.clientId}, answers reused for ${DEMO_MAX_CACHE_MS / 1000} s at most`
          : `    keys                discovered from the issuer`,
      );

      const { passed, total } = await runScenario({
        tokenEndpoint: authorizationServer.tokenEndpoint,
        apiUrl: api.url,
        clockTolerance: DEMO_CLOCK_TOLERANCE,
        transcript,
        ...(opaque
          ? {
              opaque: {
                revocationEndpoint: authorizationServer.revocationEndpoint,
                maxCacheMs: DEMO_MAX_CACHE_MS,
              },
            }
          : {}),
      });
      transcript.line("");
      if (passed === total) {
        transcript.line(`✔ all ${total} steps behaved as expected (${framework})`);
        return 0;
      }
      transcript.line(`✘ ${total - passed} of ${total} steps did not behave as expected (${framework})`);
      return 1;
    } finally {
      await api.close();
    }
  } finally {
    await authorizationServer.close();
  }
}
