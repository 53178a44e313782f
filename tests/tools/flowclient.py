#!/usr/bin/python3
"""flowclient.py: the professional's whole flow, as a client of mycertd.

Shared by the load test (tests/integration/test_load.sh) and the bench
(bench/flow.py, which imports it); /usr/bin/python3 and its standard
library only.  One Person: POST /sso with a signed assertion, the terms,
the data check with an email address of its own, the one-time code read
from the mail outbox (found by its To: header), the progress page polled
every 100 ms (--poll-seconds), the success page with the password, the download of the
.p12, on one keep-alive TLS connection with a cookie, redirects followed.

Run as a program, it runs --people persons at once (one thread each,
each with its own eHealthID and email), then opens every .p12 with its
password and verifies its certificate against --ca, outside the timing,
and prints one JSON object: people, done (flows that reached the
download), valid (stores that opened and verified), wall_s (the first
POST /sso to the last byte of the last .p12), flow_max_s, requests,
reconnects and up to 5 problems.  Exits 1 unless every store is valid.

Talks only to the --base address, which must be https://127.0.0.1:PORT.
The certificate is not verified: it is the test's own development one.
"""
import argparse
import email.parser
import email.policy
import html
import http.client
import json
import os
import re
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

COOKIE = "__Host-mycert"
POLL_SECONDS = 0.1
CODE_WAIT_SECONDS = 10
FLOW_LIMIT_SECONDS = 170      # past the daemon's 120 s generation limit
CSRF_RE = re.compile(r'name="csrf" value="([^"]+)"')
PASSWORD_RE = re.compile(r'<p id="password"[^>]*>(.*?)</p>', re.S)
SPAN_RE = re.compile(r"<span>([^<]*)</span>")
CODE_RE = re.compile(r"^\s*(\d{6})\s*$", re.M)
SHOWN_PROBLEMS = 5


class FlowError(Exception):
    """A person's flow stopped: says at which step and why."""


class Outbox:
    """The daemon's mail outbox, indexed by recipient as files appear."""

    def __init__(self, folder):
        self.folder = folder
        self.seen = set()
        self.codes = {}
        self.lock = threading.Lock()
        self.parser = email.parser.BytesParser(policy=email.policy.default)

    def _scan(self):
        for name in sorted(os.listdir(self.folder)):
            if not name.endswith(".eml") or name in self.seen:
                continue
            with open(os.path.join(self.folder, name), "rb") as f:
                msg = self.parser.parse(f)
            self.seen.add(name)
            body = msg.get_body(preferencelist=("plain",))
            found = CODE_RE.search(body.get_content() if body else "")
            if found:
                self.codes[str(msg["To"]).strip().lower()] = found.group(1)

    def code_for(self, address):
        """The code mailed to address; waits a little for the file."""
        deadline = time.monotonic() + CODE_WAIT_SECONDS
        while True:
            with self.lock:
                self._scan()
                code = self.codes.pop(address.lower(), None)
            if code is not None:
                return code
            if time.monotonic() > deadline:
                raise FlowError("code: no message to %s in the outbox"
                                % address)
            time.sleep(0.02)


class Person:
    """One professional with a browser of sorts: one connection, a
    cookie, redirects followed."""

    def __init__(self, base, context, sub, address, assertion):
        url = urllib.parse.urlsplit(base)
        self.origin = base.rstrip("/")
        self.host, self.port = url.hostname, url.port
        self.context = context
        self.sub, self.address, self.assertion = sub, address, assertion
        self.conn = None
        self.cookie = None
        self.csrf = None
        self.requests = 0
        self.reconnects = 0
        self.times = {}
        self.password = None
        self.p12 = None
        self.error = None

    def _send(self, method, path, form):
        headers = {"Accept-Language": "fr"}
        body = None
        if self.cookie:
            headers["Cookie"] = "%s=%s" % (COOKIE, self.cookie)
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = self.origin
        self.conn.request(method, path, body=body, headers=headers)
        resp = self.conn.getresponse()
        data = resp.read()
        self.requests += 1
        return resp, data

    def request(self, method, path, form=None):
        """Sends one request; reconnects once if the server had closed an
        idle connection before a GET."""
        if self.conn is None:
            self.conn = http.client.HTTPSConnection(
                self.host, self.port, context=self.context, timeout=60)
        try:
            resp, data = self._send(method, path, form)
        except (http.client.RemoteDisconnected, BrokenPipeError,
                ConnectionResetError):
            if method != "GET":
                raise
            self.conn.close()
            self.reconnects += 1
            resp, data = self._send(method, path, form)
        for name, value in resp.getheaders():
            if name.lower() == "set-cookie" and value.startswith(COOKIE + "="):
                v = value.split(";", 1)[0].split("=", 1)[1]
                self.cookie = v or None
        found = CSRF_RE.search(data.decode("utf-8", "replace")) \
            if resp.getheader("Content-Type", "").startswith("text/html") \
            else None
        if found:
            self.csrf = found.group(1)
        return resp, data

    def browse(self, method, path, form=None, expect=200):
        """A request and the redirects after it, like a browser."""
        resp, data = self.request(method, path, form)
        hops = 0
        while resp.status in (302, 303) and hops < 5:
            path = resp.getheader("Location")
            resp, data = self.request("GET", path)
            hops += 1
        if resp.status != expect:
            raise FlowError("%s %s: status %d at %s" % (method, path,
                                                        resp.status, path))
        return resp, data, path

    def run(self, outbox):
        try:
            self._flow(outbox)
        except (FlowError, OSError, http.client.HTTPException) as exc:
            self.error = "%s: %s" % (type(exc).__name__, exc)
        finally:
            if self.conn is not None:
                self.conn.close()

    def _flow(self, outbox):
        t = self.times
        t["start"] = time.monotonic()
        _, _, where = self.browse("POST", "/sso",
                                  {"assertion": self.assertion})
        if where != "/" or self.cookie is None:
            raise FlowError("sso: not signed in (ended at %s)" % where)
        self.browse("GET", "/terms")
        self.browse("POST", "/terms", {"csrf": self.csrf, "accept": "on"})
        _, _, where = self.browse("POST", "/data", {
            "csrf": self.csrf, "email": self.address, "action": "validate"})
        if where != "/code":
            raise FlowError("data: ended at %s, not /code" % where)
        t["code_page"] = time.monotonic()
        code = outbox.code_for(self.address)
        t["code_read"] = time.monotonic()
        resp, _ = self.request("POST", "/code",
                               {"csrf": self.csrf, "code": code})
        if resp.status != 303 or resp.getheader("Location") != "/progress":
            raise FlowError("code: status %d, not 303 to /progress"
                            % resp.status)
        t["code_accepted"] = time.monotonic()
        self._wait_issued()
        t["issued"] = time.monotonic()
        _, page, _ = self.browse("GET", "/done")
        found = PASSWORD_RE.search(page.decode("utf-8", "replace"))
        if not found:
            raise FlowError("done: no password on the page")
        self.password = html.unescape("".join(SPAN_RE.findall(
            found.group(1))))
        resp, self.p12 = self.request("GET", "/download")
        t["end"] = time.monotonic()
        if resp.status != 200 or resp.getheader("Content-Type") != \
                "application/x-pkcs12":
            raise FlowError("download: status %d, type %s"
                            % (resp.status, resp.getheader("Content-Type")))

    def _wait_issued(self):
        deadline = time.monotonic() + FLOW_LIMIT_SECONDS
        while time.monotonic() < deadline:
            resp, data = self.request("GET", "/progress")
            if resp.status == 303 and resp.getheader("Location") == "/done":
                return
            if resp.status != 200:
                raise FlowError("progress: status %d" % resp.status)
            if b'action="/retry"' in data:
                raise FlowError("progress: the generation failed")
            time.sleep(POLL_SECONDS)
        raise FlowError("progress: not done after %d s" % FLOW_LIMIT_SECONDS)


def mint(devportal, conf, sub):
    """A fresh doctor's assertion for eHealthID sub."""
    out = subprocess.run([devportal, "-c", conf, "--persona", "doctor",
                          "--sub", sub], check=True, capture_output=True,
                         text=True)
    return out.stdout.strip()


def p12_opens(person):
    """Opens the .p12 with its password (in the environment, not argv):
    None when a key and a certificate came out, else what went wrong."""
    if person.p12 is None or not person.password:
        return "nothing downloaded"
    env = dict(os.environ, MYCERT_TEST_P12_PASSWORD=person.password)
    out = subprocess.run(["openssl", "pkcs12", "-nodes",
                          "-passin", "env:MYCERT_TEST_P12_PASSWORD"],
                         input=person.p12, capture_output=True, env=env)
    text = out.stdout
    ok = out.returncode == 0 and b"PRIVATE KEY-----" in text and \
        b"BEGIN CERTIFICATE" in text
    if not ok:
        lines = out.stderr.decode("utf-8", "replace").strip().splitlines()
        return "openssl pkcs12: %s" % (lines[0] if lines else
                                       "no key or no certificate")
    return None



def p12_valid(person, ca_file):
    """Opens the .p12 with its password and verifies its certificate for
    client authentication against ca_file: None when it holds, else what
    went wrong."""
    why = p12_opens(person)
    if why is not None:
        return why
    env = dict(os.environ, MYCERT_TEST_P12_PASSWORD=person.password)
    out = subprocess.run(["openssl", "pkcs12", "-clcerts", "-nokeys",
                          "-passin", "env:MYCERT_TEST_P12_PASSWORD"],
                         input=person.p12, capture_output=True, env=env)
    with tempfile.NamedTemporaryFile(suffix=".pem") as cert:
        cert.write(out.stdout)
        cert.flush()
        check = subprocess.run(["openssl", "verify", "-purpose",
                                "sslclient", "-CAfile", ca_file, cert.name],
                               capture_output=True, text=True)
    if check.returncode != 0 or not check.stdout.strip().endswith(": OK"):
        lines = (check.stderr or check.stdout).strip().splitlines()
        return "openssl verify: %s" % (lines[-1] if lines else "failed")
    return None


def context_unverified():
    """A TLS context for the test's own development certificate."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def run_people(base, conf, devportal, outbox, subs):
    """Runs one person per eHealthID of subs at once; returns them and
    the wall time from the first POST /sso to the last .p12 byte."""
    context = context_unverified()
    persons = [Person(base, context, sub, "flow-%s@example.org" % sub,
                      mint(devportal, conf, sub)) for sub in subs]
    barrier = threading.Barrier(len(persons) + 1)

    def go(p):
        barrier.wait()
        p.run(outbox)

    threads = [threading.Thread(target=go, args=(p,)) for p in persons]
    for th in threads:
        th.start()
    start = time.monotonic()
    barrier.wait()
    for th in threads:
        th.join()
    wall = max((p.times.get("end", time.monotonic()) for p in persons)) \
        - start
    return persons, wall


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", required=True)
    ap.add_argument("--conf", required=True)
    ap.add_argument("--devportal", required=True)
    ap.add_argument("--outbox", required=True)
    ap.add_argument("--ca", required=True, help="the CA certificate")
    ap.add_argument("--people", type=int, default=32)
    ap.add_argument("--first-sub", type=int, required=True,
                    help="eHealthID of the first person (10 digits)")
    ap.add_argument("--poll-seconds", type=float, default=0.1,
                    help="between two GET /progress of a person")
    args = ap.parse_args()
    globals()["POLL_SECONDS"] = args.poll_seconds
    if not args.base.startswith("https://127.0.0.1:"):
        sys.exit("flowclient.py: --base must be https://127.0.0.1:PORT")
    subs = ["%010d" % (args.first_sub + i) for i in range(args.people)]
    persons, wall = run_people(args.base, args.conf, args.devportal,
                               Outbox(args.outbox), subs)
    done = [p for p in persons if p.error is None]
    problems = ["person %s failed: %s" % (p.sub, p.error)
                for p in persons if p.error is not None]
    valid = 0
    for p in done:
        why = p12_valid(p, args.ca)
        if why is None:
            valid += 1
        else:
            problems.append("person %s: store not valid: %s" % (p.sub, why))
    flows = [p.times["end"] - p.times["start"] for p in done]
    print(json.dumps({
        "people": len(persons), "done": len(done), "valid": valid,
        "wall_s": round(wall, 2),
        "flow_max_s": round(max(flows), 2) if flows else None,
        "requests": sum(p.requests for p in persons),
        "reconnects": sum(p.reconnects for p in persons),
        "problems": problems[:SHOWN_PROBLEMS],
    }))
    return 0 if valid == len(persons) else 1


if __name__ == "__main__":
    sys.exit(main())
