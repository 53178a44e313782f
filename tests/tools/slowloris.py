#!/usr/bin/python3
"""slowloris.py: slow clients against a server of the test's own.

Opens --count connections to --host:--port (127.0.0.1 only) from the
local address --source (another loopback address, so that the per-address
limit the slow clients meet is not the one of the test's normal client),
with TLS when --tls is given (the certificate is not checked: it is the
test's own).  Each connection then sends a request one byte every
--interval seconds: in mode "headers" the request line and headers never
end; in mode "body" the headers are whole and announce a body that comes
one byte at a time.  A connection ends when the server closes it or after
--duration seconds.  Prints one JSON object:

  opened    connections whose TCP connect and TLS handshake succeeded
  refused   connections the server closed before or during the handshake
            (or refused to connect), e.g. over the per-address limit
  cut       opened connections the server closed before --duration
  cut_max_s the longest an opened connection lived before it was cut
  open_at_end  opened connections still open at --duration
  bytes_sent   bytes of request sent on all connections together
  answered  connections that got any bytes of an HTTP answer (a server
            may answer 408 or similar before closing)

Uses the Python standard library only.  Stops by itself after --duration.
"""
import argparse
import json
import socket
import ssl
import sys
import threading
import time

HEADERS = ("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: slowloris\r\n"
           "Accept: */*\r\nX-Padding-0: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n"
           "X-Padding-1: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n")
BODY_HEADERS = ("POST /sso HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                "Content-Type: application/x-www-form-urlencoded\r\n"
                "Content-Length: 4000\r\n\r\n")


class Slow:
    """One slow client on its own thread."""

    def __init__(self, args, context):
        self.args = args
        self.context = context
        self.state = "new"
        self.lived = 0.0
        self.sent = 0
        self.answered = False

    def _connect(self):
        raw = socket.create_connection((self.args.host, self.args.port),
                                       timeout=10,
                                       source_address=(self.args.source, 0))
        if self.context is None:
            return raw
        return self.context.wrap_socket(raw, server_hostname=None)

    def _payload(self):
        if self.args.mode == "headers":
            # Never ends: repeats a header line forever.
            while True:
                for ch in HEADERS:
                    yield ch.encode()
                for ch in "X-More: a\r\n":
                    yield ch.encode()
        else:
            yield BODY_HEADERS.encode()
            while True:
                yield b"a"

    def _peer_closed(self, sock):
        """True when the server closed the connection (or sent bytes
        followed by a close)."""
        sock.settimeout(0.0)
        try:
            data = sock.recv(4096)
        except (ssl.SSLWantReadError, BlockingIOError):
            return False
        except (ssl.SSLError, OSError):
            return True
        finally:
            sock.settimeout(10)
        if data:
            self.answered = True
            return False
        return True

    def run(self, end):
        try:
            sock = self._connect()
        except (OSError, ssl.SSLError):
            self.state = "refused"
            return
        opened = time.monotonic()
        self.state = "open"
        try:
            # A handshake that the server aborts right after it finished
            # (a limit met after accept) shows on the first read.
            for piece in self._payload():
                if self._peer_closed(sock):
                    self.state = "cut"
                    break
                sock.sendall(piece)
                self.sent += len(piece)
                step_end = time.monotonic() + self.args.interval
                while time.monotonic() < min(step_end, end):
                    time.sleep(0.05)
                    if self._peer_closed(sock):
                        self.state = "cut"
                        break
                if self.state == "cut" or time.monotonic() >= end:
                    break
        except (OSError, ssl.SSLError):
            self.state = "cut"
        self.lived = time.monotonic() - opened
        if self.state == "cut" and self.sent == 0 and self.lived < 0.5:
            self.state = "refused"
        try:
            sock.close()
        except OSError:
            pass


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--source", default="127.0.0.2")
    ap.add_argument("--count", type=int, default=40)
    ap.add_argument("--interval", type=float, default=2.0)
    ap.add_argument("--duration", type=float, default=30.0)
    ap.add_argument("--mode", choices=("headers", "body"), default="headers")
    ap.add_argument("--tls", action="store_true")
    args = ap.parse_args()
    if args.host != "127.0.0.1" or not args.source.startswith("127."):
        sys.exit("slowloris.py: only from and to loopback addresses")
    context = None
    if args.tls:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    end = time.monotonic() + args.duration
    clients = [Slow(args, context) for _ in range(args.count)]
    threads = [threading.Thread(target=c.run, args=(end,))
               for c in clients]
    for t in threads:
        t.start()
        time.sleep(0.01)	# 40 connections in well under a second
    for t in threads:
        t.join()
    cut = [c for c in clients if c.state == "cut"]
    print(json.dumps({
        "opened": sum(1 for c in clients if c.state in ("cut", "open")),
        "refused": sum(1 for c in clients if c.state == "refused"),
        "cut": len(cut),
        "cut_max_s": round(max((c.lived for c in cut), default=0.0), 2),
        "open_at_end": sum(1 for c in clients if c.state == "open"),
        "bytes_sent": sum(c.sent for c in clients),
        "answered": sum(1 for c in clients if c.answered),
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
