import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { checkUrl, httpUrlParts } from "../../src/config/values.js";

// checkUrl reads an http(s) URL's parts from its href instead of URL's getters (a run
// then compiles none of them: PERFORMANCE.md). These tests hold the parts to URL's own.

const CORPUS = [
  "https://api.cloudflare.com/client/v4",
  "https://api.cloudflare.com/client/v4/",
  "http://127.0.0.1:8080/nic/update",
  "http://127.0.0.1:8080",
  "http://localhost/",
  "http://[::1]:5353/x/y",
  "http://[::1]",
  "https://[2001:db8::1]:443/a",
  "https://user@example.org/",
  "https://user:pw@example.org:8443/p",
  "https://:pw@example.org/",
  "https://:@example.org/",
  "https://us%40er:p%3Aw@example.org/",
  "https://example.org/?",
  "https://example.org/#",
  "https://example.org/?#",
  "https://example.org/a?b=c#d",
  "https://example.org/a#b?c",
  "https://example.org/a/b%2Fc?x=%23#f@g",
  "https://EXAMPLE.org:443/",
  "HTTP://Example.ORG:80/Path",
  "http:example.org/x",
  "https://xn--bcher-kva.example/",
  "https://bücher.example/ä?ö=ü#ß",
  "https://example.org./trailing",
  "https://1.2.3.4:1/",
  "https://0x7f.1/",
];

describe("Config - values: URL parts from the href", () => {
  it("httpUrlParts/every URL of the corpus/the same parts as URL's getters", () => {
    for (const s of CORPUS) {
      const u = new URL(s);
      const p = httpUrlParts(u);
      assert.ok(p !== undefined, s);
      assert.deepEqual(
        p,
        {
          href: u.href,
          protocol: u.protocol,
          credentials: u.username !== "" || u.password !== "",
          host: u.host,
          hostname: u.hostname,
          pathname: u.pathname,
          query: u.search !== "",
          fragment: u.hash !== "",
        },
        s,
      );
    }
  });

  it("httpUrlParts/other schemes/undefined", () => {
    for (const s of ["ftp://example.org/", "file:///etc/passwd", "mailto:a@example.org", "ws://example.org/", "httpx://example.org/"]) {
      assert.equal(httpUrlParts(new URL(s)), undefined, s);
    }
  });

  it("checkUrl/accepted and refused URLs/the reasons as before, none repeating credentials or a query", () => {
    assert.deepEqual(checkUrl("https://example.org/x?token=abc"), { ok: true, url: httpUrlParts(new URL("https://example.org/x?token=abc")) });
    assert.equal(checkUrl("http://127.0.0.1:8080/").ok, true);
    assert.equal(checkUrl("http://[::1]/").ok, true);
    assert.equal(checkUrl("http://localhost:1/").ok, true);
    const reason = (s: string): string => {
      const r = checkUrl(s);
      assert.equal(r.ok, false, s);
      return r.ok ? "" : r.reason;
    };
    assert.equal(reason("not a url"), "is not a URL");
    assert.equal(reason("https://u:secret-pw@example.org/"), "must not hold a user name or password; use the secret keys for credentials");
    assert.equal(reason("ftp://u:secret-pw@example.org/"), "must not hold a user name or password; use the secret keys for credentials");
    assert.equal(
      reason("http://example.org:8080/p?token=secret-q#frag"),
      `"http://example.org:8080/p" uses plain http://, which is allowed only to a loopback host (127.0.0.1, ::1, localhost); use https://`,
    );
    assert.equal(reason("http://128.0.0.1/"), `"http://128.0.0.1/" uses plain http://, which is allowed only to a loopback host (127.0.0.1, ::1, localhost); use https://`);
    assert.equal(reason("ftp://example.org/p?token=secret-q"), `"ftp://example.org/p" must be an https:// URL`);
    assert.equal(reason("mailto:someone@example.org"), `"mailto://someone@example.org" must be an https:// URL`);
  });
});
