#!/usr/bin/env python3
"""Validate verify records (or any JSON) against a JSON Schema, Draft 2020-12,
with the reference validator (the `jsonschema` package, 4.x).

    python3 scripts/validate-record.py docs/verify-record.schema.json RECORD.json...
    bundle-verifier verify B.bundle --trusted-key K.pub --json \\
        | python3 scripts/validate-record.py docs/verify-record.schema.json

Without RECORD files one document is read from stdin. Prints `FILE: PATH: message`
for every error; exits 0 if every document is valid, 1 if one is not, 2 on a
usage error or an invalid schema.
"""
import json
import sys

try:
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import SchemaError
except ImportError:
    sys.exit("the Python package jsonschema (4.x) is needed: apt-get install python3-jsonschema")


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    with open(argv[1], encoding="utf-8") as f:
        schema = json.load(f)
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as e:
        print(f"{argv[1]}: not a valid 2020-12 schema: {e.message}", file=sys.stderr)
        return 2
    validator = Draft202012Validator(schema)
    documents = [(name, open(name, encoding="utf-8")) for name in argv[2:]] or [("-", sys.stdin)]
    bad = 0
    for name, f in documents:
        with f:
            doc = json.load(f)
        for e in sorted(validator.iter_errors(doc), key=lambda e: list(map(str, e.absolute_path))):
            path = "/" + "/".join(str(p) for p in e.absolute_path)
            print(f"{name}: {path}: {e.message}")
            bad = 1
    return bad


if __name__ == "__main__":
    sys.exit(main(sys.argv))
