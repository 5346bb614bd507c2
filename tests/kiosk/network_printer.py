"""A stand-in network thermal printer on a loopback TCP port.

It stores every byte it receives and answers the real-time paper status query
(DLE EOT 4) with a configurable status byte, as an ESC/POS printer on port 9100 does.
"""

from __future__ import annotations

import contextlib
import socket
import threading

from escpos.constants import RT_STATUS_PAPER

PAPER_OK = 0x12
PAPER_LOW = 0x1E
PAPER_OUT = 0x72


class NetworkPrinter:
    def __init__(self, paper: int = PAPER_OK) -> None:
        self.paper = paper
        self.received = bytearray()
        self.connections = 0
        self._open: list[socket.socket] = []
        self._lock = threading.Lock()
        self._server = socket.create_server(("127.0.0.1", 0))
        self.port = self._server.getsockname()[1]
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    @property
    def spec(self) -> str:
        return f"net:127.0.0.1:{self.port}"

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self._server.accept()
            except OSError:
                return
            with self._lock:
                self.connections += 1
                self._open.append(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            while True:
                try:
                    data = conn.recv(65536)
                except OSError:
                    return
                if not data:
                    return
                with self._lock:
                    self.received += data
                if data.endswith(RT_STATUS_PAPER):
                    conn.sendall(bytes((self.paper,)))

    def data(self) -> bytes:
        with self._lock:
            return bytes(self.received)

    def close(self) -> None:
        """Stop listening and drop open connections, like a printer switched off."""
        with contextlib.suppress(OSError):
            self._server.shutdown(socket.SHUT_RDWR)  # wakes the accept() thread
        self._server.close()
        with self._lock:
            for conn in self._open:
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)
