#!/usr/bin/env python3
"""Writes the seed corpora of tests/fuzz/corpus/TARGET (run once; the output is
committed). Frames and protobuf messages are encoded by hand here, from the
wire format, so that the seeds do not depend on the code under test."""
import hashlib, os, struct, sys

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")

def put(target, data):
    if isinstance(data, str):
        data = data.encode()
    d = os.path.join(root, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "seed-" + hashlib.sha1(data).hexdigest()[:16]), "wb") as f:
        f.write(data)

def varint(n):
    out = b""
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out += bytes([b | 0x80])
        else:
            return out + bytes([b])

def field(num, wt, payload):
    key = varint(num << 3 | wt)
    if wt == 0:
        return key + varint(payload)
    return key + varint(len(payload)) + payload

def ts(sec, nsec):  # google.protobuf.Timestamp
    return field(1, 0, sec & (2**64 - 1)) + field(2, 0, nsec)

def frame(stream, typ, body, flags=0):
    return struct.pack(">IIBB", len(body), stream, typ, flags) + body

def response(payload=b"", code=0, msg=b""):
    b = b""
    if code:
        b += field(1, 2, field(1, 0, code) + field(2, 2, msg))
    if payload:
        b += field(2, 2, payload)
    return b

for s in ["", "name", "labels.foo", "labels.foo,name", "labels.foo==true", "name!=bar",
          'other=="too complex, yo"', "image==docker.io/library/busybox:latest",
          "labels.x==a=b", "name~=[abc]+", "other~=/[abc]{1,2}/,name!=foo", "input~=|a\\|b|",
          'name~="asdf\\n\\tfooo"', 'labels."more complex label"', 'id=="\\u00e9\\x41\\101"',
          "labels.a==,", "id~=.+", "name ,c", "a==b, c", "id==web\0labels.env!=prod\0image",
          'labels."a.b"==c', "labels.x~=^$", 'id~="(a|b)*c"']:
    put("filter", s)

FULL = ('{"id":"web","labels":{"a.b":"x","env":"prod"},"image":"docker.io/library/busybox:latest",'
        '"runtime":{"name":"io.containerd.runc.v2","options":{"type_url":"containerd.runc.v1.Options",'
        '"value":"AAEC"}},"spec":{"ociVersion":"1.1.0","big":9223372036854775807,"f":1.50,'
        '"s":"a\\\\","t":"x y"},"snapshotter":"overlayfs","snapshot_key":"web-snap",'
        '"extensions":{"ext":{"type_url":"t","value":"aGVsbG8="}},'
        '"created_at":"2026-11-28T11:38:21.266303072Z","updated_at":"2026-11-28T11:38:22.000000001Z"}\n')
for s in [FULL, '{"id":"a"}', '{"id":"a","labels":{}}', '{"id":"a","runtime":{"name":"x","options":null}}',
          '{"id":"a","labels":{"k":"v","k":"w"}}', '{"id":"a","spec":[1]}', '{"id":1}',
          '{"type_url":"containerd.runc.v1.Options","value":"AAEC"}', '{"type_url":"t","value":"a==="}',
          '{"id":"a","labels":{"' + '","'.join('l%d":"%d' % (i, i) for i in range(50)) + '"}}']:
    put("record", s)

state = field(1, 2, b"x") + field(2, 2, b"/b") + field(3, 0, 42) + field(4, 0, 2)
for f in [frame(1, 2, response(state)), frame(1, 2, response()), frame(1, 2, b""),
          frame(1, 2, response(code=5, msg=b"container not created")),
          frame(1, 2, response(code=12, msg=b"x")) + frame(3, 2, response(b"\x08\x01")),
          frame(7, 2, response(b"z")) + frame(1, 2, response(state)),
          frame(1, 1, b"\x0a\x01x"), frame(1, 2, b"\xff\xff"), struct.pack(">IIBB", 5 << 20, 1, 2, 0),
          frame(1, 2, response(state))[:7], frame(1, 2, response(state)) + frame(3, 2, response(state))]:
    put("ttrpc", f)

exited = field(1, 0, 137) + field(2, 2, ts(1764329901, 5))
zero_time = field(2, 2, ts(-62135596800, 0))
for sel, payload in [
        (0, state + field(5, 2, b"/in") + field(6, 2, b"/out") + field(8, 0, 1) + field(9, 0, 0) + field(10, 2, ts(-62135596800, 0))),
        (1, exited), (1, zero_time), (2, field(1, 0, 42) + exited), (2, field(1, 0, 0xFFFFFFFF) + exited),
        (3, field(1, 2, field(1, 0, 42)) + field(1, 2, field(1, 0, 43))), (4, field(1, 0, 100) + field(2, 0, 42)),
        (5, field(1, 0, 42)), (6, field(1, 0, 42)), (0, b""), (3, field(1, 2, b"\xff"))]:
    put("taskapi", bytes([sel]) + payload)
put("taskapi", b"\x00" + field(6, 2, b"/run/runc") + field(2, 0, 1))

for s in ['{}', '{"root":"/var/lib/taskctl","state":"/run/taskctl","platforms":["linux/amd64","arm64"],'
          '"default_runtime":"io.containerd.runc.v2","timeout":2.5}', '{"platforms":[]}', '{"timeout":0}',
          '{"bogus":1}', "linux", "linux/arm/v7", "arm64", "windows/amd64", "darwin/arm64/v8", "amd64/v2",
          "linux/aarch64", "x86_64", "i386", "armhf", "armel", "linux/arm64/v8", "Linux/AMD64"]:
    put("config", s)

for s in ["90s", "1h30m", "2h", "500ms", "1.5h", "-1s", "1us", "1\u00b5s", "3ns", ".5s", "1e3s", "0",
          "9999999999999999999h", "2026-11-28T11:38:21.266303072Z", "2026-11-28T11:38:21+02:00",
          "0001-01-01T00:00:00Z", "2026-02-30T25:61:61.1-23:59", "9999-12-31T23:59:59.999999999Z"]:
    put("duration", s)

for s in ['{}', '[]', '{"a":[1,{"b":null}],"c":{},"d":[]}', '{"s":"a\\"b\\\\c\\u00e9\\u007f\\ud83d\\ude00"}',
          '{"n":-1.5e+30,"t":true,"f":false}', ' { "k" :\t[ 1 , 2 ]\n} ', '"\x7f\xff\xc3\xa9"', ']]]}}',
          '[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]', '{"ociVersion":"1.0.2","process":{"args":["sh"],'
          '"env":["PATH=/usr/bin"],"cwd":"/"},"root":{"path":"rootfs"}}']:
    put("output", s)
