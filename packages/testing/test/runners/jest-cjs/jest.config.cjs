// The jest setup docs/testing.md gives for CommonJS mode on Node 20 and 22: jose (which core and the
// test kit use) is ESM-only, and jest's own require() cannot load ESM before Node 24.9, so jose is
// compiled to CommonJS on the way in. The pattern fits npm, yarn and pnpm layouts.
module.exports = {
  testEnvironment: "node",
  testMatch: ["<rootDir>/*.test.cjs"],
  transform: { "\\.[cm]?js$": ["babel-jest", { plugins: ["@babel/plugin-transform-modules-commonjs"] }] },
  transformIgnorePatterns: ["/node_modules/(?!(\\.pnpm/jose@[^/]+/node_modules/)?jose/)"],
};
