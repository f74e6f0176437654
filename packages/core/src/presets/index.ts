/**
 * Identity-provider presets: functions that turn the few facts a user knows about their provider
 * (a realm, a domain, a tenant id) into `createVerifier` options with that vendor's quirks handled.
 */
export { type Auth0Options, auth0 } from "./auth0.js";
export { type CognitoOptions, cognito } from "./cognito.js";
export { type EntraOptions, type EntraTokenVersion, entra } from "./entra.js";
export { type KeycloakOptions, keycloak } from "./keycloak.js";
export { mergePresets } from "./merge-presets.js";
export { type OktaOptions, okta } from "./okta.js";
export type { PresetOptions, PresetOverrides } from "./preset-support.js";
