import { rmSync } from "node:fs";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runDdns, type DdnsResult } from "../helpers/ddns.js";
import { validate } from "../../src/state/file-store.js";
import type { State } from "../../src/state/types.js";

/** Full counts (DDNS_RELIABILITY_FULL=1) or the smaller ones CI runs. */
export const FULL = process.env["DDNS_RELIABILITY_FULL"] === "1";
export function count(full: number, ci: number): number {
  const override = Number(process.env["DDNS_RELIABILITY_SCALE"] ?? "");
  return FULL ? full : Number.isFinite(override) && override > 0 ? Math.round(ci * override) : ci;
}

export const TOKEN = "rel-cf-token-Q7w2Vx9Lk3";
export const ZONE = { name: "example.org", id: "zone0000000000000000000000000001" };

export interface FixtureOptions {
  endpoint: string;
  /** The [ipv4] table body (sources etc.). */
  ipv4: string;
  records?: string[];
}

export interface Fixture {
  dir: string;
  stateDir: string;
  statePath: string;
  eventsDir: string;
  configPath: string;
  args: string[];
  run(...more: string[]): Promise<DdnsResult & { ms: number }>;
  writeConfig(ipv4: string): Promise<void>;
  /** The state file, parsed and validated (throws when it does not validate). */
  state(): Promise<State | undefined>;
}

const made: string[] = [];
process.on("exit", () => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

/** A config, state and events directory for one cloudflare provider named "home" (removed at exit). */
export async function fixture(o: FixtureOptions): Promise<Fixture> {
  const dir = await mkdtemp(join(tmpdir(), "ddns-rel-"));
  made.push(dir);
  await writeFile(join(dir, "token"), TOKEN + "\n");
  const configPath = join(dir, "ddns.toml");
  const stateDir = join(dir, "state");
  const eventsDir = join(dir, "run", "events");
  const records = o.records ?? ["home.example.org"];
  const text = (ipv4: string): string =>
    `[ipv4]\n${ipv4}\n[ipv6]\nenabled = false\n[providers.home]\ntype = "cloudflare"\nendpoint = "${o.endpoint}"\ntoken_file = "${join(dir, "token")}"\n` +
    records.map((r) => `[[records]]\nname = "${r}"\nprovider = "home"\n`).join("");
  await writeFile(configPath, text(o.ipv4));
  const args = ["--config", configPath, "--state-dir", stateDir, "--events-dir", eventsDir];
  const statePath = join(stateDir, "state.json");
  return {
    dir,
    stateDir,
    statePath,
    eventsDir,
    configPath,
    args,
    async run(...more) {
      const t0 = performance.now();
      const r = await runDdns(["run", ...args, ...more], {}, 60_000);
      return { ...r, ms: performance.now() - t0 };
    },
    writeConfig: (ipv4) => writeFile(configPath, text(ipv4)),
    async state() {
      let t: string;
      try {
        t = await readFile(statePath, "utf8");
      } catch {
        return undefined;
      }
      const v = validate(t);
      if (typeof v === "string") throw new Error(`the state file does not validate: ${v}`);
      return v;
    },
  };
}

export function staticIpv4(addr: string): string {
  return `sources = ["static"]\naddress = "${addr}"\naccept_private = true`;
}
