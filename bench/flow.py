#!/usr/bin/python3
"""flow.py: the professional's whole flow against a running mycertd.

Run by bench/front.sh with /usr/bin/python3 and its standard library only.
One person: POST /sso with a signed assertion, the terms, the data check
with an email address of its own, the one-time code read from the mail
outbox (found by its To: header), the progress page polled every 100 ms,
the success page with the password, the download of the .p12.  Each
level runs that many people at once, on as many threads, each with its
own eHealthID, its own email and its own keep-alive TLS connection.  The
assertions are minted before the clock starts; a person's time runs from
its POST /sso to the last byte of its .p12.  Every .p12 is then opened
with its password by openssl pkcs12, outside the timing.  Prints figures,
asserts no speed; exits 1 when a person failed or a .p12 did not open.

Talks only to the --base address, which must be https://127.0.0.1:PORT.
The certificate is not verified: it is the bench's own development one.
"""
import argparse
import email.parser
import email.policy
import html
import http.client
import math
import os
import re
import ssl
import subprocess
import sys
import threading
import time
import urllib.parse

COOKIE = "__Host-mycert"
POLL_SECONDS = 0.1
SHOWN_PROBLEMS = 5
WORKERS = 2                   # the daemon's issuance threads (portal.c)
CODE_WAIT_SECONDS = 10
FLOW_LIMIT_SECONDS = 170      # past the daemon's 120 s generation limit
CSRF_RE = re.compile(r'name="csrf" value="([^"]+)"')
PASSWORD_RE = re.compile(r'<p id="password"[^>]*>(.*?)</p>', re.S)
SPAN_RE = re.compile(r"<span>([^<]*)</span>")
CODE_RE = re.compile(r"^\s*(\d{6})\s*$", re.M)
ISSUED_RE = re.compile(r"event=store-issued .*ehealth_id=(\d+) .*"
                       r"total_ms=([0-9.]+)")


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
    env = dict(os.environ, MYCERT_BENCH_P12_PASSWORD=person.password)
    out = subprocess.run(["openssl", "pkcs12", "-nodes",
                          "-passin", "env:MYCERT_BENCH_P12_PASSWORD"],
                         input=person.p12, capture_output=True, env=env)
    text = out.stdout
    ok = out.returncode == 0 and b"PRIVATE KEY-----" in text and \
        b"BEGIN CERTIFICATE" in text
    if not ok:
        lines = out.stderr.decode("utf-8", "replace").strip().splitlines()
        return "openssl pkcs12: %s" % (lines[0] if lines else
                                       "no key or no certificate")
    return None


def pct(values, p):
    """The p-th percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


class Cpu:
    """CPU seconds so far: the daemon's, this client's, the machine's."""

    HZ = os.sysconf("SC_CLK_TCK")

    def __init__(self, pid):
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        self.daemon = (int(fields[11]) + int(fields[12])) / self.HZ
        t = os.times()
        self.client = t.user + t.system
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
        # user nice system steal: processes and the hypervisor
        self.machine = (v[0] + v[1] + v[2] + v[7]) / self.HZ

    def since(self, before):
        """(daemon, client, others) seconds between before and self."""
        daemon = self.daemon - before.daemon
        client = self.client - before.client
        return daemon, client, max(0.0, self.machine - before.machine -
                                   daemon - client)


def run_level(args, context, outbox, level, people):
    """Runs people persons at once; returns them, the wall time and the
    CPU used meanwhile (minting excluded)."""
    persons = []
    for i in range(people):
        sub = "8%03d%06d" % (level, i)
        address = "bench-%d-%d@example.org" % (level, i)
        persons.append(Person(args.base, context, sub, address,
                              mint(args.devportal, args.conf, sub)))
    barrier = threading.Barrier(people + 1)

    def go(p):
        barrier.wait()
        p.run(outbox)

    threads = [threading.Thread(target=go, args=(p,)) for p in persons]
    before = Cpu(args.pid)
    for th in threads:
        th.start()
    start = time.monotonic()
    barrier.wait()
    for th in threads:
        th.join()
    wall = max((p.times.get("end", time.monotonic()) for p in persons)) \
        - start
    return persons, wall, Cpu(args.pid).since(before)


def generation_seconds(log, offset, persons):
    """The daemon's own time for the stores of these persons: the sum of
    total_ms of their store-issued lines logged past offset."""
    subs = {p.sub for p in persons}
    total = 0.0
    with open(log, "rb") as f:
        f.seek(offset)
        for line in f:
            if b"store-issued" not in line:
                continue
            found = ISSUED_RE.search(line.decode("utf-8", "replace"))
            if found and found.group(1) in subs:
                total += float(found.group(2)) / 1000
    return total


def report_level(people, persons, wall, generation):
    done = [p for p in persons if p.error is None]
    bad_p12 = [(p, p12_opens(p)) for p in done]
    bad_p12 = [(p, why) for p, why in bad_p12 if why is not None]
    flows = [p.times["end"] - p.times["start"] for p in done]
    waits = [p.times["issued"] - p.times["code_accepted"] for p in done]
    fronts = [f - w for f, w in zip(flows, waits)]
    if flows:
        print("  %6d %6.2f %8.2f  %8.2f %5.2f %5.2f  %8.2f %5.2f  %9.3f"
              "  %9.3f %5.2f %4.0f%%  %4d %8d" % (
                  people, wall, len(done) / wall, pct(flows, 50),
                  pct(flows, 90), max(flows), pct(waits, 50), max(waits),
                  pct(fronts, 50), generation / max(len(done), 1),
                  generation / WORKERS, 100 * generation / WORKERS / wall,
                  people - len(done), len(bad_p12)))
    else:
        print("  %6d   (every person failed)" % people)
    problems = ["person %s failed: %s" % (p.sub, p.error)
                for p in persons if p.error is not None]
    problems += ["person %s: the .p12 does not open: %s" % (p.sub, why)
                 for p, why in bad_p12]
    for line in problems[:SHOWN_PROBLEMS]:
        print("    " + line)
    if len(problems) > SHOWN_PROBLEMS:
        print("    ... and %d more" % (len(problems) - SHOWN_PROBLEMS))
    extra = sum(p.reconnects for p in persons)
    if extra:
        print("    %d reconnection(s): the daemon closed a keep-alive "
              "connection between requests" % extra)
    return len(persons) - len(done) + len(bad_p12)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", required=True)
    ap.add_argument("--conf", required=True)
    ap.add_argument("--devportal", required=True)
    ap.add_argument("--outbox", required=True)
    ap.add_argument("--log", required=True, help="the daemon's log file")
    ap.add_argument("--pid", required=True, type=int, help="the daemon's")
    ap.add_argument("--levels", default="1,8,32")
    args = ap.parse_args()
    if not args.base.startswith("https://127.0.0.1:"):
        sys.exit("flow.py: --base must be https://127.0.0.1:PORT")
    levels = [int(x) for x in args.levels.split(",")]
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    outbox = Outbox(args.outbox)

    key_type = "?"
    with open(args.conf) as f:
        for line in f:
            if line.split("=")[0].strip() == "store_key_type":
                key_type = line.split("=", 1)[1].strip()
    print("store keys: %s; levels one after the other; each person has its "
          "own eHealthID," % key_type)
    print("email and keep-alive TLS connection (its handshake inside the "
          "timing);\nassertions minted before the clock; /progress polled "
          "every %d ms; times in seconds.\n" % (POLL_SECONDS * 1000))
    print("  people wall s stores/s  flow p50   p90   max  wait p50   max"
          "  front p50  gen/store gen/2  busy  fail  bad p12")
    failures = 0
    cpus = []
    for level in levels:
        offset = os.path.getsize(args.log)
        persons, wall, cpu = run_level(args, context, outbox, level, level)
        cpus.append((level, wall, cpu))
        failures += report_level(level, persons, wall,
                                 generation_seconds(args.log, offset,
                                                    persons))
    print("\n  CPU seconds during each level (the machine has %d cores):"
          % os.cpu_count())
    print("  people   daemon  per store   client   others  wall x cores")
    for level, wall, (daemon, client, others) in cpus:
        print("  %6d %8.2f %10.3f %8.2f %8.2f %13.1f" % (
            level, daemon, daemon / level, client, others,
            wall * os.cpu_count()))
    print("""
  flow: POST /sso to the last byte of the .p12 (10 requests and the polls).
  wait: POST /code to the redirect to /done: queueing for one of the
  daemon's %d issuance workers plus the generation (an RSA key's time
  varies a lot from key to key).  front: flow minus wait (pages, outbox,
  download).  gen/store: the daemon's own issuance time per store (its
  log, total_ms); gen/2: their sum over %d workers, the least wall time the
  workers need; busy: gen/2 over wall.  At 32 people a person's time is
  mostly queueing: stores/s is bounded by %d workers / key generation time.
  Every .p12 was opened with its shown password by openssl pkcs12, outside
  the timing (bad p12: those that did not open).  CPU: the daemon's per
  store includes its pages and the polls; client: this program (minting
  excluded); others: every other process and the hypervisor's steal: when
  it is large, generation times are inflated by that much.""" % (
        WORKERS, WORKERS, WORKERS))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
