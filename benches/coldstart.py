#!/usr/bin/env python3
"""Cold start of a server: spawn -> first `200` answer to `GET /_parlel/health`, in ms.

usage: coldstart.py RUNS SERVER_CPU CLIENT_CPU PORT -- COMMAND...
The server is pinned to SERVER_CPU (inherited at fork), this poller to CLIENT_CPU. It polls with a
tight connect/send/recv loop (no sleeps). Prints every sample, then `median_ms=X`.
"""

import os
import socket
import statistics
import subprocess
import sys
import time

REQUEST = b"GET /_parlel/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"


def healthy(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
            s.sendall(REQUEST)
            head = s.recv(64)
            return head.startswith(b"HTTP/1.1 200")
    except OSError:
        return False


def pin(cpu: str) -> None:
    if cpu != "" and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {int(cpu)})


def one(command: list[str], port: int, server_cpu: str, client_cpu: str) -> float:
    pin(server_cpu)  # the child inherits this mask at fork
    start = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    pin(client_cpu)
    try:
        deadline = start + 10
        while not healthy(port):
            if proc.poll() is not None:
                sys.exit(f"server exited with {proc.returncode} before answering")
            if time.perf_counter() > deadline:
                sys.exit("server did not answer /_parlel/health within 10 s")
        return (time.perf_counter() - start) * 1000
    finally:
        proc.terminate()
        proc.wait()


def main() -> None:
    args = sys.argv[1:]
    sep = args.index("--")
    runs, server_cpu, client_cpu, port = args[:sep]
    command = args[sep + 1 :]
    samples = [one(command, int(port), server_cpu, client_cpu) for _ in range(int(runs))]
    print("samples_ms=" + ",".join(f"{s:.2f}" for s in samples))
    print(f"median_ms={statistics.median(samples):.2f}")


if __name__ == "__main__":
    main()
