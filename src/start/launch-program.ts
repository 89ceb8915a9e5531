// dist/launch.cjs: the code-cache launcher (src/start/launch.ts) on its own, for the
// programs that are not `ddns`: bin/ddns-push requires it, and ddns-push@.service runs
// it as `node /usr/share/ddns/launch.cjs /usr/share/ddns/ddns-push.cjs` (ExecStart),
// the bundle then seeing process.argv as if it had been started itself.
import { resolve } from "node:path";
import { launch, runBundle } from "./launch.js";

// runBundle: for the build's training of the TOML parser's cache (scripts/build.mjs).
export { launch, runBundle };

if (require.main === module) {
  const bundle = resolve(process.argv[2] ?? "");
  process.argv.splice(1, 2, bundle);
  launch(bundle);
}
