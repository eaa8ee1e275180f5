"""Prints a free TCP port on 127.0.0.1 for a server another process will open (roscore).

Chosen at random below Linux's ephemeral range (32768-60999, net.ipv4.ip_local_port_range), so no
outgoing connection of another test can take it between this check and the server's bind."""
import random
import socket
import sys

for _ in range(500):
    port = random.randrange(20000, 32000)
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", port))
    except OSError:
        continue
    finally:
        s.close()
    print(port)
    sys.exit(0)
sys.exit("free_port: no free port in 20000-31999")
