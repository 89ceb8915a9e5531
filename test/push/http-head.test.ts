import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { headEnd, parseHead } from "../../src/push/http-head.js";
import { HEAD_LIMIT } from "../../src/push/types.js";

const head = (s: string): ReturnType<typeof parseHead> => parseHead(Buffer.from(s, "latin1"));

describe("Push - HTTP request head", () => {
  it("router request/parse/method path query and lower-cased headers", () => {
    const r = head("GET /nic/update?hostname=home.example.org&myip=192.0.2.7 HTTP/1.1\r\nHost: ddns\r\nUser-Agent: Fritz!Box DDNS/1.0.1\r\nAuthorization: Basic dTpw\r\n\r\n");
    assert.equal(r.kind, "head");
    if (r.kind !== "head") return;
    assert.equal(r.head.method, "GET");
    assert.equal(r.head.path, "/nic/update");
    assert.equal(r.head.query, "hostname=home.example.org&myip=192.0.2.7");
    assert.equal(r.head.headers.get("user-agent"), "Fritz!Box DDNS/1.0.1");
    assert.equal(r.head.headers.get("authorization"), "Basic dTpw");
  });

  it("bare LF line ends/parse/accepted", () => {
    const r = head("GET /nic/update HTTP/1.0\nUser-Agent: x\n\n");
    assert.equal(r.kind, "head");
  });

  const refusals: Array<[string, string, string]> = [
    ["POST", "POST /nic/update HTTP/1.1\r\nHost: a\r\n\r\n", "method"],
    ["HEAD", "HEAD /nic/update HTTP/1.1\r\nHost: a\r\n\r\n", "method"],
    ["body announced", "GET /nic/update HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n", "body"],
    ["chunked body", "GET /nic/update HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n", "body"],
    ["bad content-length", "GET /nic/update HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", "malformed"],
    ["two spaces", "GET  /nic/update HTTP/1.1\r\nHost: a\r\n\r\n", "malformed"],
    ["absolute-form", "GET http://x/nic/update HTTP/1.1\r\nHost: a\r\n\r\n", "malformed"],
    ["fragment", "GET /nic/update#x HTTP/1.1\r\nHost: a\r\n\r\n", "malformed"],
    ["HTTP/2.0", "GET /nic/update HTTP/2.0\r\nHost: a\r\n\r\n", "version"],
    ["garbage version", "GET /nic/update FOO\r\nHost: a\r\n\r\n", "malformed"],
    ["no Host in 1.1", "GET /nic/update HTTP/1.1\r\n\r\n", "malformed"],
    ["folded header", "GET /nic/update HTTP/1.1\r\nHost: a\r\n x\r\n\r\n", "malformed"],
    ["repeated Authorization", "GET /nic/update HTTP/1.1\r\nHost: a\r\nAuthorization: Basic a\r\nAuthorization: Basic b\r\n\r\n", "malformed"],
    ["control character", "GET /nic/update HTTP/1.1\r\nHost: a\x01b\r\n\r\n", "malformed"],
    ["space before colon", "GET /nic/update HTTP/1.1\r\nHost : a\r\n\r\n", "malformed"],
    ["binary", "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n", "malformed"],
    ["empty", "\r\n\r\n", "malformed"],
  ];
  for (const [what, text, problem] of refusals) {
    it(`${what}/parse/refused as ${problem}`, () => {
      const r = head(text);
      assert.equal(r.kind, "refused");
      if (r.kind === "refused") assert.equal(r.problem, problem);
    });
  }

  it("head over the limit/parse/too-large", () => {
    const r = head(`GET /nic/update?x=${"a".repeat(HEAD_LIMIT)} HTTP/1.1\r\nHost: a\r\n\r\n`);
    assert.equal(r.kind, "refused");
    if (r.kind === "refused") assert.equal(r.problem, "too-large");
  });

  it("too many header lines/parse/too-large", () => {
    const r = head(`GET / HTTP/1.1\r\nHost: a\r\n${"X-A: b\r\n".repeat(40)}\r\n`);
    assert.equal(r.kind, "refused");
    if (r.kind === "refused") assert.equal(r.problem, "too-large");
  });

  it("head end/find/CRLF, LF and not yet", () => {
    assert.equal(headEnd(Buffer.from("GET / HTTP/1.0\r\n\r\nrest")), 18);
    assert.equal(headEnd(Buffer.from("GET / HTTP/1.0\n\nrest")), 16);
    assert.equal(headEnd(Buffer.from("GET / HTTP/1.0\r\nHost: a\r\n")), -1);
  });
});
