# Writes the seed corpus of //rpc:RpcServer_fuzzer: requests to the fuzz
# target's service (Echo, Later, unknown ones), CANCELs, reused ids and the
# frames a client may not send. Each file is one split-seed byte
# (tools/fuzzing/SplitPoints.h) and the stream. The traffic_* seeds are
# real frames copied from RpcCodec_fuzzer's corpus.
import struct, sys, os
def varint(n):
    if n < 0: n += 1 << 64
    out = b''
    while True:
        b = n & 0x7f; n >>= 7
        if n: out += bytes([b | 0x80])
        else: return out + bytes([b])
def field_varint(f, v): return varint(f << 3) + varint(v) if v else b''
def field_bytes(f, s): return varint((f << 3) | 2) + varint(len(s)) + s if s else b''
def meta(type=0, call_id=0, service=b'', method=b'', timeout=0):
    return (field_varint(1, type) + field_varint(2, call_id) + field_bytes(3, service) +
            field_bytes(4, method) + field_varint(7, timeout))
def frame(m, payload=b''):
    return b'MRPC' + struct.pack('>II', len(m) + len(payload), len(m)) + m + payload
S = b'fuzz.Service'
def req(i, method, payload=b'', service=S, timeout=0):
    return frame(meta(0, i, service, method, timeout), payload)
def cancel(i): return frame(meta(4, i))
echo = lambda t: field_bytes(1, t)
seeds = {
  'echo_one': (0, req(1, b'Echo', echo(b'hello'))),
  'echo_split': (3, req(1, b'Echo', echo(b'hello')) + req(2, b'Echo', echo(b'world'))),
  'later_then_cancel_same_chunk': (0, req(2, b'Later') + cancel(2) + req(3, b'Echo', echo(b'x'))),
  'later_cancel_next_turn': (40, req(2, b'Later') + cancel(2)),
  'later_id_reused_while_running': (0, req(5, b'Later') + req(5, b'Echo', echo(b'again')) + req(6, b'Echo')),
  'id_reused_after_answer': (2, req(7, b'Echo', echo(b'a')) + req(7, b'Echo', echo(b'b'))),
  'mixed_pipeline': (0, req(1, b'Echo', echo(b'e')) + req(2, b'Later') + req(3, b'NoSuchMethod') +
                     req(4, b'Echo', service=b'no.Such') + req(5, b'Echo', timeout=-1) +
                     req(6, b'Echo', echo(b'late'), timeout=1) + req(7, b'Later', timeout=3600 * 10**6) +
                     cancel(99) + req(8, b'Echo', b'\xff\xff')),
  'client_sends_response_type': (0, req(1, b'Echo', echo(b'ok')) + frame(meta(1, 2))),
  'bad_magic_after_request': (5, req(1, b'Echo', echo(b'ok')) + b'GET / HTTP/1.1\r\n\r\n'),
  'oversized_frame': (0, req(1, b'Echo', echo(b'ok')) + b'MRPC' + struct.pack('>II', 5000, 10) + b'x' * 64),
  'stream_end_type': (0, frame(meta(3, 1))),
  'max_call_id': (0, req(2**64 - 1, b'Later') + cancel(2**64 - 1) + req(2**64 - 1, b'Echo')),
  'many_tiny_requests': (1, b''.join(req(i, b'Echo') for i in range(60))),
  'empty_meta_request': (0, frame(b'') + frame(b'')),
}
out = sys.argv[1]
for name, (seed, data) in seeds.items():
    open(os.path.join(out, name), 'wb').write(bytes([seed]) + data)
