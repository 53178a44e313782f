#!/usr/bin/python3
"""audit_reference.py: an independent reading of a mycert-audit export.

Written from docs/AUDIT.md and RFC 9162 section 2.1 alone, with Python's
hashlib and nothing of mycert's C code, so that a test can show that a
third party recomputes the same Merkle roots.

    audit_reference.py EXPORT [--messages DIR]

Prints, for each checkpoint line of EXPORT, "SIZE ROOT" where ROOT is the
Merkle tree hash that this program computes over the first SIZE entries,
then "all N ROOT" for every entry of the file.  With --messages, writes
for each checkpoint the message it signs (DIR/SIZE.msg) and its signature
in DER (DIR/SIZE.sig), for a check with `openssl dgst -verify`.  Exits 1
when a computed root differs from a checkpoint's, or a recorded leaf from
the recomputed one.
"""

import base64
import hashlib
import os
import sys


def leaf_hash(data):
    """RFC 9162: SHA-256(0x00 || entry)."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left, right):
    """RFC 9162: SHA-256(0x01 || left || right)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


class Tree:
    """MTH exactly as RFC 9162 defines it, by recursion, with a cache of
    the perfect subtrees (which every larger tree reuses)."""

    def __init__(self, leaves):
        self.leaves = leaves
        self.cache = {}

    def mth(self, start, n):
        if n == 0:
            return hashlib.sha256(b"").digest()
        if n == 1:
            return self.leaves[start]
        key = (start, n)
        if key in self.cache:
            return self.cache[key]
        k = 1
        while k * 2 < n:  # the largest power of two smaller than n
            k *= 2
        h = node_hash(self.mth(start, k), self.mth(start + k, n - k))
        if n & (n - 1) == 0:  # perfect: reused by later sizes
            self.cache[key] = h
        return h


def checkpoint_message(fields):
    """The signed message: magic, appliance id (as written in the
    export), size, root, time, each followed by a newline."""
    size, root, when, appliance = fields[1], fields[2], fields[3], fields[4]
    text = "mycert-audit-checkpoint v1\n%s\n%s\n%s\n%s\n" % (
        appliance, size, root, when)
    return text.encode("ascii")


def main(argv):
    if len(argv) not in (2, 4) or (len(argv) == 4 and argv[2] != "--messages"):
        sys.stderr.write("usage: audit_reference.py EXPORT [--messages DIR]\n")
        return 2
    messages = argv[3] if len(argv) == 4 else None
    leaves, checkpoints, bad = [], [], 0
    with open(argv[1], "rb") as f:
        lines = f.read().split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    for number, line in enumerate(lines[1:], start=2):
        fields = line.split(b"\t")
        if fields[0] == b"entry":
            canonical = line[: line.rindex(b"\t")]
            h = leaf_hash(canonical)
            leaves.append(h)
            if fields[-1] != b"-" and fields[-1] != h.hex().encode():
                print("line %d: leaf differs from the recorded one" % number)
                bad = 1
        elif fields[0] == b"checkpoint":
            checkpoints.append([x.decode("ascii") for x in fields])
    tree = Tree(leaves)
    for c in checkpoints:
        size = int(c[1])
        if size > len(leaves):
            print("%d beyond-the-entries" % size)
            bad = 1
            continue
        root = tree.mth(0, size).hex()
        print("%d %s" % (size, root))
        if root != c[2]:
            bad = 1
        if messages is not None:
            base = os.path.join(messages, str(size))
            with open(base + ".msg", "wb") as out:
                out.write(checkpoint_message(c))
            with open(base + ".sig", "wb") as out:
                out.write(base64.b64decode(c[5], validate=True))
    print("all %d %s" % (len(leaves), tree.mth(0, len(leaves)).hex()))
    return bad


if __name__ == "__main__":
    sys.exit(main(sys.argv))
