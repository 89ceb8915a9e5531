import { execFile } from "node:child_process";
import { chmod, copyFile, mkdir, open, readFile, rename, stat } from "node:fs/promises";
import { createInterface } from "node:readline/promises";
import { dirname, join } from "node:path";
import { parseConfigText } from "../config/load.js";
import { normalizeHostname } from "../config/values.js";
import { DdnsError } from "../errors.js";
import { providerSpec, providerSpecs } from "../provider/registry.js";
import { EXIT, type GlobalOptions, type Runtime } from "./runtime.js";

export interface SetupOptions extends GlobalOptions {
  provider?: string;
  name?: string;
  tokenFile?: string;
  families?: string;
  /** Prefix for /etc (tests); "" on a real system. */
  root: string;
  enable: boolean;
  check: boolean;
}

interface Answers {
  type: string;
  name: string;
  families: string[];
  secretKey: string;
  secret: string;
  extra: [string, string][];
}

/**
 * `ddns setup`: a plain-terminal guide (or flags for configuration management) that
 * stores the secret as a systemd credential, appends a provider and a record to
 * ddns.toml (atomically, keeping everything else, with a backup), validates it as
 * `ddns check` does and offers to enable the units.
 */
export async function setupCommand(opts: SetupOptions, rt: Runtime): Promise<number> {
  const flags = opts.provider !== undefined || opts.name !== undefined || opts.tokenFile !== undefined;
  let a: Answers;
  if (flags) a = await fromFlags(opts);
  else {
    if (rt.interactive !== true) {
      rt.err(`ddns setup asks its questions on a terminal, and this is not one.\nEdit ${opts.config} (man ddns.toml), or run: ddns setup --provider TYPE --name HOST.EXAMPLE.ORG --token-file FILE`);
      return EXIT.usage;
    }
    a = await dialogue(opts, rt);
  }
  const configPath = opts.root + opts.config;
  const credName = `ddns-${a.type}-${a.name.replace(/[^a-z0-9]+/g, "-")}`;
  const credDir = `${opts.root}/etc/ddns/credentials`;
  await mkdir(credDir, { recursive: true, mode: 0o700 });
  // Validate before anything is written: the new text with the secret in a private temp file.
  let old = "";
  try {
    old = await readFile(configPath, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
  const provName = uniqueName(old, a.type);
  const block = [
    "",
    `# added by ddns setup`,
    `[providers.${provName}]`,
    `type = ${JSON.stringify(a.type)}`,
    ...a.extra.map(([k, v]) => `${k} = ${JSON.stringify(v)}`),
    `${a.secretKey}_credential = ${JSON.stringify(credName)}`,
    "",
    "[[records]]",
    `name = ${JSON.stringify(a.name)}`,
    `provider = ${JSON.stringify(provName)}`,
    `families = [${a.families.map((f) => JSON.stringify(f)).join(", ")}]`,
    "",
  ].join("\n");
  const text = (old === "" ? "# /etc/ddns/ddns.toml: see man ddns.toml\n" : old.endsWith("\n") ? old : `${old}\n`) + block;
  const plainPath = join(credDir, credName);
  await writeAtomic(plainPath, `${a.secret}\n`, 0o600);
  const config = await parseConfigText(text, configPath, { credentialsDir: credDir });
  // The secret as an encrypted credential where systemd-creds works, else the 0600 file.
  // Only on the real system: under --root (tests, image builds) systemd-creds would
  // create the host's own key in /var/lib/systemd.
  const encrypted = opts.root === "" && (await encrypt(credName, plainPath, `${plainPath}.cred`));
  if (encrypted) await chmod(`${plainPath}.cred`, 0o600);
  const dropin = encrypted
    ? `[Service]\nLoadCredentialEncrypted=${credName}:/etc/ddns/credentials/${credName}.cred\n`
    : `[Service]\nLoadCredential=${credName}:/etc/ddns/credentials/${credName}\n`;
  if (encrypted) {
    const { unlink } = await import("node:fs/promises");
    await unlink(plainPath);
  }
  const dropinDir = `${opts.root}/etc/systemd/system/ddns.service.d`;
  await mkdir(dropinDir, { recursive: true });
  await writeAtomic(join(dropinDir, `50-${credName}.conf`), dropin, 0o644);
  rt.out(encrypted ? `secret stored encrypted (systemd-creds) as ${credDir}/${credName}.cred` : `secret stored as ${plainPath} (mode 0600; systemd-creds encrypt was not available)`);

  if (opts.check) {
    const entry = config.providers.get(provName);
    const spec = entry ? providerSpec(entry.type) : undefined;
    if (entry && spec) {
      const { loadProvider } = await import("../provider/registry.js");
      const { createHttpClient } = await import("../net/http.js");
      const p = (await loadProvider(spec))(entry, { http: createHttpClient({ userAgent: rt.userAgent }), now: rt.now, userAgent: rt.userAgent });
      if (p.verify === undefined) rt.out(`${a.type} has no read-only check; the first update will tell whether the secret works`);
      else {
        const r = await p.verify(AbortSignal.timeout(20_000));
        if (!r.ok) {
          rt.err(`${a.type} did not accept the secret: ${r.reason.split(a.secret).join("[secret]")}; ${configPath} was not changed`);
          return EXIT.permanent;
        }
        rt.out(`${a.type} accepted the secret (read-only check)`);
      }
    }
  }
  try {
    await stat(configPath);
    await copyFile(configPath, `${configPath}.bak`);
    rt.out(`previous config kept as ${configPath}.bak`);
  } catch {
    await mkdir(dirname(configPath), { recursive: true });
  }
  await writeAtomic(configPath, text, 0o644);
  rt.out(`${configPath}: valid — ${config.records.length} record(s), ${config.providers.size} provider(s); added ${a.name} via [providers.${provName}]`);
  if (opts.enable) await enableUnits(rt);
  else rt.out("to start: systemctl daemon-reload && systemctl enable --now ddns.path ddns.timer");
  return EXIT.ok;
}

async function fromFlags(o: SetupOptions): Promise<Answers> {
  if (o.provider === undefined || o.name === undefined || o.tokenFile === undefined) throw new DdnsError("USAGE", "ddns setup without a terminal needs --provider, --name and --token-file");
  const spec = providerSpec(o.provider);
  if (spec === undefined) throw new DdnsError("USAGE", `unknown provider type "${o.provider}" (ddns providers lists them)`);
  const n = normalizeHostname(o.name, { wildcard: true, minLabels: 2 });
  if (!n.ok) throw new DdnsError("USAGE", `--name: ${n.reason}`);
  let secret = await readFile(o.tokenFile, "utf8");
  if (secret.endsWith("\n")) secret = secret.slice(0, -1);
  const key = spec.keys.find((k) => k.kind === "secret" && k.required) ?? spec.keys.find((k) => k.kind === "secret");
  if (key === undefined) throw new DdnsError("USAGE", `provider type "${o.provider}" takes no secret`);
  const families = (o.families ?? spec.families.join(",")).split(",").filter((f) => spec.families.includes(f as never));
  return { type: spec.type, name: n.name, families, secretKey: key.name, secret, extra: [] };
}

async function dialogue(o: SetupOptions, rt: Runtime): Promise<Answers> {
  let rl = createInterface({ input: process.stdin, output: process.stdout, terminal: true });
  try {
    const specs = providerSpecs();
    rt.out("ddns setup: one record at one provider. Ctrl-C stops without changing anything.\n");
    specs.forEach((s, i) => rt.out(`  ${String(i + 1).padStart(2)}. ${s.type} — ${s.summary}`));
    let spec: import("../provider/types.js").ProviderSpec | undefined;
    while (spec === undefined) {
      const t = (await rl.question("provider (number or type): ")).trim();
      spec = specs[Number(t) - 1] ?? providerSpec(t);
      if (spec === undefined) rt.out(`  "${t}" is not one of them`);
    }
    rt.out(`${spec.type} takes:`);
    for (const k of spec.keys) rt.out(`    ${k.name}${k.required ? " (required)" : ""}: ${k.doc}`);
    let name = "";
    while (name === "") {
      const n = normalizeHostname((await rl.question("record name (e.g. home.example.org): ")).trim(), { wildcard: true, minLabels: 2 });
      if (n.ok) name = n.name;
      else rt.out(`  ${n.reason}`);
    }
    const { surveyAll } = await import("./detect.js");
    const seen = await surveyAll(o.config, rt);
    for (const f of spec.families) {
      const found = seen.families[f].sources.find((s) => s.kind === "found");
      rt.out(`  ${f} now: ${found && found.kind === "found" ? `${found.addresses.join(" ")} (from ${found.source})` : "nothing usable"}`);
    }
    const fam = (await rl.question(`families [${spec.families.join(",")}]: `)).trim() || spec.families.join(",");
    const families = fam.split(",").map((s) => s.trim()).filter((f) => spec.families.includes(f as never));
    const extra: [string, string][] = [];
    for (const k of spec.keys.filter((k) => k.kind !== "secret" && k.required)) {
      extra.push([k.name, (await rl.question(`${k.name} (${k.doc}): `)).trim()]);
    }
    const key = spec.keys.find((k) => k.kind === "secret" && k.required) ?? spec.keys.find((k) => k.kind === "secret");
    if (key === undefined) throw new DdnsError("USAGE", `provider type "${spec.type}" takes no secret`);
    // readline echoes whatever it reads: it is closed while the secret is typed.
    rl.close();
    const secret = await hidden(`${key.name} (${key.doc}; not shown): `);
    rl = createInterface({ input: process.stdin, output: process.stdout, terminal: true });
    const enable = (await rl.question("enable ddns.path and ddns.timer now? [y/N] ")).trim().toLowerCase().startsWith("y");
    o.enable = enable;
    return { type: spec.type, name, families: families.length > 0 ? families : [...spec.families], secretKey: key.name, secret, extra };
  } finally {
    rl.close();
  }
}

/**
 * A question whose answer is not echoed: readline is paused and the terminal read in
 * raw mode, character by character, until Enter (Ctrl-C aborts, Backspace erases).
 */
async function hidden(q: string): Promise<string> {
  process.stdout.write(q);
  const stdin = process.stdin;
  const wasRaw = stdin.isRaw;
  stdin.setRawMode(true);
  stdin.resume();
  try {
    return await new Promise<string>((resolve, reject) => {
      let value = "";
      const onData = (chunk: Buffer) => {
        for (const ch of chunk.toString("utf8")) {
          if (ch === "\r" || ch === "\n") {
            stdin.off("data", onData);
            resolve(value.trim());
            return;
          }
          if (ch === "\u0003") {
            stdin.off("data", onData);
            reject(new DdnsError("USAGE", "setup stopped; nothing was changed"));
            return;
          }
          if (ch === "\u007f" || ch === "\b") value = value.slice(0, -1);
          else value += ch;
        }
      };
      stdin.on("data", onData);
    });
  } finally {
    stdin.setRawMode(wasRaw);
    stdin.pause();
    process.stdout.write("\n");
  }
}

function uniqueName(text: string, base: string): string {
  let name = base;
  for (let n = 2; new RegExp(`^\\[providers\\.${name}\\]`, "m").test(text); n++) name = `${base}${n}`;
  return name;
}

async function writeAtomic(path: string, text: string, mode: number): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  const h = await open(tmp, "w", mode);
  try {
    await h.writeFile(text);
    await h.sync();
  } finally {
    await h.close();
  }
  await chmod(tmp, mode);
  await rename(tmp, path);
}

function run(cmd: string, args: string[]): Promise<boolean> {
  return new Promise((resolve) => execFile(cmd, args, { timeout: 20_000 }, (err) => resolve(err === null)));
}

/** systemd-creds encrypt (host key or TPM2); false where it is missing or fails. */
function encrypt(name: string, from: string, to: string): Promise<boolean> {
  return run("systemd-creds", ["encrypt", `--name=${name}`, from, to]);
}

async function enableUnits(rt: Runtime): Promise<void> {
  const ok = (await run("systemctl", ["daemon-reload"])) && (await run("systemctl", ["enable", "--now", "ddns.path", "ddns.timer"]));
  rt.out(ok ? "enabled: ddns.path and ddns.timer" : "could not enable the units; run: systemctl daemon-reload && systemctl enable --now ddns.path ddns.timer");
}
