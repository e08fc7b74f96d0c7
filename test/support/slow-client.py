"""A raw HTTP client that sends one request and then does not read (for the slow-client test).

Node cannot set SO_RCVBUF or TCP_MAXSEG, and over loopback the kernel would otherwise absorb
megabytes for a client that never reads, so the server's own buffer bound would never be reached.
Usage: slow-client.py PORT REQUEST_PATH COOKIE. Prints "sent" once the request is out, then waits
for a line on stdin; only then reads everything the server sent until it closes, writes it to
stdout, and ends with a last line "END <how>" on stderr.
"""
import socket
import sys

port, path, cookie = int(sys.argv[1]), sys.argv[2], sys.argv[3]
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG, 536)
s.connect(("127.0.0.1", port))
s.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\nCookie: session_token={cookie}\r\n\r\n".encode())
print("sent", flush=True)
sys.stdin.readline()
s.settimeout(20)
how = "eof"
try:
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        sys.stdout.buffer.write(chunk)
except socket.timeout:
    how = "timeout"
except ConnectionResetError:
    how = "reset"
sys.stdout.flush()
sys.stderr.write(f"END {how}\n")
