import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { chmodSync, existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DOC_CACHE_FILE, plain, readCachedDoc } from "../../src/config/doc-cache.js";
import { loadConfig, type DocCacheUse } from "../../src/config/load.js";
import { identity } from "../../src/state/idle-seal.js";
import { assertNoSecretsIn } from "../helpers/secrets.js";

/*
 * The parsed-document cache of `ddns run` (src/config/doc-cache.ts): a run whose
 * config did not change takes the document from /run/ddns/config-doc.json instead of
 * parsing the TOML. It must stand for exactly what the parse gives, and never hold a
 * secret.
 */
const TOKEN = "doc-cache-tok-51f2";
const BUILD = "0.1.0+test";

function setup(body: (dir: string) => string) {
  const dir = mkdtempSync(join(tmpdir(), "ddns-doc-cache-"));
  writeFileSync(join(dir, "token"), TOKEN + "\n");
  const file = join(dir, "ddns.toml");
  const write = () => {
    writeFileSync(file, body(dir), { mode: 0o600 });
    chmodSync(file, 0o600);
  };
  write();
  const path = join(dir, DOC_CACHE_FILE);
  /** The docCache option as cli/run.ts builds it: identity taken before the read; `now` past the racy window. */
  const use = (over: Partial<DocCacheUse> = {}): DocCacheUse => ({ path, identity: identity(file), build: BUILD, write: true, now: Date.now() + 60_000, ...over });
  return { dir, file, path, use, write };
}

const CONFIG = (address: string) => (dir: string) => `
[ipv4]
sources = ["static"]
address = "${address}"
[ipv6]
enabled = false
[providers.cf]
type = "cloudflare"
token_file = "${join(dir, "token")}"
[[records]]
name = "home.example.org"
provider = "cf"
`;

describe("Config - parsed document cache (tmpfs)", () => {
  it("unchanged config/second load/takes the cached document; the cache holds no secret and is 0600", async () => {
    const t = setup(CONFIG("198.51.100.7"));
    const first = await loadConfig({ file: t.file, docCache: t.use() });
    assert.ok(existsSync(t.path), "the first load kept the parsed document");
    assert.equal(statSync(t.path).mode & 0o777, 0o600);
    const text = readFileSync(t.path, "utf8");
    assertNoSecretsIn([TOKEN], [text]);
    assert.deepEqual(readCachedDoc(t.use(), readFileSync(t.file, "utf8").length), {
      ipv4: { sources: ["static"], address: "198.51.100.7" },
      ipv6: { enabled: false },
      providers: { cf: { type: "cloudflare", token_file: join(t.dir, "token") } },
      records: [{ name: "home.example.org", provider: "cf" }],
    });
    // Proof that a second load uses the cache rather than the text: a cache entry
    // (same identity, build and length) whose document says another address.
    writeFileSync(t.path, text.replace("198.51.100.7", "198.51.100.8"), { mode: 0o600 });
    const second = await loadConfig({ file: t.file, docCache: t.use() });
    assert.deepEqual(second.families.ipv4.addresses, ["198.51.100.8"], "the document came from the cache");
    assert.deepEqual(first.families.ipv4.addresses, ["198.51.100.7"]);
    assert.equal(second.providers.get("cf")?.values["token"], TOKEN, "secrets are still read from their files");
  });

  it("changed config, other build, other length, foreign or open file/load/parses the text", async () => {
    const t = setup(CONFIG("198.51.100.7"));
    await loadConfig({ file: t.file, docCache: t.use() });
    const forged = readFileSync(t.path, "utf8").replace("198.51.100.7", "198.51.100.9");
    const addr = async (over: Partial<DocCacheUse> = {}) => (await loadConfig({ file: t.file, docCache: t.use({ write: false, ...over }) })).families.ipv4.addresses[0];
    writeFileSync(t.path, forged, { mode: 0o600 });
    assert.equal(await addr(), "198.51.100.9", "the forged entry is taken while everything matches");
    assert.equal(await addr({ build: "0.1.0+other" }), "198.51.100.7", "another build parses");
    assert.equal(await addr({ identity: "1:2:3:4:5:6:7:8" }), "198.51.100.7", "another identity parses");
    assert.equal(await addr({ identity: "!ENOENT" }), "198.51.100.7", "no identity parses");
    chmodSync(t.path, 0o622);
    assert.equal(await addr(), "198.51.100.7", "a cache others may write is not trusted");
    chmodSync(t.path, 0o600);
    // The config rewritten with the same length: a new identity (ctime), so a parse.
    writeFileSync(t.file, CONFIG("198.51.100.6")(t.dir), { mode: 0o600 });
    assert.equal(await addr({ identity: identity(t.file) }), "198.51.100.6", "an edited config parses");
    writeFileSync(t.path, "{not json", { mode: 0o600 });
    assert.equal(await addr(), "198.51.100.6", "a damaged cache parses");
  });

  it("inline secret, racy change, dry run, TOML date/load/no cache written", async () => {
    const inline = setup((dir) => CONFIG("198.51.100.7")(dir).replace(`token_file = "${join(dir, "token")}"`, `token = "${TOKEN}"`));
    await loadConfig({ file: inline.file, docCache: inline.use() });
    assert.equal(existsSync(inline.path), false, "a config with an inline secret is never cached");
    const push = setup((dir) => `${CONFIG("198.51.100.7")(dir)}[push]\nnames = ["home.example.org"]\nusername = "router"\npassword = "${TOKEN}"\n`);
    await loadConfig({ file: push.file, pushSecrets: false, docCache: push.use() });
    assert.equal(existsSync(push.path), false, "nor one with an inline [push] secret the run does not read");
    const racy = setup(CONFIG("198.51.100.7"));
    await loadConfig({ file: racy.file, docCache: racy.use({ now: Date.now() }) });
    assert.equal(existsSync(racy.path), false, "a config changed within the last 20 ms is not cached (racily clean)");
    const dry = setup(CONFIG("198.51.100.7"));
    await loadConfig({ file: dry.file, docCache: dry.use({ write: false }) });
    assert.equal(existsSync(dry.path), false, "write: false (a dry run) only reads");
    assert.equal(plain({ a: [1, "x", true, { b: 2.5 }] }), true);
    for (const bad of [new Date(0), Number.NaN, Infinity, -0, null, undefined, JSON.parse('{"__proto__": 1}'), Object.create({})]) {
      assert.equal(plain({ k: bad }), false, `not cached: ${String(bad)}`);
    }
  });
});
