/**
 * Packaging: what npm users download is the tarball `pnpm publish` makes, not the sources the other
 * suites run. This suite packs every published package (test/packaging/published.ts) and checks the
 * tarball itself: its exact file list, the license and readme inside, complete registry metadata, a
 * `workspace:` range turned into a real one, declarations that import only declared dependencies,
 * publint's rules and @arethetypeswrong/cli's resolution checks for every module system.
 * ESM/CJS loading is in imports.test.ts; installing and running the quick starts in install.test.ts.
 */
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listTarball, type Packed, packAll, ROOT, readFromTarball } from "./pack.js";
import { PUBLISHED, TARBALL_FILES } from "./published.js";

interface Manifest {
  name: string;
  version: string;
  description?: string;
  keywords?: string[];
  homepage?: string;
  bugs?: { url?: string };
  repository?: { type?: string; url?: string; directory?: string };
  license?: string;
  author?: string;
  engines?: { node?: string };
  files?: string[];
  sideEffects?: boolean;
  publishConfig?: { access?: string };
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

const REPOSITORY = "https://github.com/resource-guard/resource-guard";
const rootLicense = readFileSync(join(ROOT, "LICENSE"), "utf8");
const source = (name: string): Manifest =>
  JSON.parse(readFileSync(join(ROOT, "packages", name, "package.json"), "utf8"));

let packed: Packed[];
let cleanUp: () => void;
beforeAll(async () => {
  ({ packed, cleanUp } = await packAll());
}, 120_000);
afterAll(() => cleanUp?.());

/** Runs a tool without blocking, so the packages' slow checks run side by side. */
function run(command: string, args: string[], cwd: string): Promise<{ status: number; output: string }> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd, encoding: "utf8", timeout: 90_000 }, (error, stdout, stderr) => {
      const status = error ? (typeof error.code === "number" ? error.code : 1) : 0;
      resolve({ status, output: stdout + stderr });
    });
  });
}

const tarballOf = (name: string) => {
  const found = packed.find((p) => p.name === name);
  if (!found) throw new Error(`packages/${name} was not packed`);
  return found.tarball;
};

it("has an MIT license for resource-guard contributors at the root", () => {
  expect(rootLicense.split("\n").slice(0, 3)).toEqual([
    "MIT License",
    "",
    "Copyright (c) 2026 resource-guard contributors",
  ]);
});

it("gives every published package the same version, as the changesets fixed group does", () => {
  const versions = new Set(Object.keys(PUBLISHED).map((name) => source(name).version));
  expect(versions.size).toBe(1);
  const config = JSON.parse(readFileSync(join(ROOT, ".changeset/config.json"), "utf8"));
  expect({ fixed: config.fixed, access: config.access }).toEqual({
    fixed: [["@resource-guard/*"]],
    access: "public",
  });
});

describe.each(Object.keys(PUBLISHED))("@resource-guard/%s", (name) => {
  it("packs exactly the built files, the license, the readme and the changelog", () => {
    expect(listTarball(tarballOf(name))).toEqual([...TARBALL_FILES].sort());
  });

  it("ships the root LICENSE unchanged, and a readme and changelog about itself", () => {
    const tarball = tarballOf(name);
    expect(readFromTarball(tarball, "LICENSE")).toBe(rootLicense);
    const readme = readFromTarball(tarball, "README.md");
    expect(readme.split("\n")[0]).toBe(`# @resource-guard/${name}`);
    expect(readme).toContain(`npm install `);
    expect(readme).toContain(`@resource-guard/${name}`);
    expect(readme).toContain(REPOSITORY);
    const { version } = source(name);
    const changelog = readFromTarball(tarball, "CHANGELOG.md");
    expect(changelog.split("\n")[0]).toBe(`# @resource-guard/${name}`);
    expect(changelog).toContain(`\n## ${version}\n`);
  });

  it("has the registry metadata a published package needs", () => {
    const manifest: Manifest = JSON.parse(readFromTarball(tarballOf(name), "package.json"));
    expect(manifest).toMatchObject({
      name: `@resource-guard/${name}`,
      license: "MIT",
      author: "resource-guard contributors",
      homepage: `${REPOSITORY}/tree/main/packages/${name}#readme`,
      bugs: { url: `${REPOSITORY}/issues` },
      repository: { type: "git", url: `git+${REPOSITORY}.git`, directory: `packages/${name}` },
      engines: { node: ">=20.19" },
      publishConfig: { access: "public" },
      sideEffects: false,
      files: ["dist", "CHANGELOG.md"],
    });
    expect(manifest.description?.length).toBeGreaterThan(40);
    expect(manifest.keywords).toEqual(expect.arrayContaining(["oauth2", "jwt", "bearer", "resource-server"]));
  });

  it("depends on the other packages of this version by a real range, not workspace:", () => {
    const manifest: Manifest = JSON.parse(readFromTarball(tarballOf(name), "package.json"));
    const ranges = { ...manifest.dependencies, ...manifest.peerDependencies };
    for (const [dependency, range] of Object.entries(ranges)) {
      expect(range, dependency).not.toMatch(/^workspace:/);
      if (dependency.startsWith("@resource-guard/")) expect(range, dependency).toBe(`^${manifest.version}`);
    }
  });

  it("ships declarations that import only node builtins and declared dependencies", () => {
    const manifest: Manifest = JSON.parse(readFromTarball(tarballOf(name), "package.json"));
    const declared = new Set([
      ...Object.keys(manifest.dependencies ?? {}),
      ...Object.keys(manifest.peerDependencies ?? {}),
    ]);
    for (const file of ["dist/index.d.ts", "dist/index.d.cts"]) {
      const text = readFromTarball(tarballOf(name), file);
      const specifiers = [...text.matchAll(/(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)].map(
        (m) => m[1] as string,
      );
      for (const specifier of specifiers) {
        if (specifier.startsWith("node:") || builtinModules.includes(specifier)) continue;
        const pkg = specifier.startsWith("@")
          ? specifier.split("/").slice(0, 2).join("/")
          : (specifier.split("/")[0] as string);
        // A usage example in a doc comment names the package itself.
        if (pkg === manifest.name) continue;
        expect(declared, `${file} imports ${specifier}`).toContain(pkg);
      }
    }
  });
});

// The slow checks of every package side by side: each runs a tool in a child process.
// Eight tool runs share the machine's cores, so each gets more than the default 20 s.
describe.concurrent("registry tools", { timeout: 90_000 }, () => {
  it.each(Object.keys(PUBLISHED))("@resource-guard/%s passes publint", async (name) => {
    const { status, output } = await run(
      join(ROOT, "node_modules/.bin/publint"),
      ["--strict"],
      join(ROOT, "packages", name),
    );
    expect(output).toMatch(/All good!/);
    expect(status).toBe(0);
  });

  it.each(Object.keys(PUBLISHED))(
    "@resource-guard/%s passes @arethetypeswrong/cli for node10, node16 (CJS and ESM) and bundlers",
    async (name) => {
      const { status, output } = await run(
        join(ROOT, "node_modules/.bin/attw"),
        [tarballOf(name), "--format", "ascii"],
        ROOT,
      );
      expect(output).toMatch(/No problems found/);
      expect(status).toBe(0);
    },
  );
});
