import { loadConfig } from "../config/load.js";
import { loadProvider, providerSpec } from "../provider/registry.js";
import { redactor } from "../log/create.js";
import { secretsOf } from "./run.js";
import { EXIT, type GlobalOptions, type Runtime } from "./runtime.js";

/** `ddns check [--online]`: the config is valid (exit 78 otherwise); --online asks each provider, read-only. */
export async function checkCommand(opts: GlobalOptions, online: boolean, rt: Runtime): Promise<number> {
  const config = await loadConfig({ file: opts.config, credentialsDir: rt.credentialsDir });
  const fams = (["ipv4", "ipv6"] as const).filter((f) => config.families[f].enabled);
  const warnings = config.warnings ?? [];
  rt.out(
    `${config.file}: valid — ${config.records.length} record(s), ${config.providers.size} provider(s), families: ${fams.join(", ") || "none"}` +
      (config.push ? `, push receiver for ${config.push.names.length} name(s)` : "") +
      (warnings.length > 0 ? `, ${warnings.length} warning(s)` : ""),
  );
  // Accepted, so exit 0 when nothing else is wrong; each names file, line and key like an error.
  for (const w of warnings) rt.out(`warning: ${w.text}`);
  if (!online) return EXIT.ok;
  const redact = redactor(secretsOf(config));
  const { createHttpClient } = await import("../net/http.js");
  const http = createHttpClient({ userAgent: rt.userAgent });
  let code: number = EXIT.ok;
  for (const entry of config.providers.values()) {
    const spec = providerSpec(entry.type);
    if (spec === undefined) continue;
    const provider = (await loadProvider(spec))(entry, { http, now: rt.now, userAgent: rt.userAgent });
    if (provider.verify === undefined) {
      rt.out(`provider "${entry.name}" (${entry.type}): no read-only check exists for this protocol; the first update will tell`);
      continue;
    }
    const ttls = config.records.filter((rec) => rec.provider === entry.name && rec.ttl !== undefined).map((rec) => ({ name: rec.name, ttl: rec.ttl!, line: rec.ttlLine ?? rec.line }));
    const r = await provider.verify(AbortSignal.timeout(20_000), ttls);
    if (r.ok) {
      rt.out(`provider "${entry.name}" (${entry.type}): credentials accepted`);
      // A TTL only the account can judge (deSEC's minimum_ttl): a config error, at file:line: key.
      for (const t of r.ttl ?? []) {
        rt.out(`${config.file}:${t.line}: records.ttl: ${t.reason}`);
        code = EXIT.config;
      }
    } else {
      rt.out(redact(`provider "${entry.name}" (${entry.type}): ${r.reason}`));
      if (code === EXIT.ok) code = EXIT.permanent;
    }
  }
  return code;
}
