#!/usr/bin/env python3
"""Writes the seed corpus of RespSession_fuzzer: what redis-cli and client
libraries send (multibulk pipelines, inline commands), an HTTP POST, QUIT,
and malformed lengths. Each seed is the SplitPoints seed byte, then the
stream. Run from the repository root:

    python3 services/kv/testdata/fuzz/make_resp_session_seeds.py
"""
import os

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "RespSession_fuzzer")


def multibulk(*args):
    out = b"*%d\r\n" % len(args)
    for a in args:
        a = a if isinstance(a, bytes) else a.encode()
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    return out


def pipeline(*commands):
    return b"".join(multibulk(*c) for c in commands)


SEEDS = {
    "set_get": pipeline(["SET", "k", "v"], ["GET", "k"], ["GET", "missing"]),
    "set_options": pipeline(["SET", "k", "v", "EX", "100", "NX"], ["SET", "k", "w", "XX", "GET"],
                            ["SET", "k", "x", "KEEPTTL"], ["TTL", "k"], ["PTTL", "k"]),
    "multi_exec": pipeline(["MULTI"], ["SET", "a", "1"], ["INCR", "a"], ["GET", "a"], ["EXEC"]),
    "multi_discard": pipeline(["MULTI"], ["SET", "a", "1"], ["DISCARD"], ["EXEC"]),
    "multi_error_execabort": pipeline(["MULTI"], ["SET", "a"], ["NOSUCH"], ["EXEC"]),
    "watch_exec": pipeline(["SET", "w", "1"], ["WATCH", "w"], ["GET", "w"], ["MULTI"],
                           ["INCR", "w"], ["EXEC"], ["UNWATCH"]),
    "watch_touched_aborts": pipeline(["WATCH", "w"], ["SET", "w", "2"], ["MULTI"],
                                     ["SET", "w", "3"], ["EXEC"], ["GET", "w"]),
    "scan": pipeline(["MSET", "a", "1", "b", "2", "c", "3", "user:1", "x"], ["SCAN", "0"],
                     ["SCAN", "0", "MATCH", "user:*", "COUNT", "2"], ["KEYS", "*"],
                     ["DBSIZE"], ["RANDOMKEY"]),
    "expire": pipeline(["SET", "e", "v"], ["EXPIRE", "e", "100"], ["EXPIRE", "e", "50", "GT"],
                       ["PEXPIRE", "e", "1"], ["PERSIST", "e"], ["EXPIREAT", "e", "1"],
                       ["EXISTS", "e"], ["EXPIRETIME", "e"]),
    "incrbyfloat": pipeline(["SET", "f", "10.5"], ["INCRBYFLOAT", "f", "0.1"],
                            ["INCRBYFLOAT", "f", "-5.0e3"], ["INCRBYFLOAT", "f", "inf"],
                            ["INCRBY", "n", "9223372036854775807"], ["INCR", "n"],
                            ["DECRBY", "n", "3"]),
    "append_ranges": pipeline(["APPEND", "s", "Hello"], ["APPEND", "s", " World"],
                              ["STRLEN", "s"], ["GETRANGE", "s", "0", "-1"],
                              ["SETRANGE", "s", "6", "Redis"], ["GETRANGE", "s", "-5", "-1"],
                              ["SETRANGE", "z", "20", "x"], ["GET", "z"]),
    "keys_rename_del": pipeline(["SET", "a", "1"], ["RENAME", "a", "b"], ["RENAMENX", "b", "c"],
                                ["TYPE", "b"], ["DEL", "b", "c"], ["UNLINK", "a"],
                                ["GETDEL", "b"], ["GETEX", "b", "PX", "10"], ["FLUSHALL"]),
    "connection": pipeline(["PING"], ["PING", "hi"], ["ECHO", "e"], ["HELLO", "2"],
                           ["CLIENT", "SETNAME", "fuzz"], ["CLIENT", "GETNAME"],
                           ["CLIENT", "ID"], ["CLIENT", "LIST"], ["SELECT", "0"],
                           ["INFO", "server"], ["CONFIG", "GET", "maxmemory"],
                           ["COMMAND", "COUNT"], ["TIME"], ["RESET"]),
    "inline": b"PING\r\nSET inline \"quoted value\" \r\nGET inline\nMGET inline 'x' \"\\x41\"\r\n\r\n",
    "inline_unbalanced_quotes": b"SET k \"unterminated\r\nGET k\r\n",
    "quit": pipeline(["SET", "q", "1"], ["QUIT"], ["GET", "q"]),
    "http_post": b"POST / HTTP/1.1\r\nHost: 127.0.0.1:6379\r\nContent-Length: 4\r\n\r\nPING",
    "http_host_after_commands": pipeline(["SET", "k", "v"]) + b"Host: evil\r\n",
    "bad_bulk_length": b"*2\r\n$3\r\nGET\r\n$-5\r\nk\r\n",
    "bad_multibulk_count": b"*abc\r\n$3\r\nGET\r\n",
    "huge_bulk_length": b"*2\r\n$3\r\nGET\r\n$99999999999\r\n",
    "bulk_without_crlf": b"*2\r\n$3\r\nGET\r\n$1\r\nkXX",
    "empty_commands": b"*0\r\n\r\n*-1\r\nPING\r\n",
    "unknown_and_arity": pipeline(["NOSUCH", "a"], ["GET"], ["SET", "a"], ["GET", "a", "b"]),
    "many_pipelined_gets": pipeline(["SET", "big", "x" * 200]) + pipeline(*[["GET", "big"]] * 40),
}

os.makedirs(OUT, exist_ok=True)
for i, (name, stream) in enumerate(sorted(SEEDS.items())):
    # Alternate whole streams (seed byte 0) with streams cut into pieces.
    split = 0 if i % 2 == 0 else 1 + (i * 7) % 23
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(bytes([split]) + stream)
