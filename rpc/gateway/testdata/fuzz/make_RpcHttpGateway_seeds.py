# Writes the seed corpus of //rpc/gateway:RpcHttpGateway_fuzzer: requests as
# curl and the gateway's tests send them, and the README's examples. Each
# file is one split-seed byte (tools/fuzzing/SplitPoints.h) and the stream.
import os, sys

S = '/rpc/muduo.rpc.test.TestService/'

def post(path, body, ctype='application/json', version='1.1', extra=''):
    return ('POST %s HTTP/%s\r\nHost: localhost:8080\r\nUser-Agent: curl/7.88.1\r\n'
            'Accept: */*\r\nContent-Type: %s\r\n%sContent-Length: %d\r\n\r\n%s'
            % (path, version, ctype, extra, len(body.encode()), body))

def get(path, method='GET', extra=''):
    return '%s %s HTTP/1.1\r\nHost: localhost:8080\r\n%s\r\n' % (method, path, extra)

seeds = {
    'readme_echo_curl': (0, post(S + 'Echo', '{"text":"hi"}')),
    'echo_split': (4, post(S + 'Echo', '{"text": "hello"}')),
    'echo_later_then_status': (0, post(S + 'Echo', '{"text":"later"}') + get('/status')),
    'echo_not_found': (0, post(S + 'Echo', '{"text":"not-found"}')),
    'echo_dropped': (0, post(S + 'Echo', '{"text":"drop"}')),
    'echo_bad_json': (0, post(S + 'Echo', '{"text": 12, }')),
    'echo_unknown_field': (0, post(S + 'Echo', '{"nope": true}')),
    'echo_empty_body': (0, post(S + 'Echo', '')),
    'echo_form_type': (0, post(S + 'Echo', 'text=hi', 'application/x-www-form-urlencoded')),
    'echo_json_charset': (0, post(S + 'Echo', '{"text":"\\u00e9"}', 'Application/JSON; charset=utf-8')),
    'mark_point': (0, post(S + 'Mark', '{"x": 1, "y": -2}')),
    'count_stream': (0, post(S + 'Count', '{"first": 1, "last": 3}')),
    'count_http10': (0, post(S + 'Count', '{}', version='1.0')),
    'count_huge_range': (2, post(S + 'Count', '{"first": -2147483648, "last": 2147483647}')),
    'unknown_method': (0, post(S + 'Nope', '{}')),
    'unknown_service': (0, post('/rpc/no.Such/Echo', '{}')),
    'empty_service_has_no_methods': (0, post('/rpc/muduo.rpc.test.EmptyService/Echo', '{}')),
    'no_slash': (0, post('/rpc/Echo', '{}')),
    'get_rpc_405': (0, get(S + 'Echo')),
    'pages': (0, get('/health') + get('/metrics') + get('/flags') + get('/nowhere') +
              get('/status', 'HEAD')),
    'pipelined_calls_then_close': (3, post(S + 'Echo', '{"text":"a"}') +
                                   post(S + 'Echo', '{"text":"later"}') +
                                   post(S + 'Mark', '{}', extra='Connection: close\r\n') +
                                   post(S + 'Echo', '{"text":"unheard"}')),
    'expect_continue': (0, post(S + 'Echo', '{"text":"c"}', extra='Expect: 100-continue\r\n')),
    'chunked_request_body': (0, 'POST ' + S + 'Echo HTTP/1.1\r\nHost: x\r\n'
                             'Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n'
                             '5\r\n{"tex\r\n9\r\nt":"ch"}\r\n0\r\n\r\n'),
    'bad_request_line': (0, 'POST  /rpc/x HTTP/9\r\n\r\n'),
    'query_string': (0, post(S + 'Echo?x=1', '{"text":"q"}')),
}
out = sys.argv[1]
for name, (seed, data) in seeds.items():
    with open(os.path.join(out, name), 'wb') as f:
        f.write(bytes([seed]) + data.encode())
