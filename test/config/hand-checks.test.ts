import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isProviderName, trimSlashes } from "../../src/config/providers.js";
import { isLabel, isPrintableAscii } from "../../src/config/values.js";
import { decOctet } from "../../src/ip-source/sanity.js";
import { changedTooRecently } from "../../src/state/idle-seal.js";

// Checks written by hand instead of regular expressions (each expression a run executes
// is compiled on its first use: PERFORMANCE.md). Each is held to the expression it
// replaces over edge cases and a deterministic sample of short strings.

const ALPHABET = ["a", "z", "A", "Z", "0", "1", "9", "-", "_", ".", "/", " ", "~", "\x1f", "\x7f", "é", "\n", "@", ":", "*"];

function* strings(maxLen: number): Generator<string> {
  yield "";
  let frontier = [""];
  for (let len = 1; len <= maxLen; len++) {
    const next: string[] = [];
    for (const s of frontier) for (const c of ALPHABET) next.push(s + c);
    // All strings up to length 3; beyond, a deterministic sample keeps the test quick.
    frontier = len < 3 ? next : next.filter((_, i) => i % 97 === 0);
    yield* frontier;
  }
}

const EDGES = [
  "a".repeat(62), "a".repeat(63), "a".repeat(64), "a".repeat(65), `a${"-".repeat(61)}a`, `a${"-".repeat(62)}a`, "-a", "a-", "a-b", "0", "00", "01", "10", "255", "256", "999", "1000", "2550",
  "/", "//", "https://x//", "https://x/a/", "", "\u00e9", "A".repeat(64), "A".repeat(65), `A${"_".repeat(63)}`, `_${"A".repeat(10)}`, "a\n", "a\u2028",
];

describe("Config - checks by hand, held to the regular expressions they replace", () => {
  const all = [...strings(5), ...EDGES];

  it("isLabel/every sample/as /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/", () => {
    const re = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
    for (const s of all) assert.equal(isLabel(s), re.test(s), JSON.stringify(s));
  });

  it("isPrintableAscii/every sample/as no match of /[^\\x20-\\x7e]/", () => {
    for (const s of all) assert.equal(isPrintableAscii(s), !/[^\x20-\x7e]/.test(s), JSON.stringify(s));
  });

  it("isProviderName/every sample/as /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/", () => {
    const re = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
    for (const s of all) assert.equal(isProviderName(s), re.test(s), JSON.stringify(s));
  });

  it("trimSlashes/every sample/as replace(/\\/+$/, \"\")", () => {
    for (const s of all) assert.equal(trimSlashes(s), s.replace(/\/+$/, ""), JSON.stringify(s));
  });

  it("decOctet/every sample/as /^(?:0|[1-9][0-9]{0,2})$/ and at most 255", () => {
    const re = /^(?:0|[1-9][0-9]{0,2})$/;
    for (const s of all) assert.equal(decOctet(s), re.test(s) && Number(s) <= 255 ? Number(s) : -1, JSON.stringify(s));
  });

  it("changedTooRecently/a ctime field that is not all digits/true (racy: no seal, no cache)", () => {
    for (const c of ["", "12a", "-5", "1.5", " 1", "1e9", "١٢"]) assert.equal(changedTooRecently(`1:2:3:4:${c}:6`, Date.now()), true, c);
    assert.equal(changedTooRecently("1:2:3:4", Date.now()), true);
    assert.equal(changedTooRecently(`1:2:3:4:${BigInt(Date.now() - 60_000) * 1_000_000n + 123n}:6`, Date.now()), false);
  });
});
