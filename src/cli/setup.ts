import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, copyFile, mkdir, mkdtemp, open, readFile, rename, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import toml from "toml";
import { createInterface } from "node:readline/promises";
import { dirname, join } from "node:path";
import { parseConfigText } from "../config/load.js";
import { normalizeHostname } from "../config/values.js";
import { DdnsError } from "../errors.js";
import { providerSpec, providerSpecs } from "../provider/registry.js";
import type { ProviderSpec } from "../provider/types.js";
import { EXIT, type GlobalOptions, type Runtime } from "./runtime.js";

export interface SetupOptions extends GlobalOptions {
  provider?: string;
  name?: string;
  tokenFile?: string;
  families?: string;
  /** `--set KEY=VALUE`: non-secret keys of the provider table (endpoint, username, zone, server...). */
  set?: string[];
  /** Prefix for /etc (tests, image builds); "" on a real system. */
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
  /** Non-secret keys of the provider table, values as TOML takes them. */
  extra: [string, string | number | boolean | string[]][];
}

/** How the secret ended up on disk. */
type Stored =
  | { kind: "encrypted"; path: string }
  | { kind: "plain"; path: string; why: string };

/**
 * `ddns setup`: a plain-terminal guide (or flags for configuration management) that
 * checks the secret with a read-only call, stores it as a systemd credential
 * (encrypted where systemd-creds can), appends a provider and a record to ddns.toml
 * (atomically, keeping everything else, with a backup), validates it as `ddns check`
 * does and offers to enable the units.
 */
export async function setupCommand(opts: SetupOptions, rt: Runtime): Promise<number> {
  const flags = opts.provider !== undefined || opts.name !== undefined || opts.tokenFile !== undefined;
  let a: Answers;
  if (flags) a = await fromFlags(opts);
  else {
    if (rt.interactive !== true) {
      rt.err(`ddns setup asks its questions on a terminal, and this is not one.\nEdit ${opts.config} (man ddns.toml), or run: ddns setup --provider TYPE --name HOST.EXAMPLE.ORG --token-file FILE [--set KEY=VALUE...]`);
      return EXIT.usage;
    }
    a = await dialogue(opts, rt);
  }
  const configPath = opts.root + opts.config;
  const credName = `ddns-${a.type}-${a.name.replace(/[^a-z0-9]+/g, "-")}`;
  const credDir = `${opts.root}/etc/ddns/credentials`;
  let old = "";
  try {
    old = await readFile(configPath, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
  // A second `ddns setup` for a name already set up by the same type with the same
  // credential replaces the secret (token rotation) and leaves ddns.toml alone; any
  // other record of that name is the operator's: refused, nothing written.
  const existing = recordNamed(old, a.name);
  if (existing !== undefined && (existing.type !== a.type || existing.credential !== `${a.secretKey}:${credName}`)) {
    rt.err(
      `${configPath}: ${a.name} already has a record (provider "${existing.provider}"${existing.type === undefined ? "" : `, type ${existing.type}`}); ` +
        `edit or remove it there, or choose another name; nothing was written`,
    );
    return EXIT.usage;
  }
  const provName = existing?.provider ?? uniqueName(old, a.type);
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
  const text =
    existing !== undefined ? old : (old === "" ? "# /etc/ddns/ddns.toml: see man ddns.toml\n" : old.endsWith("\n") ? old : `${old}\n`) + block;

  // Validate and check before anything is written: the secret sits in a private
  // temporary directory (0700) as the credential the service will get.
  const tmp = await mkdtemp(join(tmpdir(), "ddns-setup-"));
  let config: Awaited<ReturnType<typeof parseConfigText>>;
  try {
    await writeAtomic(join(tmp, credName), `${a.secret}\n`, 0o600);
    config = await validate(text, configPath, tmp, credName);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  if (opts.check) {
    const entry = config.providers.get(provName);
    const spec = entry ? providerSpec(entry.type) : undefined;
    if (entry && spec) {
      const { loadProvider } = await import("../provider/registry.js");
      const { createHttpClient } = await import("../net/http.js");
      // The table as written (endpoint, server... included): the check asks where the runs will.
      const p = (await loadProvider(spec))(entry, { http: createHttpClient({ userAgent: rt.userAgent }), now: rt.now, userAgent: rt.userAgent });
      if (p.verify === undefined) rt.out(`${a.type} has no read-only check; the first update will tell whether the secret works`);
      else {
        const r = await p.verify(AbortSignal.timeout(20_000));
        if (!r.ok) {
          rt.err(`${a.type} did not accept the secret: ${r.reason.split(a.secret).join("[secret]")}; nothing was written`);
          return EXIT.permanent;
        }
        rt.out(`${a.type} accepted the secret (read-only check)`);
      }
    }
  }

  await mkdir(credDir, { recursive: true, mode: 0o700 });
  const stored = await storeSecret(opts.root, credDir, credName, a.secret);
  const dropin =
    stored.kind === "encrypted"
      ? `[Service]\nLoadCredentialEncrypted=${credName}:/etc/ddns/credentials/${credName}.cred\n`
      : `[Service]\nLoadCredential=${credName}:/etc/ddns/credentials/${credName}\n`;
  const dropinDir = `${opts.root}/etc/systemd/system/ddns.service.d`;
  await mkdir(dropinDir, { recursive: true });
  await writeAtomic(join(dropinDir, `50-${credName}.conf`), dropin, 0o644);
  rt.out(
    stored.kind === "encrypted"
      ? `secret stored encrypted (systemd-creds) as ${stored.path}; ddns.service gets it through LoadCredentialEncrypted=`
      : `secret stored as ${stored.path} (mode 0600, not encrypted: ${stored.why}); ddns.service gets it through LoadCredential=`,
  );
  // ddns.path starts a run when the config changes: systemd must know the new
  // credential before the config names it.
  if (opts.root === "" && existsSync("/run/systemd/system") && !(await run("systemctl", ["daemon-reload"])).ok) {
    rt.err("systemctl daemon-reload failed: run it before the next ddns run, or that run cannot read the secret");
  }

  if (existing !== undefined) {
    rt.out(`${configPath}: unchanged — ${a.name} was already set up via [providers.${provName}]; its secret was replaced (edit the file to change anything else)`);
    if (opts.enable) await enableUnits(rt);
    return EXIT.ok;
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

/**
 * parseConfigText as `ddns check` does, with `dir` as $CREDENTIALS_DIRECTORY holding
 * the new credential. Credentials the config already named (earlier setups, some
 * encrypted) are the service's to read, not ours: when they are all that is
 * unreadable, they get placeholders and the text is validated again, so everything
 * else (structure, keys, the new table) is still checked.
 */
async function validate(text: string, path: string, dir: string, ours: string): Promise<Awaited<ReturnType<typeof parseConfigText>>> {
  try {
    return await parseConfigText(text, path, { credentialsDir: dir });
  } catch (e) {
    if (!(e instanceof DdnsError) || e.code !== "SECRET_UNREADABLE") throw e;
    const others = [...new Set([...e.message.matchAll(/credential "([^"/]+)"/g)].map((m) => m[1]!))].filter((n) => n !== ours);
    if (others.length === 0) throw e;
    for (const n of others) await writeAtomic(join(dir, n), "placeholder-of-an-existing-credential\n", 0o600);
    return parseConfigText(text, path, { credentialsDir: dir });
  }
}

/**
 * Stores the secret for ddns.service: `systemd-creds encrypt` (host key, or TPM2 and
 * host key) into NAME.cred where it works, else a 0600 file NAME. The plain secret
 * reaches systemd-creds on stdin, never a file, when encryption works. Under --root
 * nothing is encrypted: systemd-creds would use this machine's key (and create it in
 * /var/lib/systemd), which the system being prepared does not have.
 */
async function storeSecret(root: string, dir: string, name: string, secret: string): Promise<Stored> {
  const plain = join(dir, name);
  const cred = `${plain}.cred`;
  let why: string;
  if (root !== "") why = "--root prepares another system, whose systemd could not decrypt what this host's key encrypts; run ddns setup on that system to encrypt";
  else {
    const tmp = `${cred}.tmp-${process.pid}`;
    const r = await run("systemd-creds", ["encrypt", `--name=${name}`, "-", tmp], `${secret}\n`);
    if (r.ok) {
      await chmod(tmp, 0o600);
      await rename(tmp, cred);
      await rm(plain, { force: true }); // an earlier setup's plain copy of this credential
      return { kind: "encrypted", path: cred };
    }
    await rm(tmp, { force: true });
    const said = r.stderr.split(secret).join("[secret]").split("\n").map((l) => l.trim()).filter((l) => l !== "").at(-1);
    why = r.missing ? "systemd-creds is not installed (systemd 250 or later has it)" : `systemd-creds encrypt failed${said ? `: ${said}` : ""}`;
  }
  await writeAtomic(plain, `${secret}\n`, 0o600);
  await rm(cred, { force: true });
  return { kind: "plain", path: plain, why };
}

/** `--set KEY=VALUE` for one spec: endpoint or a non-secret key of the type, typed as the spec says. */
export function parseSets(spec: ProviderSpec, sets: readonly string[]): Answers["extra"] {
  const out: Answers["extra"] = [];
  for (const s of sets) {
    const eq = s.indexOf("=");
    if (eq <= 0) throw new DdnsError("USAGE", `--set ${JSON.stringify(s)}: give KEY=VALUE`);
    const k = s.slice(0, eq).trim();
    const v = s.slice(eq + 1).trim();
    out.push([k, typed(spec, k, v, "--set")]);
  }
  return out;
}

/** A value for key k of the spec as TOML takes it; USAGE for a secret or unknown key. */
function typed(spec: ProviderSpec, k: string, v: string, where: string): string | number | boolean | string[] {
  if (k === "endpoint") return v;
  const key = spec.keys.find((x) => x.name === k);
  if (key === undefined) {
    const known = ["endpoint", ...spec.keys.filter((x) => x.kind !== "secret").map((x) => x.name)];
    throw new DdnsError("USAGE", `${where} ${k}: ${spec.type} takes no key "${k}" (it takes ${known.join(", ")})`);
  }
  if (key.kind === "secret") throw new DdnsError("USAGE", `${where} ${k}: a secret goes in --token-file, never on the command line`);
  if (key.kind === "boolean") {
    if (v !== "true" && v !== "false") throw new DdnsError("USAGE", `${where} ${k}: true or false, not ${JSON.stringify(v)}`);
    return v === "true";
  }
  if (key.kind === "integer") {
    if (!/^-?\d+$/.test(v)) throw new DdnsError("USAGE", `${where} ${k}: an integer, not ${JSON.stringify(v)}`);
    return Number(v);
  }
  if (key.kind === "string[]") return v.split(",").map((x) => x.trim()).filter((x) => x !== "");
  return v;
}

async function fromFlags(o: SetupOptions): Promise<Answers> {
  if (o.provider === undefined || o.name === undefined || o.tokenFile === undefined) throw new DdnsError("USAGE", "ddns setup without a terminal needs --provider, --name and --token-file");
  const spec = providerSpec(o.provider);
  if (spec === undefined) throw new DdnsError("USAGE", `unknown provider type "${o.provider}" (ddns providers lists them)`);
  const n = normalizeHostname(o.name, { wildcard: true, minLabels: 2 });
  if (!n.ok) throw new DdnsError("USAGE", `--name: ${n.reason}`);
  const extra = parseSets(spec, o.set ?? []);
  for (const k of spec.keys.filter((k) => k.kind !== "secret" && k.required)) {
    if (!extra.some(([name]) => name === k.name)) throw new DdnsError("USAGE", `${spec.type} needs ${k.name} (${k.doc}): add --set ${k.name}=VALUE`);
  }
  let secret = await readFile(o.tokenFile, "utf8");
  if (secret.endsWith("\n")) secret = secret.slice(0, -1);
  const key = spec.keys.find((k) => k.kind === "secret" && k.required) ?? spec.keys.find((k) => k.kind === "secret");
  if (key === undefined) throw new DdnsError("USAGE", `provider type "${o.provider}" takes no secret`);
  const families = (o.families ?? spec.families.join(",")).split(",").filter((f) => spec.families.includes(f as never));
  return { type: spec.type, name: n.name, families, secretKey: key.name, secret, extra };
}

async function dialogue(o: SetupOptions, rt: Runtime): Promise<Answers> {
  let rl = createInterface({ input: process.stdin, output: process.stdout, terminal: true });
  try {
    const specs = providerSpecs();
    rt.out("ddns setup: one record at one provider. Ctrl-C stops without changing anything.\n");
    specs.forEach((s, i) => rt.out(`  ${String(i + 1).padStart(2)}. ${s.type} — ${s.summary}`));
    let spec: ProviderSpec | undefined;
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
    const extra: Answers["extra"] = [];
    for (const k of spec.keys.filter((k) => k.kind !== "secret" && k.required)) {
      for (;;) {
        try {
          extra.push([k.name, typed(spec, k.name, (await rl.question(`${k.name} (${k.doc}): `)).trim(), " ")]);
          break;
        } catch (e) {
          rt.out(`  ${(e as Error).message.trim()}`);
        }
      }
    }
    // Where the provider is asked (a self-hosted server, a reseller's API): Enter keeps the default.
    const endpoint = (await rl.question(`endpoint [${spec.defaultEndpoint || "none"}]: `)).trim();
    if (endpoint !== "") extra.push(["endpoint", endpoint]);
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

/**
 * The record of `name` in a config text, with its provider table's type and which
 * `*_credential` key names which credential ("token:ddns-duckdns-x"); undefined when
 * there is none or the text does not parse (validation then says why).
 */
function recordNamed(text: string, name: string): { provider: string; type?: string; credential?: string } | undefined {
  let doc: unknown;
  try {
    doc = toml.parse(text);
  } catch {
    return undefined;
  }
  const d = doc as { records?: unknown; providers?: unknown };
  if (!Array.isArray(d.records)) return undefined;
  for (const r of d.records as unknown[]) {
    const rec = r as { name?: unknown; provider?: unknown };
    if (typeof rec.name !== "string" || typeof rec.provider !== "string") continue;
    const n = normalizeHostname(rec.name, { wildcard: true, minLabels: 1 });
    if (!n.ok || n.name !== name) continue;
    const table = (d.providers as Record<string, unknown> | undefined)?.[rec.provider] as Record<string, unknown> | undefined;
    const type = typeof table?.["type"] === "string" ? (table["type"] as string) : undefined;
    const creds = Object.entries(table ?? {}).filter(([k, v]) => k.endsWith("_credential") && typeof v === "string");
    const credential = creds.length === 1 ? `${creds[0]![0].slice(0, -"_credential".length)}:${creds[0]![1] as string}` : undefined;
    return { provider: rec.provider, ...(type === undefined ? {} : { type }), ...(credential === undefined ? {} : { credential }) };
  }
  return undefined;
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

/** Runs a program without a shell; never throws. `missing`: the program does not exist. */
function run(cmd: string, args: string[], input?: string): Promise<{ ok: boolean; missing: boolean; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(cmd, args, { timeout: 20_000 }, (err, _stdout, stderr) =>
      resolve({ ok: err === null, missing: (err as NodeJS.ErrnoException | null)?.code === "ENOENT", stderr: String(stderr) }),
    );
    child.stdin?.on("error", () => undefined);
    child.stdin?.end(input ?? "");
  });
}

async function enableUnits(rt: Runtime): Promise<void> {
  const ok = (await run("systemctl", ["daemon-reload"])).ok && (await run("systemctl", ["enable", "--now", "ddns.path", "ddns.timer"])).ok;
  rt.out(ok ? "enabled: ddns.path and ddns.timer" : "could not enable the units; run: systemctl daemon-reload && systemctl enable --now ddns.path ddns.timer");
}
