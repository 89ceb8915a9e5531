import { networkInterfaces, type NetworkInterfaceInfo } from "node:os";
import { readFile } from "node:fs/promises";
import { defaultFamily } from "../config/family.js";
import { loadConfig } from "../config/load.js";
import type { Config, FamilyConfig } from "../config/types.js";
import { isDdnsError } from "../errors.js";
import { detectAll, runSource } from "../ip-source/detect.js";
import { surveyIpv4, surveyIpv6, type Candidate } from "../ip-source/survey.js";
import { FAMILIES, type Detection, type Family, type SourceName } from "../ip-source/types.js";
import type { HttpClient } from "../net/types.js";
import { NAMES } from "../ip-source/gateway-names.js";
import { natSentence } from "../engine/gateway-notes.js";
import { EXIT, type GlobalOptions, type Runtime } from "./runtime.js";

/**
 * `ddns detect [--json]`: what each family's sources see now. Consumes no event file.
 * Without a config file (a fresh install): every source that runs without
 * configuration, with every address the interfaces hold and why each is dropped.
 */
export async function detectCommand(opts: GlobalOptions, json: boolean, rt: Runtime): Promise<number> {
  let config: Config;
  try {
    config = await loadConfig({ file: opts.config, credentialsDir: rt.credentialsDir, pushSecrets: false });
  } catch (e) {
    const missing = isDdnsError(e) && e.code === "CONFIG_UNREADABLE" && (e.cause as { code?: string } | undefined)?.code === "ENOENT";
    if (!missing) throw e;
    return survey(opts.config, json, rt);
  }
  const { createHttpClient } = await import("../net/http.js");
  const detected = await detectAll(config.families, {
    events: [],
    http: async () => createHttpClient({ userAgent: rt.userAgent }),
    networkInterfaces,
    procIfInet6: rt.procIfInet6,
    procNetRoute: "/proc/net/route",
    signal: AbortSignal.timeout(60_000),
  });
  if (json) {
    rt.out(JSON.stringify(detected, null, 2));
    return EXIT.ok;
  }
  for (const f of FAMILIES) {
    const d = detected[f];
    if (d.kind === "disabled") rt.out(`${f}: disabled`);
    else if (d.kind === "found") rt.out(`${f}: ${d.addresses.join(" ")} (from ${d.source})`);
    // The reason names each source it asked ("gateway: ...; http: ...").
    else rt.out(`${f}: unavailable (${d.reason})`);
    if (d.kind === "disabled") continue;
    // What the router said, by which protocol, in how many ms (the gateway source).
    if (d.gateway !== undefined) {
      const said = d.gateway.attempts.map((a) => `${NAMES[a.protocol]} said ${a.said} in ${a.ms} ms`).join("; ");
      rt.out(`  gateway ${d.gateway.router} (${d.gateway.iface}): ${said || "not asked (out of time)"}`);
    }
    if (d.nat !== undefined) rt.out(`  warning: ${natSentence(d.nat, d)}`);
  }
  return EXIT.ok;
}

/**
 * The sources that need no configuration, in the order they are shown. `gateway` asks
 * the default route's router (NAT-PMP, PCP, UPnP: at most ~2.5 s by its own schedule,
 * at once without a default route); all run in parallel, so the survey takes as long
 * as its slowest source, bounded by the default 5 s timeout.
 */
const UNCONFIGURED: readonly SourceName[] = ["interface", "gateway", "http", "dns"];

export interface SurveyResult {
  config: null;
  file: string;
  families: Record<Family, { defaults: SourceName[]; candidates: Candidate[]; sources: Array<{ source: SourceName } & Detection> ; needsConfig: string[] }>;
}

/** Every source that runs without configuration, for both families, in parallel. */
export async function surveyAll(file: string, rt: Runtime, list: () => NodeJS.Dict<NetworkInterfaceInfo[]> = networkInterfaces): Promise<SurveyResult> {
  let http: Promise<HttpClient> | undefined;
  const getHttp = () => (http ??= import("../net/http.js").then((m) => m.createHttpClient({ userAgent: rt.userAgent })));
  const signal = AbortSignal.timeout(30_000);
  const deps = { events: [], http: getHttp, networkInterfaces: list, procIfInet6: rt.procIfInet6, procNetRoute: "/proc/net/route", signal };
  const one = async (f: Family) => {
    const cfg: FamilyConfig = defaultFamily(f);
    let candidates: Candidate[] = [];
    try {
      candidates = f === "ipv4" ? surveyIpv4(deps.networkInterfaces()) : surveyIpv6(await readFile(rt.procIfInet6, "latin1"), cfg.prefer);
    } catch {
      // The interface source below says why (no netlink, no if_inet6).
    }
    const sources = await Promise.all(UNCONFIGURED.map(async (s) => ({ ...(await runSource(s, f, cfg, deps, getHttp)), source: s })));
    return { defaults: [...cfg.sources], candidates, sources, needsConfig: ["static (address = ...)", "command (command = [...])", "event (only inside a run: the network hooks' files)"] };
  };
  const [ipv4, ipv6] = await Promise.all([one("ipv4"), one("ipv6")]);
  return { config: null, file, families: { ipv4, ipv6 } };
}

async function survey(file: string, json: boolean, rt: Runtime): Promise<number> {
  const r = await surveyAll(file, rt);
  if (json) {
    rt.out(JSON.stringify(r, null, 2));
    return EXIT.ok;
  }
  rt.out(`no config at ${file}: what every source that needs no configuration sees now (ddns setup writes a config)`);
  for (const f of FAMILIES) {
    const fam = r.families[f];
    rt.out("");
    rt.out(`${f} (a config without [${f}] uses sources = [${fam.defaults.map((s) => `"${s}"`).join(", ")}])`);
    rt.out("  interface addresses:");
    if (fam.candidates.length === 0) rt.out("    (none)");
    for (const c of fam.candidates) rt.out(`    ${c.iface} ${c.address}: ${c.dropped === null ? "usable" : `dropped: ${c.dropped}`}`);
    for (const s of fam.sources) {
      rt.out(`  ${s.source}: ${s.kind === "found" ? s.addresses.join(" ") : `nothing (${s.reason})`}`);
      // What the router said, by which protocol, in how many ms (as detect with a config prints it).
      if (s.gateway !== undefined) {
        const said = s.gateway.attempts.map((a) => `${NAMES[a.protocol]} said ${a.said} in ${a.ms} ms`).join("; ");
        rt.out(`    router ${s.gateway.router} (${s.gateway.iface}): ${said || "not asked (out of time)"}`);
      }
      if (s.nat !== undefined) rt.out(`    warning: ${natSentence(s.nat, s)}`);
    }
    rt.out(`  needs configuration: ${fam.needsConfig.join("; ")}`);
  }
  return EXIT.ok;
}
