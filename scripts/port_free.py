"""Exit 1 with advice when the port `make run` wants is taken (checked before installing anything)."""

import socket
import sys

port = int(sys.argv[1])
with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
    try:
        s.bind(("127.0.0.1", port))
    except OSError:
        sys.exit(f"Port {port} is already in use. Stop what uses it, or choose another port: PORT={port + 1} make run")
