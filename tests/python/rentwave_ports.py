"""The ports a `rentwave serve` process listens on, read from its output.

Once listening, the server prints one line per protocol on stdout
(app/main.cc):

  rentwave: serving gRPC on port 41237
  rentwave: serving HTTP on port 41239

Suites start it on port 0 (or on ports that may be taken) with stdout going
to a log file, and wait here for those lines. Used by
tests/python/client_flow_test.py and tests/soak/server.py (which finds this
directory on sys.path, as for rentwave_stubs).

  ports = rentwave_ports.wait_for_ports(process, log_path)
  if ports is None: ...  # exited or timed out: kill it, show the log
  grpc_port, http_port = ports["gRPC"], ports["HTTP"]
"""

import re
import time

PROTOCOLS = ("gRPC", "HTTP")
_SERVING = re.compile(r"^rentwave: serving (\S+) on port (\d+)$")


def parse_ports(lines):
    """{protocol: port} from the "rentwave: serving <protocol> on port <N>"
    lines among `lines` (the last one wins). Only whole lines count: a line
    without its newline may still be being written."""
    ports = {}
    for line in lines:
        if not line.endswith("\n"):
            continue
        match = _SERVING.match(line[:-1])
        if match:
            ports[match.group(1)] = int(match.group(2))
    return ports


def wait_for_ports(process, log_path, protocols=PROTOCOLS, timeout=30):
    """Waits until the server's output in `log_path` names a port for every
    one of `protocols`; returns {protocol: port}. None if `process` (a
    subprocess.Popen) exits first or `timeout` seconds pass: the caller
    kills it and reports its log."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with open(log_path, errors="replace") as log:
            ports = parse_ports(log)
        if all(p in ports for p in protocols):
            return ports
        if process.poll() is not None:
            return None
        time.sleep(0.01)
    return None
