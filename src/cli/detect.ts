import { networkInterfaces } from "node:os";
import { loadConfig } from "../config/load.js";
import { detectAll } from "../ip-source/detect.js";
import { FAMILIES } from "../ip-source/types.js";
import { EXIT, type GlobalOptions, type Runtime } from "./runtime.js";

/** `ddns detect [--json]`: what each family's sources see now. Consumes no event file. */
export async function detectCommand(opts: GlobalOptions, json: boolean, rt: Runtime): Promise<number> {
  const config = await loadConfig({ file: opts.config, credentialsDir: rt.credentialsDir });
  const { createHttpClient } = await import("../net/http.js");
  const detected = await detectAll(config.families, {
    events: [],
    http: async () => createHttpClient({ userAgent: rt.userAgent }),
    networkInterfaces,
    procIfInet6: rt.procIfInet6,
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
    else rt.out(`${f}: unavailable (${d.source}: ${d.reason})`);
  }
  return EXIT.ok;
}
