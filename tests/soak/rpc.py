"""How the soak harness's clients reach the server, shared by the supervisor
(server.py) and the virtual users (client.py, workload.py).

Owns the call deadline, which status codes mean "no answer" (retry the same
request) and which no well-formed request should ever get, the Gate that
hands out channels to the current server process (and closes them all when
it is killed), Stop (the run is over), and time units on the wire.
"""

import threading

import grpc

HOUR, DAY = 3600, 86400
RPC_TIMEOUT = 10  # seconds per call
# No answer: the call may or may not have been applied.
TRANSIENT = {grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED,
             grpc.StatusCode.CANCELLED, grpc.StatusCode.UNKNOWN}
# Codes no well-formed request of this harness should ever get.
UNEXPECTED = {grpc.StatusCode.INTERNAL, grpc.StatusCode.UNIMPLEMENTED,
              grpc.StatusCode.DATA_LOSS, grpc.StatusCode.PERMISSION_DENIED,
              grpc.StatusCode.RESOURCE_EXHAUSTED}


class Stop(Exception):
    """The run is over (deadline or Ctrl-C)."""


def micros(ts):
    return ts.seconds * 1_000_000 + ts.nanos // 1000


class Gate:
    """Open while the server is up with its clock restored; the generation
    changes with every start, and clients open a new channel for it.

    Once the server is killed, every client channel is closed: a call queued
    on one would otherwise reach the new process on the same port before
    its clock is restored."""

    def __init__(self):
        self.cond = threading.Condition()
        self.open = False
        self.generation = 0
        self.address = None
        self.stopping = False
        self.clock_us = 0  # the development clock, as last moved
        self.channels = []

    def channel(self, generation):
        """A new channel to the server of `generation` if it is current."""
        with self.cond:
            while not self.open and not self.stopping:
                self.cond.wait(0.5)
            if self.stopping:
                raise Stop()
            if generation == self.generation:
                return None, generation
            channel = grpc.insecure_channel(self.address)
            self.channels.append(channel)
            return channel, self.generation

    def close_channels(self):
        with self.cond:
            channels, self.channels = self.channels, []
        for channel in channels:
            channel.close()  # cancels what is in flight or queued on it

    def set_open(self, address):
        with self.cond:
            self.generation += 1
            self.address = address
            self.open = True
            self.cond.notify_all()

    def close(self):
        with self.cond:
            self.open = False

    def stop(self):
        with self.cond:
            self.stopping = True
            self.cond.notify_all()
