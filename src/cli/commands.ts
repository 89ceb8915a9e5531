import yargs from "yargs";
import { DdnsError } from "../errors.js";
import { EXIT, type GlobalOptions, type RunOptions, type Runtime } from "./runtime.js";

/**
 * The human command line (yargs), loaded only when argv is not a plain `ddns run`
 * (see fast-args.ts): help, version, status, check, detect, providers, and `run`
 * with any option spelling yargs accepts.
 */
export async function runCli(argv: string[], defs: GlobalOptions, rt: Runtime): Promise<number> {
  let code: number = EXIT.ok;
  let pending: Promise<number> | undefined;
  const parser = yargs(argv)
    .scriptName("ddns")
    .usage("$0 <command> [options]\n\nKeeps DNS records pointed at this machine's addresses. Started by systemd (ddns.path, ddns.timer).")
    .option("config", { type: "string", default: defs.config, describe: "config file", requiresArg: true })
    .option("state-dir", { type: "string", default: defs.stateDir, describe: "state directory", requiresArg: true })
    .option("events-dir", { type: "string", default: defs.eventsDir, describe: "event files directory", requiresArg: true })
    .option("dry-run", { type: "boolean", default: false, describe: "plan and print; push nothing, write nothing" })
    .command(
      "run",
      "reconcile once and exit (what ddns.service runs)",
      (y) =>
        y
          .option("force", { type: "boolean", default: false, describe: "push even if state says current (latches and backoffs still hold)" })
          .option("verify", { type: "boolean", default: false, describe: "check every record at its provider now and repair confirmed drift" }),
      (a) => {
        pending = import("./run.js").then((m) => m.runCommand({ ...globals(a), force: Boolean(a["force"]), verify: Boolean(a["verify"]) } as RunOptions, rt));
      },
    )
    .command(
      "verify",
      "ask each provider now what it serves for each record (in-sync, drifted, unknown); pushes nothing",
      (y) => y.option("json", { type: "boolean", default: false, describe: "machine-readable output" }),
      (a) => {
        pending = import("./verify.js").then((m) => m.verifyCommand(globals(a), Boolean(a["json"]), rt));
      },
    )
    .command(
      "status",
      "records, their published addresses, last change, next retry, latched errors",
      (y) => y.option("json", { type: "boolean", default: false, describe: "machine-readable output" }),
      (a) => {
        pending = import("./status.js").then((m) => m.statusCommand(globals(a), Boolean(a["json"]), rt));
      },
    )
    .command(
      "check",
      "validate the config (with --online, also the credentials, read-only)",
      (y) => y.option("online", { type: "boolean", default: false, describe: "ask each provider whether the credentials work (read-only)" }),
      (a) => {
        pending = import("./check.js").then((m) => m.checkCommand(globals(a), Boolean(a["online"]), rt));
      },
    )
    .command(
      "detect",
      "the addresses each family's sources see now",
      (y) => y.option("json", { type: "boolean", default: false, describe: "machine-readable output" }),
      (a) => {
        pending = import("./detect.js").then((m) => m.detectCommand(globals(a), Boolean(a["json"]), rt));
      },
    )
    .command(
      "announce",
      "read a router's NAT-PMP/PCP announcement (what ddns-announce.service runs) and wake ddns.path; the run verifies with the router",
      (y) => y,
      (a) => {
        pending = import("./announce.js").then((m) => m.announceCommand(globals(a), rt.listenFds ?? 0, rt));
      },
    )
    .command(
      "providers",
      "the provider types and the config keys each takes",
      (y) => y.option("json", { type: "boolean", default: false, describe: "machine-readable output" }),
      (a) => {
        pending = import("./providers.js").then((m) => m.providersCommand(Boolean(a["json"]), rt));
      },
    )
    .command(
      "setup",
      "guided setup of one record (a terminal dialogue, or --provider --name --token-file)",
      (y) =>
        y
          .option("provider", { type: "string", requiresArg: true, describe: "provider type (ddns providers)" })
          .option("name", { type: "string", requiresArg: true, describe: "record name" })
          .option("token-file", { type: "string", requiresArg: true, describe: "file holding the provider's secret" })
          .option("families", { type: "string", requiresArg: true, describe: "ipv4,ipv6 (default: what the provider can update)" })
          .option("set", { type: "string", array: true, requiresArg: true, describe: "KEY=VALUE: a non-secret key of the provider table (endpoint, username, zone, server...); repeatable" })
          .option("enable", { type: "boolean", default: false, describe: "enable ddns.path and ddns.timer" })
          .option("check", { type: "boolean", default: true, describe: "check the secret with a read-only provider call (--no-check skips it)" })
          .option("root", { type: "string", default: "", hidden: true }),
      (a) => {
        const o: Record<string, unknown> = { ...globals(a), root: String(a["root"] ?? ""), enable: Boolean(a["enable"]), check: a["check"] !== false };
        for (const k of ["provider", "name", "families"]) if (typeof a[k] === "string") o[k] = a[k];
        if (typeof a["token-file"] === "string") o["tokenFile"] = a["token-file"];
        if (Array.isArray(a["set"])) o["set"] = (a["set"] as unknown[]).map(String);
        pending = import("./setup.js").then((m) => m.setupCommand(o as unknown as import("./setup.js").SetupOptions, rt));
      },
    )
    .command(
      "import <from> [file]",
      "print a ddns.toml equivalent to another updater's config (from: ddclient); secrets go to credential files",
      (y) =>
        y
          .positional("from", { choices: ["ddclient"] as const, describe: "the other updater" })
          .positional("file", { type: "string", describe: "its config file (default /etc/ddclient.conf)" })
          .option("credentials-dir", { type: "string", default: "/etc/ddns/credentials", requiresArg: true, describe: "where the secrets are written (0600 files)" }),
      (a) => {
        pending = import("./import.js").then((m) =>
          m.importCommand({ from: "ddclient", file: String(a["file"] ?? "/etc/ddclient.conf"), credentialsDir: String(a["credentials-dir"]) }, rt),
        );
      },
    )
    .command(
      "notify",
      "send a sample notification through every channel of [notify]",
      (y) =>
        y
          .option("test", { type: "boolean", default: false, describe: "send a sample transition (required)" })
          .option("fail", { type: "boolean", default: false, describe: "the sample is a failure (goes to fail_url instead of ping_url)" }),
      (a) => {
        pending = import("./notify.js").then((m) => m.notifyCommand(globals(a), Boolean(a["test"]), Boolean(a["fail"]), rt));
      },
    )
    .demandCommand(1, "name a command: run, status, verify, check, detect, providers, import, setup or notify")
    .strict()
    .version(rt.version)
    .help()
    .alias("h", "help")
    .wrap(Math.min(100, process.stdout.columns || 80))
    .exitProcess(false)
    .fail((msg, err) => {
      throw err ?? new DdnsError("USAGE", `${msg}\nTry 'ddns --help'.`);
    });
  await parser.parseAsync();
  if (pending !== undefined) code = await pending;
  return code;
}

function globals(a: Record<string, unknown>): GlobalOptions {
  return {
    config: String(a["config"]),
    stateDir: String(a["state-dir"]),
    eventsDir: String(a["events-dir"]),
    dryRun: Boolean(a["dry-run"]),
  };
}
