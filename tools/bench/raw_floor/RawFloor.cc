#include "tools/bench/raw_floor/RawFloor.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

namespace rawfloor {
namespace {

constexpr size_t kHeader = 12;                  // "MRPC", body_len, meta_len
constexpr uint32_t kMaxBody = 64u << 20;        // PROTOCOL.md's default limit
constexpr size_t kMaxPendingOutput = 4u << 20;  // stop reading past this much unsent
constexpr size_t kReadSize = 64 * 1024;
constexpr size_t kMaxHttpHead = 64 * 1024;  // a request head longer than this closes

double monotonicSeconds() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

uint32_t loadBigEndian32(const char* p) {
  uint32_t v;
  memcpy(&v, p, 4);
  return ntohl(v);
}

void appendBigEndian32(std::string* out, uint32_t v) {
  v = htonl(v);
  out->append(reinterpret_cast<const char*>(&v), 4);
}

void appendVarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

// Reads a varint at *p (< end); false when it runs past end or is too long.
bool readVarint(const char** p, const char* end, uint64_t* v) {
  *v = 0;
  for (int shift = 0; shift < 64 && *p < end; shift += 7) {
    const auto byte = static_cast<unsigned char>(*(*p)++);
    *v |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) return true;
  }
  return false;
}

// The two RpcMeta fields the floor needs (type = 1, call_id = 2); skips the
// rest. False when the meta is not well-formed protobuf.
bool parseMeta(const char* p, const char* end, uint64_t* type, uint64_t* callId) {
  *type = 0;
  *callId = 0;
  while (p < end) {
    uint64_t key;
    uint64_t value;
    if (!readVarint(&p, end, &key)) return false;
    switch (key & 7) {
      case 0:
        if (!readVarint(&p, end, &value)) return false;
        if ((key >> 3) == 1) *type = value;
        if ((key >> 3) == 2) *callId = value;
        break;
      case 2:
        if (!readVarint(&p, end, &value) || value > static_cast<uint64_t>(end - p)) return false;
        p += value;
        break;
      default:
        return false;
    }
  }
  return true;
}

void appendFrame(std::string* out, const std::string& meta, const char* payload, size_t len) {
  out->append("MRPC", 4);
  appendBigEndian32(out, static_cast<uint32_t>(meta.size() + len));
  appendBigEndian32(out, static_cast<uint32_t>(meta.size()));
  out->append(meta);
  out->append(payload, len);
}

// rpc_bench's request: REQUEST (type 0, the default, so absent), call_id,
// service "rpcbench.Bench", method "Echo"; payload BenchRequest{payload}.
void appendRequest(std::string* out, uint64_t callId, const std::string& request) {
  std::string meta;
  meta.push_back(0x10);
  appendVarint(&meta, callId);
  meta.append(
      "\x1a\x0erpcbench.Bench\x22\x04"
      "Echo",
      22);
  appendFrame(out, meta, request.data(), request.size());
}

struct Conn {
  int fd = -1;
  bool reading = true;  // EPOLLIN armed (off while output is over the limit)
  bool writing = false;
  std::string in;
  std::string out;
  uint64_t nextCallId = 0;  // client only
};

void setNoDelay(int fd) {
  const int on = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
}

void updateInterest(int ep, Conn* c) {
  const bool wantRead = c->out.size() < kMaxPendingOutput;
  const bool wantWrite = !c->out.empty();
  if (wantRead == c->reading && wantWrite == c->writing) return;
  c->reading = wantRead;
  c->writing = wantWrite;
  struct epoll_event ev = {};
  ev.events = (wantRead ? EPOLLIN : 0u) | (wantWrite ? EPOLLOUT : 0u);
  ev.data.fd = c->fd;
  ::epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
}

// Writes what it can of c->out (after `data`, which goes first when out is
// empty, saving a copy). False when the connection failed.
bool send(int ep, Conn* c, const char* data, size_t len) {
  if (c->out.empty() && len > 0) {
    const ssize_t n = ::write(c->fd, data, len);
    if (n < 0 && errno != EAGAIN && errno != EINTR) return false;
    const size_t done = n > 0 ? static_cast<size_t>(n) : 0;
    c->out.append(data + done, len - done);
  } else {
    c->out.append(data, len);
    const ssize_t n = ::write(c->fd, c->out.data(), c->out.size());
    if (n < 0 && errno != EAGAIN && errno != EINTR) return false;
    if (n > 0) c->out.erase(0, static_cast<size_t>(n));
  }
  updateInterest(ep, c);
  return true;
}

// Consumes the complete frames at the front of c->in; `onFrame(type, callId,
// payload, len)` for each. False on a malformed frame.
template <typename F>
bool forEachFrame(Conn* c, F&& onFrame) {
  size_t pos = 0;
  bool ok = true;
  while (c->in.size() - pos >= kHeader) {
    const char* h = c->in.data() + pos;
    const uint32_t body = loadBigEndian32(h + 4);
    const uint32_t metaLen = loadBigEndian32(h + 8);
    if (memcmp(h, "MRPC", 4) != 0 || body > kMaxBody || metaLen > body) {
      ok = false;
      break;
    }
    if (c->in.size() - pos < kHeader + body) break;
    uint64_t type;
    uint64_t callId;
    if (!parseMeta(h + kHeader, h + kHeader + metaLen, &type, &callId)) {
      ok = false;
      break;
    }
    onFrame(type, callId, h + kHeader + metaLen, body - metaLen);
    pos += kHeader + body;
  }
  c->in.erase(0, pos);
  return ok;
}

void closeConn(int ep, std::vector<std::unique_ptr<Conn>>* conns, int fd) {
  ::epoll_ctl(ep, EPOLL_CTL_DEL, fd, nullptr);
  ::close(fd);
  (*conns)[static_cast<size_t>(fd)].reset();
}

// hello_server's response to every request (kHttp), with this second's
// Date: rebuilt once a second, as a real server caches its date.
const std::string& httpHello() {
  static std::string response;
  static time_t builtFor = -1;
  const time_t now = ::time(nullptr);
  if (now != builtFor) {
    builtFor = now;
    struct tm tm;
    gmtime_r(&now, &tm);
    char date[64];
    strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    response = std::string("HTTP/1.1 200 OK\r\nDate: ") + date +
               "\r\nServer: muduo\r\nConnection: keep-alive\r\nContent-Type: "
               "text/plain\r\nContent-Length: 14\r\n\r\nhello, world!\n";
  }
  return response;
}

// Consumes the complete request heads at the front of c->in (each ends at
// its first empty line), appending one response per head to *replies: all
// the requests one read brought are answered by one write. False when an
// unfinished head has grown past kMaxHttpHead.
bool answerHttp(Conn* c, std::string* replies) {
  size_t pos = 0;
  for (;;) {
    const size_t end = c->in.find("\r\n\r\n", pos);
    if (end == std::string::npos) break;
    replies->append(httpHello());
    pos = end + 4;
  }
  c->in.erase(0, pos);
  return c->in.size() <= kMaxHttpHead;
}

// The server's reaction to readable data; false closes the connection.
bool serveRead(int ep, Conn* c, Mode mode, char* buf) {
  const ssize_t n = ::read(c->fd, buf, kReadSize);
  if (n == 0) return false;
  if (n < 0) return errno == EAGAIN || errno == EINTR;
  if (mode == Mode::kEcho) return send(ep, c, buf, static_cast<size_t>(n));
  c->in.append(buf, static_cast<size_t>(n));
  std::string replies;
  if (mode == Mode::kHttp) {
    const bool ok = answerHttp(c, &replies);
    return send(ep, c, replies.data(), replies.size()) && ok;
  }
  const bool ok = forEachFrame(c, [&](uint64_t type, uint64_t callId, const char* p, size_t len) {
    if (type != 0) return;  // only REQUESTs are answered; CANCEL is ignored
    std::string meta("\x08\x01\x10", 3);
    appendVarint(&meta, callId);
    appendFrame(&replies, meta, p, len);
  });
  return send(ep, c, replies.data(), replies.size()) && ok;
}

}  // namespace

bool parseMode(const std::string& text, Mode* mode) {
  if (text == "echo") {
    *mode = Mode::kEcho;
  } else if (text == "mrpc") {
    *mode = Mode::kMrpc;
  } else if (text == "http") {
    *mode = Mode::kHttp;
  } else {
    return false;
  }
  return true;
}

int listenLoopback(uint16_t port, uint16_t* boundPort) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  const int on = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  struct sockaddr_in addr = {};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0 ||
      ::listen(fd, SOMAXCONN) < 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) < 0) {
    const int saved = errno;
    ::close(fd);
    errno = saved;
    return -1;
  }
  *boundPort = ntohs(addr.sin_port);
  return fd;
}

int runServer(int listenFd, Mode mode, const std::atomic<bool>* stop) {
  const int ep = ::epoll_create1(EPOLL_CLOEXEC);
  if (ep < 0) return errno;
  struct epoll_event ev = {};
  ev.events = EPOLLIN;
  ev.data.fd = listenFd;
  ::epoll_ctl(ep, EPOLL_CTL_ADD, listenFd, &ev);
  std::vector<std::unique_ptr<Conn>> conns;
  std::vector<char> buf(kReadSize);
  struct epoll_event events[256];
  int error = 0;
  while (!stop->load(std::memory_order_relaxed) && error == 0) {
    const int n = ::epoll_wait(ep, events, 256, 100);
    if (n < 0 && errno != EINTR) error = errno;
    for (int i = 0; i < n; ++i) {
      const int fd = events[i].data.fd;
      if (fd == listenFd) {
        const int cfd = ::accept4(listenFd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (cfd < 0) continue;  // EAGAIN, a connection reset before accept, EMFILE...
        setNoDelay(cfd);
        if (conns.size() <= static_cast<size_t>(cfd)) conns.resize(static_cast<size_t>(cfd) + 1);
        conns[static_cast<size_t>(cfd)] = std::make_unique<Conn>();
        conns[static_cast<size_t>(cfd)]->fd = cfd;
        ev.events = EPOLLIN;
        ev.data.fd = cfd;
        ::epoll_ctl(ep, EPOLL_CTL_ADD, cfd, &ev);
        continue;
      }
      Conn* c = conns[static_cast<size_t>(fd)].get();
      if (c == nullptr) continue;
      bool ok = true;
      if (events[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP))
        ok = serveRead(ep, c, mode, buf.data());
      if (ok && (events[i].events & EPOLLOUT)) ok = send(ep, c, nullptr, 0);
      if (!ok) closeConn(ep, &conns, fd);
    }
  }
  for (auto& c : conns) {
    if (c) ::close(c->fd);
  }
  ::close(ep);
  return error;
}

ClientResult runClient(const ClientOptions& options) {
  ClientResult result;
  if (options.mode == Mode::kHttp) {  // wrk or h2load load the HTTP floor
    result.error = EINVAL;
    return result;
  }
  const int ep = ::epoll_create1(EPOLL_CLOEXEC);
  if (ep < 0) {
    result.error = errno;
    return result;
  }
  std::vector<std::unique_ptr<Conn>> conns;
  struct sockaddr_in server = {};
  server.sin_family = AF_INET;
  server.sin_port = htons(options.port);
  server.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  for (int i = 0; i < options.connections; ++i) {
    // Blocking connect, then non-blocking I/O: every connection is up before
    // the clock starts.
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&server), sizeof server) < 0) {
      result.error = errno;
      if (fd >= 0) ::close(fd);
      break;
    }
    const int flags = 1;
    ::ioctl(fd, FIONBIO, &flags);
    setNoDelay(fd);
    if (conns.size() <= static_cast<size_t>(fd)) conns.resize(static_cast<size_t>(fd) + 1);
    conns[static_cast<size_t>(fd)] = std::make_unique<Conn>();
    conns[static_cast<size_t>(fd)]->fd = fd;
    struct epoll_event ev = {};
    ev.events = EPOLLIN;
    ev.data.fd = fd;
    ::epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
  }

  const std::string block(options.blockSize, 'x');
  std::string request("\x0a", 1);  // BenchRequest.payload
  appendVarint(&request, options.payload);
  request.append(options.payload, 'x');
  for (auto& c : conns) {
    if (!c || result.error != 0) continue;
    std::string first;
    if (options.mode == Mode::kEcho) {
      first = block;
    } else {
      for (int k = 0; k < options.outstanding; ++k) appendRequest(&first, c->nextCallId++, request);
    }
    if (!send(ep, c.get(), first.data(), first.size())) result.error = errno;
  }

  std::vector<char> buf(kReadSize);
  struct epoll_event events[256];
  const double start = monotonicSeconds();
  const double end = start + options.seconds;
  double now = start;
  while (result.error == 0 && now < end) {
    const int n = ::epoll_wait(ep, events, 256, 100);
    if (n < 0 && errno != EINTR) result.error = errno;
    for (int i = 0; i < n && result.error == 0; ++i) {
      Conn* c = conns[static_cast<size_t>(events[i].data.fd)].get();
      bool ok = true;
      if (events[i].events & EPOLLOUT) ok = send(ep, c, nullptr, 0);
      if (ok && (events[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP))) {
        const ssize_t r = ::read(c->fd, buf.data(), buf.size());
        if (r == 0) {
          result.error = ECONNRESET;
        } else if (r < 0) {
          if (errno != EAGAIN && errno != EINTR) result.error = errno;
        } else if (options.mode == Mode::kEcho) {
          result.bytesRead += r;
          ok = send(ep, c, buf.data(), static_cast<size_t>(r));
        } else {
          c->in.append(buf.data(), static_cast<size_t>(r));
          std::string next;
          ok = forEachFrame(c, [&](uint64_t type, uint64_t, const char*, size_t) {
            if (type != 1) return;  // only RESPONSEs end a call
            ++result.calls;
            appendRequest(&next, c->nextCallId++, request);
          });
          ok = send(ep, c, next.data(), next.size()) && ok;
        }
      }
      if (!ok && result.error == 0) result.error = errno != 0 ? errno : EPROTO;
    }
    now = monotonicSeconds();
  }
  result.seconds = now - start;
  for (auto& c : conns) {
    if (c) ::close(c->fd);
  }
  ::close(ep);
  return result;
}

}  // namespace rawfloor
