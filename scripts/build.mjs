// Build: tsc type-checks and emits build/ (what the tests run), esbuild bundles the
// runtime into dist/ with code splitting, so that what a no-op `ddns run` loads is
// only the chunks on its path (the human CLI, providers and HTTP are separate chunks).
import { execFileSync } from "node:child_process";
import { rmSync, chmodSync } from "node:fs";
import { build } from "esbuild";

const root = new URL("..", import.meta.url).pathname;
rmSync(root + "build", { recursive: true, force: true });
rmSync(root + "dist", { recursive: true, force: true });
execFileSync(process.execPath, [root + "node_modules/typescript/bin/tsc", "-p", root + "tsconfig.json"], { stdio: "inherit" });

await build({
  entryPoints: { main: root + "src/main.ts", "push-main": root + "src/push/main.ts" },
  outdir: root + "dist",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  minify: true,
  legalComments: "none",
  chunkNames: "chunks/[name]-[hash]",
  // Native addons stay outside the bundle; both are optional at run time.
  external: ["sd-notify", "systemd-journald"],
  banner: { js: "import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);" },
  logLevel: "warning",
});
chmodSync(root + "bin/ddns", 0o755);
chmodSync(root + "bin/ddns-push", 0o755);
