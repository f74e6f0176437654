/**
 * Amazon Cognito (user pool) preset. Access tokens carry no `aud` at all, while ID tokens carry
 * `aud` = the app client id: configuring `audience: clientId` would reject every access token and
 * accept ID tokens instead. So the preset turns the audience check off and binds the token to the
 * app client(s) by `client_id`, and requires `token_use: "access"`, as AWS's own verifier does.
 *
 * Issuer `https://cognito-idp.{region}.amazonaws.com/{userPoolId}`, keys at
 * `{issuer}/.well-known/jwks.json` (kids in standard base64 with `+`, `/`, `=`), RS256. The token
 * endpoint lives on another host (the user-pool domain) and plays no part in verification.
 */
import {
  buildIssuer,
  type PresetOptions,
  type PresetOverrides,
  presetError,
  presetResult,
  requireBaseUrl,
  requireString,
  requireStrings,
} from "./preset-support.js";

export interface CognitoOptions extends PresetOverrides {
  /** The user pool id, e.g. `"eu-west-1_AbCdEf123"`. */
  userPoolId: string;
  /** The pool's region; default the `userPoolId` prefix. */
  region?: string;
  /** The app client id(s) whose access tokens are accepted (`client_id`). */
  clientId: string | readonly string[];
  /** Also read `cognito:groups` (user tokens) as scopes. Default false. */
  groups?: boolean;
  /** The user-pool service origin. Default `https://cognito-idp.{region}.amazonaws.com` (emulators, VPC endpoints). */
  endpoint?: string;
}

const OWN_NAMES = ["userPoolId", "region", "clientId", "groups", "endpoint", "audience"] as const;
const NAME = "cognito";
const POOL_ID = /^([a-z]{2}(?:-[a-z]+)+-\d+)_[0-9A-Za-z]+$/;

/**
 * Verifier options for the access tokens of a Cognito user pool.
 * @example
 * const verifier = createVerifier(cognito({ userPoolId: "eu-west-1_AbCdEf123", clientId: "5r2v9kq1m3n8b7c6x4z0a1s2d3" }));
 */
export function cognito(options: CognitoOptions): PresetOptions {
  if (options === null || typeof options !== "object") {
    throw presetError(
      NAME,
      'expects an options object, e.g. cognito({ userPoolId: "eu-west-1_AbCdEf123", clientId })',
    );
  }
  if ("audience" in options && (options as { audience?: unknown }).audience !== undefined) {
    throw presetError(
      NAME,
      'takes no "audience": Cognito access tokens have no "aud" (only ID tokens do); name the app client(s) in "clientId"',
    );
  }
  const userPoolId = requireString(NAME, "userPoolId", options.userPoolId, '"eu-west-1_AbCdEf123"');
  const match = POOL_ID.exec(userPoolId);
  if (!match)
    throw presetError(NAME, '"userPoolId" must look like "eu-west-1_AbCdEf123" (region, underscore, id)');
  const region =
    options.region === undefined ? match[1]! : requireString(NAME, "region", options.region, '"eu-west-1"');
  if (region !== match[1]) {
    throw presetError(
      NAME,
      `"region" is "${region}" but the user pool "${userPoolId}" lives in "${match[1]}"`,
    );
  }
  const clientIds = requireStrings(NAME, "clientId", options.clientId, '"5r2v9kq1m3n8b7c6x4z0a1s2d3"');
  const endpoint = requireBaseUrl(
    NAME,
    "endpoint",
    options.endpoint ?? `https://cognito-idp.${region}.amazonaws.com`,
    `"https://cognito-idp.${region}.amazonaws.com"`,
  );
  const issuer = `${endpoint}/${userPoolId}`;
  return presetResult(options, OWN_NAMES, [
    buildIssuer(
      {
        issuer,
        audience: false,
        jwksUri: `${issuer}/.well-known/jwks.json`,
        algorithms: ["RS256"],
        scopeClaims: options.groups === true ? ["scope", "cognito:groups"] : ["scope"],
        requiredClaims: { token_use: "access", client_id: clientIds },
      },
      options,
    ),
  ]);
}
