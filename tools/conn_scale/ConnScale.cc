#include "tools/conn_scale/ConnScale.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "muduo/base/CountDownLatch.h"
#include "muduo/base/UniqueFd.h"
#include "muduo/net/EventLoop.h"
#include "muduo/net/EventLoopThread.h"
#include "muduo/net/TcpConnection.h"
#include "muduo/net/TcpServer.h"

namespace connscale {
namespace {

int64_t residentBytes(const std::string& process = "self") {
  FILE* f = fopen(absl::StrCat("/proc/", process, "/statm").c_str(), "r");
  long size = 0;
  long resident = 0;
  if (f != nullptr) {
    if (fscanf(f, "%ld %ld", &size, &resident) != 2) resident = 0;
    fclose(f);
  }
  return static_cast<int64_t>(resident) * sysconf(_SC_PAGESIZE);
}

bool readFull(int fd, void* buf, size_t len, std::chrono::seconds timeout) {
  char* p = static_cast<char*>(buf);
  while (len > 0) {
    struct pollfd pfd = {fd, POLLIN, 0};
    if (::poll(&pfd, 1, static_cast<int>(timeout.count() * 1000)) <= 0) return false;
    const ssize_t n = ::read(fd, p, len);
    if (n <= 0) return false;
    p += n;
    len -= static_cast<size_t>(n);
  }
  return true;
}

struct Pipe {
  muduo::UniqueFd readEnd;
  muduo::UniqueFd writeEnd;
};

absl::StatusOr<Pipe> makePipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0)
    return absl::InternalError(absl::StrCat("pipe: ", strerror(errno)));
  return Pipe{muduo::UniqueFd(fds[0]), muduo::UniqueFd(fds[1])};
}

// Opens options.connections blocking connections to 127.0.0.1:port into
// *fds. Returns how many, or -errno of the first failure.
int32_t openConnections(uint16_t port, const Options& options, std::vector<muduo::UniqueFd>* fds) {
  fds->reserve(static_cast<size_t>(options.connections));
  for (int i = 0; i < options.connections; ++i) {
    muduo::UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd.valid()) return -errno;
    if (options.sourceAddresses > 1) {
      // Let connect() pick the port per destination, not bind() per address.
      const int on = 1;
      ::setsockopt(fd.get(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &on, sizeof on);
      struct sockaddr_in local = {};
      local.sin_family = AF_INET;
      local.sin_addr.s_addr =
          htonl(INADDR_LOOPBACK + static_cast<uint32_t>(i % options.sourceAddresses));
      if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&local), sizeof local) < 0) return -errno;
    }
    struct sockaddr_in server = {};
    server.sin_family = AF_INET;
    server.sin_port = htons(port);
    server.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    // Blocking connect: when the accept queue is full the kernel retries the
    // SYN for us, so no pacing is needed.
    if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&server), sizeof server) < 0) {
      return -errno;
    }
    fds->push_back(std::move(fd));
  }
  return static_cast<int32_t>(fds->size());
}

// The child: opens the connections, reports how many, holds them until the
// parent closes the pipe.
[[noreturn]] void runClient(muduo::UniqueFd fromParent, muduo::UniqueFd toParent,
                            const Options& options) {
  uint16_t port = 0;
  if (!readFull(fromParent.get(), &port, sizeof port, options.timeout)) _exit(1);
  std::vector<muduo::UniqueFd> fds;
  const int32_t result = openConnections(port, options, &fds);
  if (::write(toParent.get(), &result, sizeof result) != sizeof result) _exit(1);
  char eof;
  while (::read(fromParent.get(), &eof, 1) > 0) {
  }
  fds.clear();
  _exit(0);
}

// Descriptors the process holds, or -1 when it cannot be read.
int64_t openDescriptors(int pid) {
  DIR* dir = ::opendir(absl::StrCat("/proc/", pid, "/fd").c_str());
  if (dir == nullptr) return -1;
  int64_t count = 0;
  while (const struct dirent* entry = ::readdir(dir)) {
    if (entry->d_name[0] != '.') ++count;
  }
  ::closedir(dir);
  return count;
}

}  // namespace

int64_t raiseFdLimit(int64_t fds) {
  struct rlimit rl;
  ::getrlimit(RLIMIT_NOFILE, &rl);
  if (static_cast<int64_t>(rl.rlim_cur) < fds) {
    struct rlimit wanted = rl;
    wanted.rlim_cur = static_cast<rlim_t>(fds);
    if (static_cast<int64_t>(wanted.rlim_max) < fds) wanted.rlim_max = static_cast<rlim_t>(fds);
    if (::setrlimit(RLIMIT_NOFILE, &wanted) != 0) {
      // Not privileged to raise the hard limit: take what the hard limit allows.
      rl.rlim_cur = rl.rlim_max;
      ::setrlimit(RLIMIT_NOFILE, &rl);
    }
  }
  ::getrlimit(RLIMIT_NOFILE, &rl);
  return static_cast<int64_t>(rl.rlim_cur);
}

absl::StatusOr<Result> runConnScale(const Options& options) {
  const int64_t limit = raiseFdLimit(options.connections + 1000);
  if (limit < options.connections + 100) {
    return absl::ResourceExhaustedError(
        absl::StrCat("RLIMIT_NOFILE is ", limit, "; need ", options.connections + 100));
  }
  absl::StatusOr<Pipe> toChild = makePipe();
  if (!toChild.ok()) return toChild.status();
  absl::StatusOr<Pipe> toParent = makePipe();
  if (!toParent.ok()) return toParent.status();
  const pid_t pid = ::fork();
  if (pid < 0) return absl::InternalError(absl::StrCat("fork: ", strerror(errno)));
  if (pid == 0) {
    toChild->writeEnd.reset();
    toParent->readEnd.reset();
    runClient(std::move(toChild->readEnd), std::move(toParent->writeEnd), options);
  }
  toChild->readEnd.reset();
  toParent->writeEnd.reset();

  std::atomic<int> up{0};
  muduo::net::EventLoopThread serverThread;
  muduo::net::EventLoop* loop = serverThread.startLoop();
  std::unique_ptr<muduo::net::TcpServer> server;
  muduo::CountDownLatch started(1);
  loop->runInLoop([&] {
    server = std::make_unique<muduo::net::TcpServer>(loop, muduo::net::InetAddress(0, true),
                                                     "ConnScale");
    server->setThreadNum(options.serverThreads);
    server->setConnectionCallback([&up](const muduo::net::TcpConnectionPtr& conn) {
      up.fetch_add(conn->connected() ? 1 : -1, std::memory_order_relaxed);
    });
    server->start();
    started.countDown();
  });
  started.wait();

  Result result;
  result.rssBefore = residentBytes();
  const uint16_t port = server->listenAddress().port();
  absl::Status status;
  int32_t opened = 0;
  if (::write(toChild->writeEnd.get(), &port, sizeof port) != sizeof port ||
      !readFull(toParent->readEnd.get(), &opened, sizeof opened, options.timeout)) {
    status = absl::InternalError("lost contact with the client process");
  } else if (opened < 0) {
    status = absl::UnavailableError(absl::StrCat("client could not connect: ", strerror(-opened)));
  } else {
    // The child's connects complete before our loop accepts them all.
    const auto deadline = std::chrono::steady_clock::now() + options.timeout;
    while (up.load() < opened && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    result.connections = up.load();
    result.rssAfter = residentBytes();
    if (result.connections != opened) {
      status = absl::DeadlineExceededError(
          absl::StrCat("server saw ", result.connections, " of ", opened, " connections"));
    }
  }
  // EOF tells the child to close its connections and exit.
  toChild->writeEnd.reset();
  toParent->readEnd.reset();
  int wstatus = 0;
  ::waitpid(pid, &wstatus, 0);

  muduo::CountDownLatch destroyed(1);
  loop->runInLoop([&] {
    server.reset();
    destroyed.countDown();
  });
  destroyed.wait();
  if (!status.ok()) return status;
  return result;
}

absl::StatusOr<Result> runConnScaleAgainst(const Options& options, int serverPid, uint16_t port) {
  const int64_t limit = raiseFdLimit(options.connections + 1000);
  if (limit < options.connections + 100) {
    return absl::ResourceExhaustedError(
        absl::StrCat("RLIMIT_NOFILE is ", limit, "; need ", options.connections + 100));
  }
  const std::string process = absl::StrCat(serverPid);
  const int64_t fdsBefore = openDescriptors(serverPid);
  Result result;
  result.rssBefore = residentBytes(process);
  if (fdsBefore < 0 || result.rssBefore == 0) {
    return absl::NotFoundError(absl::StrCat("cannot read /proc/", serverPid, "/fd and statm"));
  }
  std::vector<muduo::UniqueFd> fds;
  const int32_t opened = openConnections(port, options, &fds);
  if (opened < 0) {
    return absl::UnavailableError(absl::StrCat("could not connect: ", strerror(-opened)));
  }
  // connect() returns once the kernel has the connection; the server holds
  // it only after its loop accepts it.
  const auto deadline = std::chrono::steady_clock::now() + options.timeout;
  int64_t held = 0;
  while ((held = openDescriptors(serverPid) - fdsBefore) < opened &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  result.connections = static_cast<int>(std::min<int64_t>(held, opened));
  result.rssAfter = residentBytes(process);
  if (held < opened) {
    return absl::DeadlineExceededError(
        absl::StrCat("server holds ", held, " more descriptors, not ", opened));
  }
  return result;
}

}  // namespace connscale
