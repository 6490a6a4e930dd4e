#!/usr/bin/env python3
"""Writes a deterministic, realistic patch payload tree for benchmarks.

Usage: gen-payload.py DIR SIZE_MIB

About a quarter of the bytes are thousands of small compressible text-like
files (configuration, scripts, reference tables) spread over a directory
tree; the rest are large files that are half random (firmware, packed
binaries) and half text. The same arguments always give the same bytes.
"""

import os
import random
import sys

SEED = 0x6F70_6200
SMALL_SHARE = 0.25
LARGE_FILE = 64 << 20
BLOCK = 128 << 10


def corpus(rng, size):
    """Source-like text: lines drawn from a pool (Zipf-weighted) with numbers
    changed here and there. Compresses and runs through zstd -3 about like
    real source trees (about 5x)."""
    letters = "etaoinshrdlcumwfgypbvkxjqz_"
    vocab = []
    for _ in range(3000):
        n = min(12, 2 + int(rng.expovariate(0.35)))
        vocab.append("".join(rng.choice(letters) for _ in range(n)))
    seps = [" ", " ", " ", ", ", " = ", "(", ") ", ".", ": "]
    lines = []
    for _ in range(20000):
        indent = "    " * rng.choice([0, 1, 1, 2, 2, 3])
        words = rng.choices(vocab, k=rng.randint(2, 12))
        body = "".join(w + rng.choice(seps) for w in words)
        lines.append(indent + body.rstrip() + "\n")
    weights = [1.0 / (i + 1) ** 0.8 for i in range(len(lines))]
    out = []
    total = 0
    while total < size:
        for line in rng.choices(lines, weights, k=4096):
            if rng.random() < 0.1:
                line = line.rstrip("\n") + f" {rng.randrange(1 << 20)}\n"
            out.append(line)
            total += len(line)
    return "".join(out).encode()[:size]


def text(rng, text_corpus, n):
    """`n` bytes made of slices of the corpus taken at random offsets."""
    parts = []
    left = n
    while left > 0:
        k = min(left, rng.randint(256, 8192))
        at = rng.randrange(0, len(text_corpus) - k)
        parts.append(text_corpus[at : at + k])
        left -= k
    return b"".join(parts)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    root, size_mib = sys.argv[1], int(sys.argv[2])
    total = size_mib << 20
    rng = random.Random(SEED)
    text_corpus = corpus(rng, 16 << 20)

    small_budget = int(total * SMALL_SHARE)
    written = 0
    i = 0
    while written < small_budget:
        # Log-uniform sizes from 512 B to 256 KiB: mean about 41 KiB.
        n = int(2 ** rng.uniform(9, 18))
        n = min(n, small_budget - written)
        d = os.path.join(root, "app", f"module{i // 200:03d}", f"pkg{(i // 20) % 10}")
        os.makedirs(d, exist_ok=True)
        ext = rng.choice([".py", ".cfg", ".json", ".xml", ".txt", ".sh", ".tsv"])
        path = os.path.join(d, f"file{i:05d}{ext}")
        with open(path, "wb") as f:
            f.write(text(rng, text_corpus, n))
        if ext == ".sh":
            os.chmod(path, 0o755)
        written += n
        i += 1

    large = total - small_budget
    j = 0
    os.makedirs(os.path.join(root, "firmware"), exist_ok=True)
    while large > 0:
        n = min(large, LARGE_FILE)
        with open(os.path.join(root, "firmware", f"image{j:02d}.bin"), "wb") as f:
            left = n
            k = 0
            while left > 0:
                m = min(left, BLOCK)
                f.write(rng.randbytes(m) if k % 2 == 0 else text(rng, text_corpus, m))
                left -= m
                k += 1
        large -= n
        j += 1
    print(f"{root}: {i} small files, {j} large files, {total} bytes")


if __name__ == "__main__":
    main()
