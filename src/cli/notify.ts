import { hostname } from "node:os";
import { loadConfig } from "../config/load.js";
import { DdnsError } from "../errors.js";
import { redactor } from "../log/create.js";
import { sendNotifications, type NotifyTransition } from "../notify/send.js";
import { secretsOf } from "./run.js";
import { EXIT, type GlobalOptions, type Runtime } from "./runtime.js";

/**
 * `ddns notify --test [--fail]`: sends a sample transition through every channel of
 * [notify] (with --fail, a failure, which goes to fail_url instead of ping_url) and
 * says how each fared. Exit 0 when all were accepted, 75 otherwise.
 */
export async function notifyCommand(opts: GlobalOptions, test: boolean, fail: boolean, rt: Runtime): Promise<number> {
  if (!test) throw new DdnsError("USAGE", "ddns notify sends only a sample for now: run ddns notify --test");
  const config = await loadConfig({ file: opts.config, credentialsDir: rt.credentialsDir, pushSecrets: false });
  if (config.notify === undefined) throw new DdnsError("CONFIG_INVALID", `${config.file}: has no [notify] table; see ddns.toml(5), NOTIFICATIONS`);
  const redact = redactor(secretsOf(config));
  const record = config.records[0]?.name ?? "example.invalid";
  const sample: NotifyTransition = fail
    ? { event: "failed", record, family: "ipv4", message: `ddns notify --test --fail: a sample failure for ${record} (ipv4); nothing failed`, at: rt.now() }
    : { event: "test", record, message: `ddns notify --test: a sample notification for ${record}; nothing changed`, at: rt.now() };
  if (dryRun(opts)) {
    rt.out(redact(`would notify: ${JSON.stringify(sample)}`));
    return EXIT.ok;
  }
  const { createHttpClient } = await import("../net/http.js");
  const http = createHttpClient({ userAgent: rt.userAgent });
  const results = await sendNotifications(config.notify, [sample], { http: async () => http, now: rt.now, host: hostname() });
  if (results.length === 0) rt.out("nothing to notify: no channel takes this kind of transition (a test goes to command, url and ping_url; --fail to command, url and fail_url)");
  for (const r of results) rt.out(redact(`${r.channel}: ${r.ok ? "ok" : "FAILED"} (${r.detail})`));
  return results.every((r) => r.ok) ? EXIT.ok : EXIT.transient;
}

function dryRun(opts: GlobalOptions): boolean {
  return opts.dryRun;
}
