// The shortcut the `ddns` program tries before anything else (src/start/ddns.ts): a plain
// `ddns run` whose inputs match the idle seal the last full run left
// (state/idle-seal.ts) has nothing to do, and exits 0 without loading the
// reconciler. Anything else, or any doubt, returns false and the full program runs.
import { parseRunArgs, procIfInet6Of, runDefaults } from "./cli/fast-args.js";
import { sealHolds, sealWhere } from "./state/idle-seal.js";
import { BUILD } from "./version.js";

export function quiet(argv: readonly string[], env: NodeJS.ProcessEnv): boolean {
  try {
    const run = parseRunArgs(argv, runDefaults(env));
    if (run === undefined || run.dryRun || run.force || run.verify === true) return false;
    return sealHolds(sealWhere(run, env["CREDENTIALS_DIRECTORY"] || undefined, procIfInet6Of(env)), BUILD, Date.now());
  } catch {
    return false;
  }
}
