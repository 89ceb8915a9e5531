import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { MESSAGE_IDS } from "../../src/log/message-ids.js";

// build/test/packaging/ -> repository root
const catalogFile = fileURLToPath(new URL("../../../packaging/ddns.catalog", import.meta.url));

interface Entry {
  id: string;
  headers: Map<string, string>;
  body: string;
}

/** Parses a journal catalog (sd-journal catalog format: "-- ID" then headers, blank line, body). */
function parseCatalog(text: string): Entry[] {
  const entries: Entry[] = [];
  let cur: Entry | undefined;
  let inBody = false;
  for (const line of text.split("\n")) {
    const head = /^-- ([0-9a-f]{32})$/.exec(line);
    if (head) {
      cur = { id: head[1] as string, headers: new Map(), body: "" };
      entries.push(cur);
      inBody = false;
    } else if (cur === undefined) {
      assert.ok(line === "" || line.startsWith("#"), `only comments before the first entry: ${line}`);
    } else if (!inBody && line === "") {
      inBody = true;
    } else if (!inBody) {
      const m = /^([A-Za-z-]+): (.+)$/.exec(line);
      assert.ok(m, `entry ${cur.id}: header line "${line}"`);
      cur.headers.set(m[1] as string, m[2] as string);
    } else {
      cur.body += line + "\n";
    }
  }
  return entries;
}

describe("Packaging - journal catalog", () => {
  const entries = parseCatalog(readFileSync(catalogFile, "utf8"));

  it("every MESSAGE_ID/looked up in packaging/ddns.catalog/has exactly one entry", () => {
    for (const [kind, id] of Object.entries(MESSAGE_IDS)) {
      assert.equal(entries.filter((e) => e.id === id).length, 1, `${kind} (${id})`);
    }
  });

  it("catalog/entries/only for known MESSAGE_IDs", () => {
    const known = new Set(Object.values(MESSAGE_IDS));
    for (const e of entries) assert.ok(known.has(e.id), `unknown id ${e.id}`);
  });

  it("each entry/headers and body/Subject, Defined-By, Documentation and a body that says what to do", () => {
    for (const e of entries) {
      assert.ok(e.headers.get("Subject"), `${e.id}: Subject`);
      assert.equal(e.headers.get("Defined-By"), "ddns", `${e.id}: Defined-By`);
      assert.match(e.headers.get("Documentation") ?? "", /^man:ddns\(8\)/, `${e.id}: Documentation`);
      assert.ok(e.body.trim().length > 150, `${e.id}: a body worth reading`);
      assert.match(e.body, /action|[Nn]othing needs|must act|check|[Ii]f this repeats|stop and disable/, `${e.id}: says what to do`);
    }
  });

  it("field substitutions/@FIELD@/only journal fields ddns sends", () => {
    const fields = new Set(["DDNS_RECORD", "DDNS_FAMILY", "DDNS_PROVIDER", "DDNS_OLD", "DDNS_NEW"]);
    for (const e of entries) {
      for (const m of (e.headers.get("Subject") + e.body).matchAll(/@([A-Z_]+)@/g)) {
        assert.ok(fields.has(m[1] as string), `${e.id}: @${m[1]}@`);
      }
    }
  });
});
