// Copies the npm modules that ddns bundles at run time and Debian 13 does not package
// (at the versions package-lock.json pins) from node_modules/ into vendor/, so that
// debian/rules builds the package from the source tree alone, offline and without
// npm (debian/README.source). Run it after changing a runtime dependency (`npm ci`
// first); test/packaging/vendor.test.ts checks that vendor/ holds exactly what the
// lock file pins, and debian/copyright names each.
//
//   node scripts/vendor.mjs          rewrite vendor/ (but vendor/sd-notify, vendor/systemd-journald)
//   node scripts/vendor.mjs --list   print the vendored modules (path version licence)
//
// The native addons (optional dependencies) are vendored by hand as their C++ sources
// and binding.gyp only (vendor/sd-notify, vendor/systemd-journald): debian/rules
// compiles them with Debian's node-gyp; nan, their build headers, is Debian's node-nan.
import { cpSync, existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const ADDONS = new Set(["sd-notify", "systemd-journald"]);
// What a bundle does not need: tests, examples, CI configs, type declarations, docs.
const SKIP = /(^|\/)(test|tests|examples|\.github|[^/]*\.d\.ts|[^/]*\.d\.mts|[^/]*\.d\.cts|[^/]*\.map|CHANGELOG\.md)$/;

/** The bundled runtime modules of the lock file: [path under node_modules, version, licence]. */
export function runtimeModules() {
  const lock = JSON.parse(readFileSync(join(root, "package-lock.json"), "utf8"));
  return Object.entries(lock.packages)
    .filter(([path, p]) => path.startsWith("node_modules/") && !p.dev && !p.optional)
    .map(([path, p]) => [path.slice("node_modules/".length), p.version, p.license])
    .sort(([a], [b]) => a.localeCompare(b));
}

if (process.argv.includes("--list")) {
  for (const [path, version, licence] of runtimeModules()) console.log(`${path} ${version} ${licence}`);
} else if (import.meta.url === `file://${process.argv[1]}`) {
  for (const [path] of runtimeModules()) if (!path.includes("/")) rmSync(join(root, "vendor", path), { recursive: true, force: true });
  for (const [path, version] of runtimeModules()) {
    if (ADDONS.has(path)) continue;
    const src = join(root, "node_modules", path);
    if (!existsSync(join(src, "package.json"))) throw new Error(`${src} is missing: run npm ci first`);
    const have = JSON.parse(readFileSync(join(src, "package.json"), "utf8")).version;
    if (have !== version) throw new Error(`${path}: node_modules has ${have}, package-lock.json pins ${version}: run npm ci`);
    // Nested modules (cliui/node_modules/string-width) are copied on their own turn.
    const keep = (rel) => !rel.includes("/node_modules") && !SKIP.test(rel);
    cpSync(src, join(root, "vendor", path), { recursive: true, filter: (f) => keep(f.slice(src.length)) });
  }
  console.log(`vendor/: ${runtimeModules().length} modules`);
}
