#!/usr/bin/env python3
"""The client of jmh/slow-consumer.sh: a slow consumer of an HTTP echo server.

upload: opens one connection, sends `POST / HTTP/1.1` with `Content-Length: BYTES` and then the
body as fast as the server takes it, and never reads the response. It stops when the whole body is
sent, when no byte has gone out for --stall seconds (the server stopped reading: backpressure), or
when the server's resident memory passes --rss-limit (the server buffers everything: stop before
the machine runs out). Prints one line: `sent BYTES reason REASON seconds S`.

warmup: --warmup N exchanges on one keep-alive connection, each a POST of 1 MiB whose echo is read
in full, then N GETs: the server's code paths are loaded and compiled before its memory is measured.
"""
import argparse
import select
import socket
import sys
import threading
import time

CHUNK = 1 << 20


def rss(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def read_response(sock, pending):
    """Reads one response (Content-Length or chunked) from sock; pending holds bytes already read."""
    while b"\r\n\r\n" not in pending:
        pending += recv(sock)
    head, pending = pending.split(b"\r\n\r\n", 1)
    headers = {}
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        headers[name.strip().lower()] = value.strip()
    if b"content-length" in headers:
        length = int(headers[b"content-length"])
        while len(pending) < length:
            pending += recv(sock)
        return pending[length:]
    if b"chunked" in headers.get(b"transfer-encoding", b"").lower():
        while True:
            while b"\r\n" not in pending:
                pending += recv(sock)
            size, pending = pending.split(b"\r\n", 1)
            size = int(size.split(b";")[0], 16)
            while len(pending) < size + 2:
                pending += recv(sock)
            pending = pending[size + 2:]
            if size == 0:
                return pending
    return pending


def recv(sock):
    data = sock.recv(1 << 16)
    if not data:
        raise ConnectionError("the server closed the connection")
    return data


def warmup(host, port, count):
    body = b"x" * CHUNK
    with socket.create_connection((host, port)) as sock:
        pending = b""
        for _ in range(count):
            # sent from another thread: a server that echoes as it reads needs its echo read
            sender = threading.Thread(target=sock.sendall,
                                      args=(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % len(body) + body,))
            sender.start()
            pending = read_response(sock, pending)
            sender.join()
        for _ in range(count):
            sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            pending = read_response(sock, pending)


def upload(host, port, total, stall, pid, rss_limit):
    sock = socket.create_connection((host, port))
    sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % total)
    sock.setblocking(False)
    chunk = memoryview(b"x" * CHUNK)
    sent = 0
    start = last_progress = last_check = time.monotonic()
    reason = "all sent"
    while sent < total:
        _, writable, _ = select.select([], [sock], [], 0.1)
        now = time.monotonic()
        if writable:
            try:
                n = sock.send(chunk[:min(CHUNK, total - sent)])
            except BlockingIOError:
                n = 0
            except OSError as e:
                reason = f"send failed ({e.strerror or e})"
                break
            if n:
                sent += n
                last_progress = now
        if now - last_progress >= stall:
            reason = "stalled"
            break
        if pid and rss_limit and now - last_check >= 0.05:
            last_check = now
            try:
                if rss(pid) > rss_limit:
                    reason = "server RSS limit"
                    break
            except FileNotFoundError:
                reason = "server exited"
                break
    print(f"sent {sent} reason {reason.replace(' ', '_')} seconds {time.monotonic() - start:.1f}", flush=True)
    sock.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--bytes", type=int, default=4 << 30, help="Content-Length of the upload")
    parser.add_argument("--stall", type=float, default=2.0, help="seconds without progress that end it")
    parser.add_argument("--pid", type=int, help="the server's pid, for --rss-limit")
    parser.add_argument("--rss-limit", type=int, help="stop when the server's VmRSS passes this many bytes")
    parser.add_argument("--warmup", type=int, metavar="N", help="warm the server up instead of uploading")
    args = parser.parse_args()
    if args.warmup:
        warmup(args.host, args.port, args.warmup)
    else:
        upload(args.host, args.port, args.bytes, args.stall, args.pid, args.rss_limit)


if __name__ == "__main__":
    sys.exit(main())
