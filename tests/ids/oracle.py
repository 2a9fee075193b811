#!/usr/bin/python3
"""Independent reference matcher for ids/ (the oracle of oracle_test.cc).

Generates a random rule set (content with nocase/offset/depth/distance/within,
hex bytes, several contents per rule, pcre) and random payloads, decides which
(payload, sid) pairs match with plain bytes search and Python's `re`, and
writes:  <out>/rules.txt  <out>/payloads.txt (one hex payload per line)
         <out>/expected.txt ("payload_index sid" per match)

The semantics are written out here independently of the C++ code:
  * absolute content: start >= offset, start+len <= offset+depth;
  * relative content: with e = end of the previous content's match (0 for the
    first), start >= max(0, e+distance), start+len <= e+distance+within;
  * a rule matches if SOME placement satisfies all its contents (backtracking)
    and every pcre matches somewhere (re.search).
Usage: oracle.py OUT_DIR [SEED]
"""
import os
import random
import re
import sys

ALPHABET = b"abcAB\r\n."


def gen_content(rng):
    return bytes(rng.choice(ALPHABET) for _ in range(rng.randint(1, 4)))


def content_text(b):
    out = ""
    for c in b:
        if chr(c) in "abcAB.":
            out += chr(c)
        else:
            out += "|%02x|" % c
    return out


PCRE_TEMPLATES = ["a[bc]+A", "(ab|cA){2}", "b.{0,3}c", "^ab", "B+a", "c\\.a", "a\\r?\\nb", "[^a]{3}b"]


def gen_rule(rng, sid):
    contents = []
    for i in range(rng.choice([0, 1, 1, 2, 2, 3])):
        c = {"bytes": gen_content(rng), "nocase": rng.random() < 0.3}
        kind = rng.choice(["none", "abs", "rel"] if i > 0 else ["none", "abs", "abs", "rel"])
        n = len(c["bytes"])
        if kind == "abs":
            if rng.random() < 0.7:
                c["offset"] = rng.randint(0, 10)
            if rng.random() < 0.7:
                c["depth"] = rng.randint(n, n + 12)
        elif kind == "rel":
            if rng.random() < 0.8:
                c["distance"] = rng.randint(-3, 6)
            if rng.random() < 0.7:
                c["within"] = rng.randint(n, n + 8)
        contents.append(c)
    pcres = []
    if not contents or rng.random() < 0.25:
        pcres.append((rng.choice(PCRE_TEMPLATES), rng.choice(["", "i", "s", "si", "m"])))
    opts = []
    for c in contents:
        opts.append('content:"%s";' % content_text(c["bytes"]))
        if c["nocase"]:
            opts.append("nocase;")
        for k in ("offset", "depth", "distance", "within"):
            if k in c:
                opts.append("%s:%d;" % (k, c[k]))
    for expr, flags in pcres:
        opts.append('pcre:"/%s/%s";' % (expr, flags))
    opts.append("sid:%d;" % sid)
    text = "alert tcp any any -> any any (%s)" % " ".join(opts)
    return {"sid": sid, "contents": contents, "pcres": pcres, "text": text}


def occurrences(payload, c, lo, end_limit):
    needle = c["bytes"]
    hay = payload
    if c["nocase"]:
        needle, hay = needle.lower(), payload.lower()
    for s in range(max(lo, 0), end_limit - len(needle) + 1):
        if hay[s:s + len(needle)] == needle:
            yield s


def place(payload, contents, k, prev_end):
    if k == len(contents):
        return True
    c = contents[k]
    n = len(payload)
    relative = "distance" in c or "within" in c
    if relative:
        base = prev_end + c.get("distance", 0)
        lo = max(0, base)
        end_limit = min(n, base + c["within"]) if "within" in c else n
    else:
        lo = c.get("offset", 0)
        end_limit = min(n, lo + c["depth"]) if "depth" in c else n
    nxt_relative = k + 1 < len(contents) and ("distance" in contents[k + 1] or "within" in contents[k + 1])
    for s in occurrences(payload, c, lo, end_limit):
        if not nxt_relative:
            # The next content starts an independent chain.
            return place(payload, contents, k + 1, 0)
        if place(payload, contents, k + 1, s + len(c["bytes"])):
            return True
    return False


def rule_matches(rule, payload):
    for expr, flags in rule["pcres"]:
        f = 0
        f |= re.I if "i" in flags else 0
        f |= re.S if "s" in flags else 0
        f |= re.M if "m" in flags else 0
        if not re.search(expr.encode(), payload, f):
            return False
    return place(payload, rule["contents"], 0, 0)


def main():
    out = sys.argv[1]
    rng = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 13)
    rules = [gen_rule(rng, 1000 + i) for i in range(300)]
    payloads = []
    for _ in range(600):
        p = bytearray(rng.choice(ALPHABET) for _ in range(rng.randint(0, 40)))
        for _ in range(rng.randint(0, 3)):  # plant pieces of random rules
            r = rng.choice(rules)
            if r["contents"]:
                b = rng.choice(r["contents"])["bytes"]
                at = rng.randint(0, len(p))
                p[at:at] = b
        payloads.append(bytes(p))
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "rules.txt"), "w") as f:
        f.write("\n".join(r["text"] for r in rules) + "\n")
    with open(os.path.join(out, "payloads.txt"), "w") as f:
        f.write("\n".join(p.hex() for p in payloads) + "\n")
    n = 0
    with open(os.path.join(out, "expected.txt"), "w") as f:
        for i, p in enumerate(payloads):
            for r in rules:
                if rule_matches(r, p):
                    f.write("%d %d\n" % (i, r["sid"]))
                    n += 1
    print("oracle: %d rules, %d payloads, %d matches" % (len(rules), len(payloads), n))


if __name__ == "__main__":
    main()
