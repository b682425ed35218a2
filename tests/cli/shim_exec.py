#!/usr/bin/env python3
# A tiny ttrpc client of a runtime-v2 shim for operations.bats: Exec + Start
# of one extra process in a running task, so that `taskctl ps` can be checked
# against a real exec process (taskctl has no exec command on this branch).
# Usage: shim_exec.py ADDRESS TASK_ID EXEC_ID ARG...   prints the exec's pid.
import json
import socket
import struct
import sys


def varint(n):
    out = b""
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out += bytes([b | 0x80])
        else:
            return out + bytes([b])


def field(num, data):  # length-delimited field
    return varint(num << 3 | 2) + varint(len(data)) + data


def s(num, text):
    return field(num, text.encode()) if text else b""


def read_varint(buf, i):
    n = shift = 0
    while True:
        b = buf[i]
        i += 1
        n |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return n, i


def fields(buf):
    i, out = 0, {}
    while i < len(buf):
        key, i = read_varint(buf, i)
        num, wt = key >> 3, key & 7
        if wt == 0:
            v, i = read_varint(buf, i)
        elif wt == 2:
            ln, i = read_varint(buf, i)
            v, i = buf[i:i + ln], i + ln
        else:
            raise SystemExit("unexpected wire type %d" % wt)
        out[num] = v
    return out


def recv(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise SystemExit("connection closed by shim")
        data += chunk
    return data


def call(sock, stream, method, payload):
    body = s(1, "containerd.task.v2.Task") + s(2, method) + field(3, payload)
    sock.sendall(struct.pack(">IIBB", len(body), stream, 1, 0) + body)
    length, _, _, _ = struct.unpack(">IIBB", recv(sock, 10))
    resp = fields(recv(sock, length))
    if 1 in resp:
        status = fields(resp[1])
        raise SystemExit("%s: code %s: %s" % (method, status.get(1), status.get(2, b"").decode()))
    return fields(resp.get(2, b""))


def main():
    address, task, exec_id, args = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
    proc = {"args": args, "cwd": "/", "env": ["PATH=/bin"], "user": {"uid": 0, "gid": 0}}
    spec = s(1, "types.containerd.io/opencontainers/runtime-spec/1/Process") + \
        field(2, json.dumps(proc).encode())
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(address.removeprefix("unix://"))
    call(sock, 1, "Exec", s(1, task) + s(2, exec_id) + field(7, spec))
    started = call(sock, 3, "Start", s(1, task) + s(2, exec_id))
    print(started.get(1, 0))


main()
