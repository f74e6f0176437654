// jest in CommonJS mode with no setup, to show what the setup in jest.config.cjs is for.
module.exports = {
  testEnvironment: "node",
  testMatch: ["<rootDir>/*.test.cjs"],
};
