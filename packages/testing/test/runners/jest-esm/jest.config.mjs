// jest in ESM mode: no transform at all; run with `node --experimental-vm-modules`.
export default {
  testEnvironment: "node",
  testMatch: ["<rootDir>/*.test.mjs"],
  transform: {},
};
