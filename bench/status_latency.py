#!/usr/bin/python3
"""status_latency.py: from a deactivation to the status services saying so.

Run by bench/status.sh with /usr/bin/python3 and its standard library only,
once per round, for a holder whose store is active.  Sends the holder's
POST /deactivate (session cookie, CSRF token, confirmation, reason) to the
HTTPS front, then polls the status listener every 10 ms, on two threads:
GET of the CRL until it lists the serial, and POST of a fixed OCSP request
until the answer's certStatus is revoked.  Prints one line:

    post_ms=P crl_ms=C ocsp_ms=O

each counted from just before the deactivation request was sent; exits 1
when the deactivation was refused or either service did not say revoked
within --limit seconds.  Talks only to 127.0.0.1.
"""
import argparse
import http.client
import ssl
import sys
import threading
import time
import urllib.parse

POLL_SECONDS = 0.010


def der_items(buf, start, end):
    """The (tag, content_start, content_end) of each DER item in a range."""
    i = start
    while i < end:
        tag = buf[i]
        length = buf[i + 1]
        i += 2
        if length & 0x80:
            count = length & 0x7F
            length = int.from_bytes(buf[i:i + count], "big")
            i += count
        yield tag, i, i + length
        i += length


def ocsp_cert_status(der):
    """The tag of the first SingleResponse's certStatus: 0x80 good, 0xa1
    revoked, 0x82 unknown; None when the answer is not successful."""
    try:
        (_, s, e), = list(der_items(der, 0, len(der)))
        items = list(der_items(der, s, e))
        if der[items[0][1]:items[0][2]] != b"\x00":
            return None                     # responseStatus not successful
        _, s, e = items[1]                  # [0] EXPLICIT ResponseBytes
        _, s, e = next(der_items(der, s, e))
        _, s, e = list(der_items(der, s, e))[1]     # OCTET STRING
        _, s, e = next(der_items(der, s, e))        # BasicOCSPResponse
        _, s, e = next(der_items(der, s, e))        # tbsResponseData
        for tag, s2, e2 in der_items(der, s, e):
            if tag == 0x30:                 # responses
                _, s3, e3 = next(der_items(der, s2, e2))
                return list(der_items(der, s3, e3))[1][0]
    except (ValueError, IndexError, StopIteration):
        return None
    return None


def serial_der(serial_hex):
    """The DER INTEGER of a serial, as a CRL entry holds it."""
    raw = bytes.fromhex(serial_hex)
    if raw[0] & 0x80:
        raw = b"\x00" + raw
    return bytes([0x02, len(raw)]) + raw


class Poller(threading.Thread):
    """Polls one status service until it says revoked; keeps the time."""

    def __init__(self, args, t0, kind):
        super().__init__(daemon=True)
        self.args, self.t0, self.kind = args, t0, kind
        self.elapsed_ms = None
        self.polls = 0

    def revoked(self, conn):
        if self.kind == "crl":
            conn.request("GET", self.args.crl_path)
            body = conn.getresponse().read()
            return serial_der(self.args.serial) in body
        conn.request("POST", "/ocsp", body=self.args.request_der,
                     headers={"Content-Type": "application/ocsp-request"})
        body = conn.getresponse().read()
        return ocsp_cert_status(body) == 0xA1

    def run(self):
        port = urllib.parse.urlsplit(self.args.status).port
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        deadline = self.t0 + self.args.limit
        while time.monotonic() < deadline:
            self.polls += 1
            if self.revoked(conn):
                self.elapsed_ms = (time.monotonic() - self.t0) * 1000
                return
            time.sleep(POLL_SECONDS)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", required=True)        # https://127.0.0.1:P
    ap.add_argument("--cafile", required=True)      # the front's TLS cert
    ap.add_argument("--status", required=True)      # http://127.0.0.1:P
    ap.add_argument("--crl-path", required=True)
    ap.add_argument("--serial", required=True)      # hex
    ap.add_argument("--request", required=True)     # DER OCSP request
    ap.add_argument("--cookie", required=True)      # the session cookie
    ap.add_argument("--csrf", required=True)
    ap.add_argument("--limit", type=float, default=10.0)
    args = ap.parse_args()
    with open(args.request, "rb") as f:
        args.request_der = f.read()
    for url in (args.base, args.status):
        if urllib.parse.urlsplit(url).hostname != "127.0.0.1":
            sys.exit("status_latency.py: only 127.0.0.1 is allowed")

    context = ssl.create_default_context(cafile=args.cafile)
    front = http.client.HTTPSConnection(
        "127.0.0.1", urllib.parse.urlsplit(args.base).port, timeout=10,
        context=context)
    front.connect()                     # the handshake is not counted
    form = urllib.parse.urlencode({"csrf": args.csrf, "confirm": "yes",
                                   "reason": "5"})
    t0 = time.monotonic()
    front.request("POST", "/deactivate", body=form, headers={
        "Content-Type": "application/x-www-form-urlencoded",
        "Origin": args.base, "Cookie": args.cookie})
    resp = front.getresponse()
    resp.read()
    post_ms = (time.monotonic() - t0) * 1000
    if resp.status != 303 or "deactivated" not in (
            resp.getheader("Location") or ""):
        sys.exit("status_latency.py: the deactivation was refused "
                 "(HTTP %d)" % resp.status)
    pollers = [Poller(args, t0, "crl"), Poller(args, t0, "ocsp")]
    for p in pollers:
        p.start()
    for p in pollers:
        p.join()
    crl, ocsp = pollers
    if crl.elapsed_ms is None or ocsp.elapsed_ms is None:
        sys.exit("status_latency.py: not revoked within %.0f s (crl %s, "
                 "ocsp %s)" % (args.limit, crl.elapsed_ms, ocsp.elapsed_ms))
    print("post_ms=%.1f crl_ms=%.1f ocsp_ms=%.1f" %
          (post_ms, crl.elapsed_ms, ocsp.elapsed_ms))


if __name__ == "__main__":
    main()
