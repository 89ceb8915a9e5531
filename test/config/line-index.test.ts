import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DdnsError } from "../../src/errors.js";
import { LineIndex } from "../../src/config/line-index.js";
import { editDistance, nearest } from "../../src/config/suggest.js";
import { FILE, parse } from "./helpers.js";

describe("Config - line index", () => {
  it("tables, arrays of tables, dotted and inline keys/build/each key at its line", () => {
    const text = [
      "# comment [fake]", // 1
      "top = 1", // 2
      "[ipv4]", // 3
      "sources = [", // 4
      '  "event",  # a comment, with [brackets]', // 5
      '  "http",', // 6
      "]", // 7
      'x.y."z w" = 2', // 8
      "[providers.home]", // 9
      'note = """', // 10
      "fake = 1", // 11
      "[fake]", // 12
      '"""', // 13
      "type = 'cloud\"flare'", // 14
      "[[records]]", // 15
      'name = "a"', // 16
      "[[records]]", // 17
      "name = '''b", // 18
      "c'''", // 19
      "ttl = 3", // 20
      "[records.sub]", // 21
      "k = 1", // 22
      "ipv6 = { enabled = true,", // 23
      "  prefer = { a = [1, { b = 2 }] } }", // 24
      "'q.uoted' = 1", // 25
    ].join("\r\n");
    const idx = LineIndex.build(text);
    const cases: [(string | number)[], number][] = [
      [["top"], 2],
      [["ipv4"], 3],
      [["ipv4", "sources"], 4],
      [["ipv4", "sources", 0], 5],
      [["ipv4", "sources", 1], 6],
      [["ipv4", "x"], 8],
      [["ipv4", "x", "y", "z w"], 8],
      [["providers"], 9],
      [["providers", "home"], 9],
      [["providers", "home", "note"], 10],
      [["providers", "home", "type"], 14],
      [["providers", "home", "fake"], 9], // inside a string: falls back to the table
      [["fake"], 1], // never a table: falls back to line 1
      [["records"], 15],
      [["records", 0], 15],
      [["records", 0, "name"], 16],
      [["records", 1], 17],
      [["records", 1, "name"], 18],
      [["records", 1, "ttl"], 20],
      [["records", 1, "sub"], 21],
      [["records", 1, "sub", "k"], 22],
      [["records", 1, "sub", "ipv6", "enabled"], 23],
      [["records", 1, "sub", "ipv6", "prefer", "a", 1, "b"], 24],
      [["records", 1, "sub", "q.uoted"], 25],
      [["records", 1, "missing"], 17],
    ];
    for (const [path, line] of cases) assert.equal(idx.lineOf(path), line, JSON.stringify(path));
  });

  it("garbage text/build/terminates without throwing", () => {
    for (const text of ["[", "[[", "a = [", 'a = "', "a = '''", "= = =", "{", "a = {", "\\", "a.", "[a.\n", "x = [\n{\n"]) {
      assert.equal(LineIndex.build(text).lineOf(["a"]) >= 1, true);
    }
  });
});

describe("Config - suggestions", () => {
  it("edit distance/compute/counts a transposition as one edit", () => {
    assert.equal(editDistance("sources", "sources"), 0);
    assert.equal(editDistance("sourcs", "sources"), 1);
    assert.equal(editDistance("tpye", "type"), 1);
    assert.equal(editDistance("", "abc"), 3);
  });

  it("nearest/typo or stranger/suggests only plausible keys", () => {
    assert.equal(nearest("sourcs", ["sources", "urls"]), "sources");
    assert.equal(nearest("ENABLED", ["enabled"]), "enabled");
    assert.equal(nearest("whatever", ["sources", "urls"]), undefined);
    assert.equal(nearest("x", []), undefined);
  });
});

describe("Config - robustness", () => {
  it("mutated configs/parse/a valid Config or one FILE:LINE problem per line, never anything else", async () => {
    const base = `[ipv4]\nsources = ["event", "http"]\nurls = ["https://api.ipify.org"]\ntimeout = 3\n[ipv6]\nprefer = "stable"\n[providers.home]\ntype = "cloudflare"\ntoken = "tok-inline-123"\nzone = "example.org"\n[[records]]\nname = "home.example.org"\nprovider = "home"\nfamilies = ["ipv4", "ipv6"]\nttl = 60\n`;
    let seed = 12345;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const alphabet = ['"', "'", "[", "]", "{", "}", "=", ".", ",", "\n", "#", "a", "1", " ", "\\", "_"];
    const lineRe = new RegExp(`^${FILE}(:\\d+: [^\\n]+: .+|: \\.\\.\\. and \\d+ more problems)$`);
    for (let n = 0; n < 200; n++) {
      let text = base;
      for (let k = 0; k <= rand(3); k++) {
        const at = rand(text.length);
        const op = rand(3);
        if (op === 0) text = text.slice(0, at) + text.slice(at + 1);
        else if (op === 1) text = text.slice(0, at) + (alphabet[rand(alphabet.length)] as string) + text.slice(at);
        else text = text.slice(0, at) + text.slice(rand(text.length));
      }
      try {
        await parse(text);
      } catch (e) {
        assert.ok(e instanceof DdnsError, `${String(e)}\n--- for ---\n${text}`);
        assert.ok(e.code === "CONFIG_INVALID" || e.code === "SECRET_UNREADABLE", e.code);
        for (const line of e.message.split("\n")) assert.match(line, lineRe, `for:\n${text}`);
      }
    }
  });
});
