// Build: tsc type-checks and emits build/ (what the unit tests run); esbuild bundles
// the runtime into ONE CommonJS file per program:
//   dist/ddns.cjs       the `ddns` command (bin/ddns launches it)
//   dist/ddns-push.cjs  the per-connection push receiver (issue 8), when present
// One CJS file, not ESM chunks: measured here, the ESM loader and a graph of ~20
// chunks cost a no-op run ~6 MiB more peak RSS than one CJS file (PERFORMANCE.md).
// Modules reached only through `await import()` (the human CLI with yargs, the HTTP
// client, providers, the http/dns/command sources) are wrapped by esbuild and not
// evaluated unless that path runs.
import { execFileSync } from "node:child_process";
import { rmSync, chmodSync, existsSync } from "node:fs";
import { build } from "esbuild";

const root = new URL("..", import.meta.url).pathname;
rmSync(root + "build", { recursive: true, force: true });
rmSync(root + "dist", { recursive: true, force: true });
execFileSync(process.execPath, [root + "node_modules/typescript/bin/tsc", "-p", root + "tsconfig.json"], { stdio: "inherit" });

const programs = { ddns: "src/main.ts", "ddns-push": "src/push/main.ts" };
for (const [name, entry] of Object.entries(programs)) {
  if (!existsSync(root + entry)) continue;
  await build({
    entryPoints: [root + entry],
    outfile: `${root}dist/${name}.cjs`,
    bundle: true,
    format: "cjs",
    platform: "node",
    target: "node20",
    minify: true,
    legalComments: "none",
    // Native addons stay outside the bundle; both are optional at run time.
    external: ["sd-notify", "systemd-journald"],
    // Sources are ESM and use import.meta.url (createRequire for the addons).
    define: { "import.meta.url": "__ddnsModuleUrl" },
    banner: { js: "const __ddnsModuleUrl=require('node:url').pathToFileURL(__filename).href;" },
    logLevel: "warning",
  });
}
chmodSync(root + "bin/ddns", 0o755);
chmodSync(root + "bin/ddns-push", 0o755);
