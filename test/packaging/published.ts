/**
 * The published packages and what each must ship. Adding a package is one line in PUBLISHED: its
 * folder name under packages/, and a few names its entry point must export. Every other check in
 * test/packaging reads this table.
 */

/** Folder name under packages/ → names that `import` and `require` must both expose. */
export const PUBLISHED: Record<string, readonly string[]> = {
  core: ["createVerifier", "InvalidTokenError", "assertScopes", "keycloak", "toErrorResponse"],
  express: ["bearerAuth", "requireScopes", "errorHandler", "getAuth"],
  koa: ["bearerAuth", "requireScopes", "errorHandler", "getAuth"],
  fastify: ["resourceGuard", "default", "errorHandler", "getAuth"],
  hono: ["bearerAuth", "requireScopes", "requireAnyScope", "requireClaims", "toHTTPException"],
  nestjs: ["ResourceGuardModule", "ResourceGuard", "RequireScopes", "Public", "Auth"],
  testing: ["createTestIssuer", "createTestKeys", "dpopKeyPair", "dpopProof"],
  redis: ["redisStore"],
};

/**
 * The exact file list of every tarball: the dual build with its declarations, and the three files
 * the npm page and the license need. No source maps, no sources, no tests.
 */
export const TARBALL_FILES: readonly string[] = [
  "CHANGELOG.md",
  "LICENSE",
  "README.md",
  "dist/index.cjs",
  "dist/index.d.cts",
  "dist/index.d.ts",
  "dist/index.js",
  "package.json",
];
