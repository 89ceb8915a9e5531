/**
 * The config warnings already logged, kept on the run directory (/run/ddns, tmpfs)
 * beside the lock and the idle seal: the ToldWarnings collaborator of
 * engine/config-warnings.ts. Not the state directory: a run with nothing to do must
 * not write there. A reboot forgets the list, and the warnings are logged once more.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { ToldWarnings } from "../engine/config-warnings.js";
import { replaceFileSync } from "./idle-seal.js";

export const TOLD_FILE = "config-warnings.json";
/** More is a corrupt file, not a config: ignored. */
const MAX_TOLD = 200;

export function toldWarningsFile(runDir: string): ToldWarnings {
  const path = join(runDir, TOLD_FILE);
  return {
    read() {
      let v: unknown;
      try {
        v = JSON.parse(readFileSync(path, "utf8"));
      } catch {
        return undefined;
      }
      return Array.isArray(v) && v.length <= MAX_TOLD && v.every((x) => typeof x === "string") ? (v as string[]) : undefined;
    },
    write(told) {
      replaceFileSync(path, `${JSON.stringify(told)}\n`, 0o600);
    },
  };
}
