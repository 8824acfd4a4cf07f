#!/usr/bin/env python3
"""Converts llhttp's response test cases (test/response/*.md) into llhttp-responses.jsonl.

Usage: python3 llhttp-responses.py LLHTTP_CHECKOUT > llhttp-responses.jsonl

LLHTTP_CHECKOUT is a checkout of https://github.com/nodejs/llhttp (MIT, see LICENSE-llhttp).
Only the strict-mode cases are kept: meta type "response" and "response-finish" (the lenient
types switch off checks this project never switches off). The input bytes are built exactly as
llhttp's test/md-test.ts builds them; the expected messages are read from the log block, taking
every span from the input bytes by its offset and length, so no escaping is interpreted twice.
"""

import base64
import json
import os
import re
import sys

FILES = ["connection", "content-length", "finish", "invalid", "lenient-version", "pausing",
         "pipelining", "sample", "transfer-encoding"]
STRICT = {"response", "response-finish"}


def md_input(text):
    """The bytes of an http block, as test/md-test.ts makes them."""
    text = re.sub(r"\n\Z", "", text)  # JavaScript's /\n$/: only at the very end
    text = re.sub(r"\\(\r\n|\r|\n)", "", text)
    text = re.sub(r"\r\n|\r|\n", "\r\n", text)
    text = text.replace("\\r", "\r").replace("\\n", "\n").replace("\\t", "\t").replace("\\f", "\f")
    text = re.sub(r"\\x([0-9a-fA-F]+)", lambda m: chr(int(m.group(1), 16)), text)
    text = re.sub(r"\\([0-7]{1,3})", lambda m: chr(int(m.group(1), 8)), text)
    if "${" in text:
        raise ValueError("inline JavaScript is not supported")
    return text.encode("utf-8")  # as the harness hands the string to the parser: log offsets count these bytes


def blocks(path):
    """Yields (heading, heading line, meta, http text, log text) for each test of a file."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    heading, heading_line, meta, http, log = None, 0, None, None, None
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("#"):
            heading, heading_line = line.lstrip("#").strip(), i + 1
            meta, http, log = None, None, None
        elif line.startswith("<!-- meta="):
            meta = json.loads(line[len("<!-- meta="):line.rindex("-->")])
        elif line.startswith("```http") or line.startswith("```log"):
            kind = line[3:].strip()
            body = []
            i += 1
            while not lines[i].startswith("```"):
                body.append(lines[i])
                i += 1
            text = "\n".join(body) + "\n"
            if kind == "http":
                http = text
            else:
                log = text
            if http is not None and log is not None:
                yield heading, heading_line, meta, http, log
                http, log = None, None
        i += 1


def span(raw, line):
    m = re.match(r"off=(\d+) len=(\d+) span\[(\w+)\]=", line)
    off, length = int(m.group(1)), int(m.group(2))
    return m.group(3), raw[off:off + length].decode("latin-1")


def messages(raw, log):
    """The messages and the error a log block reports."""
    msgs, error, finish = [], None, None
    cur, field = None, None
    for line in log.split("\n"):
        rest = re.sub(r"^off=(\d+|NULL) ", "", line)
        if not line:
            continue
        if rest == "message begin":
            cur = {"complete": False, "headers": [], "trailers": [], "body": "", "protocol": "",
                   "version": "", "reason": ""}
            msgs.append(cur)
            field = None
        elif " span[" in line:
            kind, value = span(raw, line)
            if kind in ("protocol", "version"):
                cur[kind] += value
            elif kind == "status":
                cur["reason"] += value
            elif kind == "body":
                cur["body"] += value
            elif kind in ("header_field", "header_value"):
                target = cur["trailers"] if "headers_complete" in cur else cur["headers"]
                if kind == "header_field":
                    if field is None:
                        field = [value, ""]
                        target.append(field)
                    else:
                        field[0] += value
                else:
                    if field is None:  # a value without a name: not in strict cases
                        raise ValueError("header value without a field: " + line)
                    field[1] += value
            # chunk extension spans are checked and dropped
        elif rest == "header_value complete":
            field = None
        elif rest.startswith("headers complete"):
            m = re.match(r"headers complete status=(\d+) (.*)", rest)
            cur["status"] = int(m.group(1))
            cur["headers_complete"] = m.group(2)
        elif rest == "message complete":
            cur["complete"] = True
        elif rest.startswith("error"):
            m = re.match(r'error code=(\d+) reason="(.*)"$', rest)
            error = {"code": int(m.group(1)), "reason": m.group(2),
                     "offset": int(re.match(r"off=(\d+)", line).group(1))}
        elif rest.startswith("finish="):
            finish = int(rest[len("finish="):])
        # protocol/version/status/header_field complete, chunk header/complete, chunk extension
        # name/value complete, pause (the harness resumes), skip body, reset: nothing to keep
    for m in msgs:
        if not m["trailers"]:
            del m["trailers"]
    return msgs, error, finish


def main():
    root = sys.argv[1]
    out = sys.stdout
    for name in FILES:
        path = os.path.join(root, "test", "response", name + ".md")
        for heading, line, meta, http, log in blocks(path):
            if meta is None or meta.get("type") not in STRICT:
                continue
            raw = md_input(http)
            msgs, error, finish = messages(raw, log)
            eof = meta["type"] == "response-finish"
            if eof and finish == 1 and msgs:
                msgs[-1]["complete"] = True  # llhttp_finish ended a body read until the close
            if error is not None:
                outcome = "upgrade" if error["code"] == 22 else "rejected"
            elif all(m["complete"] for m in msgs):
                outcome = "accepted"
            else:
                outcome = "incomplete"
            case = {
                "src": "ll_test_response_" + name + ".md",
                "line": line,
                "name": heading,
                "meta": meta,
                "method": "HEAD" if meta.get("skipBody") else "GET",
                "eof": eof,
                "raw_b64": base64.b64encode(raw).decode("ascii"),
                "raw_escaped": raw.decode("latin-1").replace("\\", "\\\\").replace("\r", "\\r")
                .replace("\n", "\\n").replace("\t", "\\t"),
                "outcome": outcome,
                "messages": msgs,
                "error": error,
            }
            out.write(json.dumps(case, sort_keys=True, ensure_ascii=True) + "\n")


if __name__ == "__main__":
    main()
