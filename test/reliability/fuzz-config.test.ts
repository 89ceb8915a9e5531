import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DdnsError } from "../../src/errors.js";
import { parseConfigText } from "../../src/config/load.js";
import { providerSpecs } from "../../src/provider/registry.js";
import { runDdns } from "../helpers/ddns.js";
import { assertNoSecrets, secretScanStats } from "../helpers/secrets.js";
import { count } from "./fixture.js";
import { rng, type Rng } from "./rng.js";

const CASES = count(2000, 400);
const BINARY_SAMPLE = count(100, 12);
const SEED = Number(process.env["DDNS_FUZZ_SEED"] ?? 20261127);

/** Every inline secret the generator writes; none may appear in any message. */
const SECRETS = ["fz-secret-Hq8Zt1", "fz-pass-Vb02Lm", "fz-key-Pp41Ns=="];
const FAMILY_KEYS = ["enabled", "sources", "interfaces", "urls", "address", "command", "dns_servers", "dns_name", "accept_private", "timeout", "prefer"];
const RECORD_KEYS = ["name", "provider", "families", "ttl"];
const PUSH_KEYS = ["names", "username", "password", "password_file", "password_credential", "token", "token_file", "token_credential"];

/** Keys whose values are secrets (only there does the generator write a secret). */
const SECRET_KEYS = new Set(["password", "token", ...providerSpecs().flatMap((s) => s.keys.filter((k) => k.kind === "secret").map((k) => k.name))]);

function value(r: Rng, key: string): string {
  if (SECRET_KEYS.has(key) && r.chance(0.7)) {
    const s = r.pick(SECRETS);
    return r.pick([`"${s}"`, `["${s}"]`, `{ v = "${s}" }`, `"${s}\\n"`, `"""${s}"""`, `'${s}'`, `"${s}" "junk"`]);
  }
  const pool: Array<() => string> = [
    () => `"${r.pick(["event", "interface", "http", "dns", "static", "command", "nope"])}"`,
    () => `["${r.pick(["event", "interface", "http", "static"])}", "${r.pick(["dns", "command", "static", "x"])}"]`,
    () => `"${r.pick(["198.51.100.7", "10.0.0.1", "300.1.1.1", "2001:db8::1", "::1", "fe80::1%eth0", "", " "])}"`,
    () => `"${r.pick(["https://api.ipify.org", "http://127.0.0.1:8080", "http://example.org", "ftp://x", "https://u:p@h/", "https://[::1]:1/"])}"`,
    () => `"${r.pick(["home.example.org", "*.example.org", "a..b", "-x.org", "x".repeat(300), "é.example", "EXAMPLE.ORG."])}"`,
    () => `"${r.pick(["cloudflare", "dyndns2", "duckdns", "rfc2136", "route53", ...providerSpecs().map((s) => s.type)])}"`,
    () => r.pick(["0", "-1", "1", "60", "86400", "9007199254740993", "1e400", "3.5", "nan", "inf", "0x10", "1_000"]),
    () => r.pick(["true", "false", "TRUE"]),
    () => r.pick(["[]", "[[]]", "[1, \"a\"]", "{}", "{ a = 1 }", "1979-05-27T07:32:00Z", `"""multi\nline"""`, "'lit'", `"\\u0000"`, `"\\u00e9\\t"`]),
    () => `["/nonexistent/${r.int(9)}", "--flag"]`,
    () => `"/nonexistent/secret-${r.int(9)}"`,
  ];
  return r.pick(pool)();
}

function table(r: Rng, header: string, keys: string[]): string {
  const lines = [header];
  for (let k = 0, n = r.int(6); k < n; k++) {
    const key = r.chance(0.85) ? r.pick(keys) : r.pick(["sourcs", "tokn", "zone", "ttl", "\"quoted key\"", "a.b", "x"]);
    lines.push(`${key} = ${value(r, key)}`);
  }
  return lines.join("\n");
}

/** A config built from the real key sets, with values of every shape. */
function generated(r: Rng): string {
  const parts: string[] = [];
  const specs = providerSpecs();
  for (let k = 0, n = 1 + r.int(6); k < n; k++) {
    const what = r.int(7);
    if (what === 0) parts.push(table(r, "[ipv4]", FAMILY_KEYS));
    else if (what === 1) parts.push(table(r, "[ipv6]", FAMILY_KEYS));
    else if (what === 2 || what === 3) {
      const spec = r.pick(specs);
      const keys = ["type", "endpoint", "refresh_days", ...spec.keys.flatMap((x) => (x.kind === "secret" ? [x.name, `${x.name}_file`, `${x.name}_credential`] : [x.name]))];
      parts.push(`[providers.${r.pick(["home", "p", "\"quoted name\"", "a.b"])}]\ntype = "${spec.type}"\n` + table(r, "", keys));
    } else if (what === 4 || what === 5) parts.push(table(r, "[[records]]", RECORD_KEYS));
    else parts.push(table(r, r.pick(["[push]", "[unknown]", "[providers]", "[[ipv4]]"]), PUSH_KEYS));
  }
  return parts.join("\n");
}

const BASES = [
  `[ipv4]\nsources = ["event", "static"]\naddress = "198.51.100.7"\n[ipv6]\nenabled = false\n[providers.home]\ntype = "cloudflare"\ntoken = "${SECRETS[0]}"\nzone = "example.org"\n[[records]]\nname = "home.example.org"\nprovider = "home"\nttl = 60\n`,
  `[ipv4]\nsources = ["http"]\nurls = ["https://api.ipify.org"]\ntimeout = 3\n[providers.dd]\ntype = "duckdns"\ntoken = "${SECRETS[1]}"\n[[records]]\nname = "me.duckdns.org"\nprovider = "dd"\n[push]\nnames = ["me.duckdns.org"]\nusername = "router"\npassword = "${SECRETS[2]}"\n`,
];

/** A valid-looking config with a few byte-level edits (delete, insert, splice, duplicate a line). */
function mutated(r: Rng): string {
  let text = r.pick(BASES);
  const alphabet = ['"', "'", "[", "]", "{", "}", "=", ".", ",", "\n", "#", "a", "1", " ", "\\", "_", "\u0000", "\u00e9", "\ufeff", "\r", "\t", "\u{1F600}"];
  for (let k = 0, n = 1 + r.int(4); k < n; k++) {
    const at = r.int(text.length);
    const op = r.int(4);
    if (op === 0) text = text.slice(0, at) + text.slice(at + 1 + r.int(3));
    else if (op === 1) text = text.slice(0, at) + r.pick(alphabet) + text.slice(at);
    else if (op === 2) text = text.slice(0, at) + text.slice(r.int(text.length));
    else {
      const lines = text.split("\n");
      const i = r.int(lines.length);
      lines.splice(r.int(lines.length), 0, lines[i] ?? "");
      text = lines.join("\n");
    }
  }
  return text;
}

const FILE = "/etc/ddns/ddns.toml";
const LINE_RE = new RegExp(`^${FILE}(:(\\d+): [^\\n]+|: \\.\\.\\. and \\d+ more problems)$`);

/** Parses in-process: a Config, or a DdnsError whose every line is FILE:LINE: ... */
async function check(text: string): Promise<"valid" | "refused"> {
  try {
    await parseConfigText(text, FILE, { fileMode: 0o100600, fileMtimeMs: 1000 });
    return "valid";
  } catch (e) {
    assert.ok(e instanceof DdnsError, `not a DdnsError (would exit 1): ${String(e)}\n--- for ---\n${text}`);
    assert.ok(e.code === "CONFIG_INVALID" || e.code === "SECRET_UNREADABLE", `${e.code}: ${e.message}`);
    const lines = text.split("\n").length;
    for (const line of e.message.split("\n")) {
      const m = LINE_RE.exec(line);
      assert.ok(m, `not FILE:LINE: ${JSON.stringify(line)}\n--- for ---\n${text}`);
      if (m[2] !== undefined) assert.ok(Number(m[2]) >= 1 && Number(m[2]) <= lines + 1, `line ${m[2]} of ${lines}`);
    }
    await assertNoSecrets(SECRETS, { errors: [e] }).catch((x: Error) => assert.fail(`${x.message}: ${e.message}\n--- for ---\n${text}`));
    return "refused";
  }
}

describe("Reliability - config fuzzing", () => {
  let dir: string;
  const samples: string[] = [];
  const valid: string[] = [];
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "ddns-fuzz-config-"));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it(`${CASES} generated and mutated configs/parse in-process/valid, or refused with FILE:LINE and no secret`, async () => {
    const r = rng(SEED);
    const tally = { generated: 0, mutated: 0, valid: 0, refused: 0 };
    for (let n = 0; n < CASES; n++) {
      const gen = n % 2 === 0;
      const text = gen ? generated(r) : mutated(r);
      tally[gen ? "generated" : "mutated"]++;
      const outcome = await check(text);
      tally[outcome]++;
      // The binary sees both outcomes: valid ones while they are rare, then every k-th.
      if (outcome === "valid" ? valid.length < BINARY_SAMPLE / 2 : n % Math.max(1, Math.floor(CASES / BINARY_SAMPLE)) === 1) {
        (outcome === "valid" ? valid : samples).push(text);
      }
    }
    samples.splice(BINARY_SAMPLE - valid.length, samples.length, ...valid);
    console.log(`# config fuzz seed=${SEED} cases=${CASES} generated=${tally.generated} mutated=${tally.mutated} valid=${tally.valid} refused=${tally.refused}`);
    assert.ok(tally.refused > 0 && tally.valid > 0, "the fuzzer reaches both outcomes");
  });

  it("a multi-line string value (found by this fuzzer)/parse/its problem stays on one FILE:LINE line", async () => {
    const text = `[[records]]\nprovider = "p"\nname = """multi\nline"""\n[providers."a\\nb"]\ntype = "cloudflare"\n`;
    assert.equal(await check(text), "refused");
  });

  it(`a sample through the real binary/ddns check/exit 0 or 78 with FILE:LINE, never 1, no stack trace`, async () => {
    const codes: Record<string, number> = {};
    for (const [i, text] of samples.entries()) {
      const file = join(dir, `c${i}.toml`);
      await writeFile(file, text);
      await chmod(file, 0o600);
      const res = await runDdns(["check", "--config", file]);
      codes[String(res.code)] = (codes[String(res.code)] ?? 0) + 1;
      assert.ok(res.code === 0 || res.code === 78, `exit ${String(res.code)} for:\n${text}\n${res.stderr}`);
      assert.ok(!/\n\s+at /.test(res.stderr), `a stack trace:\n${res.stderr}`);
      if (res.code === 78) assert.match(res.stderr, new RegExp(`${file.replace(/[.]/g, "\\.")}(:\\d+)?: `));
      await assertNoSecrets(SECRETS, { stdout: res.stdout, stderr: res.stderr });
    }
    console.log(`# config fuzz through the binary: ${samples.length} files, exit codes ${JSON.stringify(codes)}`);
  });
});

process.on("exit", () => {
  const s = secretScanStats();
  console.log(`# secrets fuzz-config: ${s.scans} scans, ${s.bytes} bytes, ${s.secrets} distinct secrets, 0 found`);
});
