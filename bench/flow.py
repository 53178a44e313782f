#!/usr/bin/python3
"""flow.py: the professional's whole flow against a running mycertd.

Run by bench/front.sh with /usr/bin/python3 and its standard library only;
the client of one person is tests/tools/flowclient.py's.  One person:
POST /sso with a signed assertion, the terms, the data check with an
email address of its own, the one-time code read from the mail
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
import math
import os
import re
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "tests", "tools"))
from flowclient import (Outbox, Person, POLL_SECONDS,  # noqa: E402
                        context_unverified, mint, p12_opens)

SHOWN_PROBLEMS = 5
WORKERS = 2                   # the daemon's issuance threads (portal.c)
ISSUED_RE = re.compile(r"event=store-issued .*ehealth_id=(\d+) .*"
                       r"total_ms=([0-9.]+)")


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
    context = context_unverified()
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
