"""A TCP proxy on 127.0.0.1 in front of a real server that slows uploads down, so that a
test can take the server away in the middle of a push (`cut`)."""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
import time


class SlowProxy:
    """Forwards 127.0.0.1:`port` to 127.0.0.1:`target`, client to server at `rate` bytes/s."""

    def __init__(self, target: int, rate: int) -> None:
        self.target = target
        self.rate = rate
        self.uploaded = 0
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self._listener.getsockname()[1])
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._cut = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    def _accept(self) -> None:
        while not self._cut.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(("127.0.0.1", self.target))
            except OSError:
                client.close()
                continue
            with self._lock:
                self._sockets += [client, server]
            threading.Thread(target=self._pump, args=(client, server, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client, False), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket, upload: bool) -> None:
        chunk = 16 * 1024 if upload else 64 * 1024
        with contextlib.suppress(OSError):
            while data := source.recv(chunk):
                if upload:
                    self.uploaded += len(data)
                    time.sleep(len(data) / self.rate)
                sink.sendall(data)
        for side in (source, sink):
            with contextlib.suppress(OSError):
                side.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        """The server goes away: no new connections, every open one reset."""
        self._cut.set()
        self._listener.close()
        with self._lock:
            for sock in self._sockets:
                with contextlib.suppress(OSError):
                    # Linger 0: the close resets the connection, as a crashed server's does.
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    sock.close()
