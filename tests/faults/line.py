"""A network line to a database server that a test can cut and mend: a TCP relay on this machine, between the
app and the real server. Cutting it closes every connection through it at once (as a server restart, or a
network failure the workstation is told of, does) and refuses new ones until it is mended."""

from __future__ import annotations

import contextlib
import socket
import threading


class Line:
    def __init__(self, server: tuple[str, int]) -> None:
        self._server = server
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._listener: socket.socket | None = None
        self.port = 0
        self.mend()

    def mend(self) -> None:
        """Take connections again (on the same port as before)."""
        listener = socket.create_server(("127.0.0.1", self.port))
        self.port = listener.getsockname()[1]
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self) -> None:
        """Close every connection through the line, and refuse new ones."""
        with self._lock:
            listener, self._listener = self._listener, None
            ends, self._open = self._open, set()
        if listener is not None:
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)  # (wakes the thread waiting in accept: closing alone may not)
            listener.close()
        for end in ends:
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)
            end.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _address = listener.accept()
            except OSError:
                return  # (cut)
            try:
                server = socket.create_connection(self._server)
            except OSError:  # (the server itself is not there: the client sees its connection closed)
                client.close()
                continue
            with self._lock:
                if self._listener is not listener:  # cut meanwhile
                    client.close()
                    server.close()
                    return
                self._open.update((client, server))
            for source, target in ((client, server), (server, client)):
                threading.Thread(target=_relay, args=(source, target), daemon=True).start()


def _relay(source: socket.socket, target: socket.socket) -> None:
    with contextlib.suppress(OSError):
        while data := source.recv(65536):
            target.sendall(data)
    with contextlib.suppress(OSError):
        target.shutdown(socket.SHUT_WR)
