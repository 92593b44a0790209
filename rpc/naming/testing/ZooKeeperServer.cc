#include "rpc/naming/testing/ZooKeeperServer.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include "muduo/base/UniqueFd.h"

namespace muduo::rpc::naming::testing {
namespace {

// The JVM and the jar Debian's zookeeperd installs, and the class that runs
// one standalone server in the foreground. The manifest of zookeeper.jar
// names every other jar it needs; /etc/zookeeper/conf holds its log4j
// settings (Debian ships no SLF4J binding, so the server logs nothing
// beyond SLF4J's own three lines).
constexpr char kJava[] = "/usr/bin/java";
constexpr char kClassPath[] = "/etc/zookeeper/conf:/usr/share/java/zookeeper.jar";
constexpr char kMainClass[] = "org.apache.zookeeper.server.ZooKeeperServerMain";

muduo::UniqueFd loopbackSocket() {
  return muduo::UniqueFd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
}

sockaddr_in loopback(uint16_t port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return addr;
}

// A port the kernel just gave out for 127.0.0.1. The JVM binds it a moment
// later; if something else took it meanwhile, start() picks another.
uint16_t freeLoopbackPort() {
  muduo::UniqueFd fd = loopbackSocket();
  sockaddr_in addr = loopback(0);
  socklen_t len = sizeof addr;
  if (!fd.valid() || ::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    return 0;
  }
  return ntohs(addr.sin_port);
}

std::string tail(const std::string& text, size_t bytes) {
  return text.size() <= bytes ? text : text.substr(text.size() - bytes);
}

}  // namespace

std::string fourLetterWord(uint16_t port, const std::string& word,
                           std::chrono::milliseconds timeout) {
  muduo::UniqueFd fd = loopbackSocket();
  sockaddr_in addr = loopback(port);
  if (!fd.valid() || ::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    return {};
  }
  if (::write(fd.get(), word.data(), word.size()) != static_cast<ssize_t>(word.size())) return {};
  // The server answers and closes; read to EOF, bounded by `timeout`.
  std::string answer;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  char buf[4096];
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return {};
    pollfd pfd{fd.get(), POLLIN, 0};
    if (::poll(&pfd, 1, static_cast<int>(left.count())) <= 0) return {};
    const ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) return {};
    if (n == 0) return answer;
    answer.append(buf, static_cast<size_t>(n));
  }
}

ZooKeeperServer::ZooKeeperServer(Options options)
    : options_(options), dataDir_(makeTempDir("zookeeper-")), port_(options.port) {}

ZooKeeperServer::~ZooKeeperServer() {
  kill();
  std::error_code ignored;
  std::filesystem::remove_all(dataDir_, ignored);
}

std::string ZooKeeperServer::connectString() const { return "127.0.0.1:" + std::to_string(port_); }

std::string ZooKeeperServer::output() const {
  std::ifstream in(dataDir_ + "/zookeeper.out");
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void ZooKeeperServer::writeConfig() const {
  // 4lw.commands.whitelist: start() polls `srvr`. The admin server (Jetty,
  // port 8080 by default) would collide between parallel tests and slows the
  // start. forceSync=no: a test's data need not survive a power cut.
  std::ofstream cfg(dataDir_ + "/zoo.cfg", std::ios::trunc);
  cfg << "tickTime=" << options_.tickTime.count() << "\n"
      << "dataDir=" << dataDir_ << "/data\n"
      << "clientPort=" << port_ << "\n"
      << "clientPortAddress=127.0.0.1\n"
      << "maxSessionTimeout=" << options_.tickTime.count() * 120 << "\n"
      << "maxClientCnxns=0\n"
      << "4lw.commands.whitelist=srvr,ruok,cons,stat,mntr\n"
      << "admin.enableServer=false\n"
      << "forceSync=no\n";
}

absl::Status ZooKeeperServer::start() {
  if (process_ != nullptr) return absl::FailedPreconditionError("ZooKeeper already running");
  const bool pickPort = port_ == 0;
  absl::Status status;
  // A picked port can be lost to another process between the pick and the
  // JVM's bind; then the JVM exits and another port is tried.
  for (int attempt = 0; attempt < (pickPort ? 3 : 1); ++attempt) {
    if (pickPort && (attempt > 0 || port_ == 0)) port_ = freeLoopbackPort();
    status = startOnce();
    if (status.ok() || status.code() != absl::StatusCode::kUnavailable) return status;
  }
  return status;
}

absl::Status ZooKeeperServer::startOnce() {
  if (port_ == 0) return absl::InternalError("no free loopback port");
  std::filesystem::create_directories(dataDir_ + "/data");
  writeConfig();
  // Flags for a fast start, measured on a 2-core machine (time to a `srvr`
  // answer, ~1 s either way; the flags mostly save CPU that parallel tests
  // want): C1 only, since a test server never runs long enough for C2 to
  // pay off; class-data sharing; a heap that cannot grow past what a test
  // needs; serial GC (no GC threads to start); no perf-data file in /tmp.
  // preAllocSize: the transaction log is otherwise preallocated 64 MB at a
  // time in the test's temp directory.
  const std::vector<std::string> argv = {
      kJava,
      "-Xshare:auto",
      "-XX:TieredStopAtLevel=1",
      "-XX:+UseSerialGC",
      "-Xms32m",
      "-Xmx256m",
      "-XX:-UsePerfData",
      "-Djava.net.preferIPv4Stack=true",
      "-Dzookeeper.preAllocSize=1024",
      "-Dzookeeper.jmx.log4j.disable=true",
      "-cp",
      kClassPath,
      kMainClass,
      dataDir_ + "/zoo.cfg",
  };
  process_ = std::make_unique<ChildProcess>(argv, dataDir_ + "/zookeeper.out");
  if (process_->pid() < 0) {
    process_.reset();
    return absl::InternalError("fork failed");
  }
  const auto deadline = std::chrono::steady_clock::now() + options_.startTimeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (fourLetterWord(port_, "srvr", std::chrono::seconds(2)).find("Mode: standalone") !=
        std::string::npos) {
      return absl::OkStatus();
    }
    if (!process_->running()) {
      process_.reset();
      return absl::UnavailableError("ZooKeeper on port " + std::to_string(port_) +
                                    " exited while starting: " + tail(output(), 2000));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  process_.reset();  // kills it
  return absl::DeadlineExceededError("ZooKeeper on port " + std::to_string(port_) +
                                     " did not answer in time: " + tail(output(), 2000));
}

void ZooKeeperServer::stop() {
  if (process_ == nullptr) return;
  (void)process_->stop(std::chrono::seconds(5));
  process_.reset();
}

void ZooKeeperServer::kill() {
  if (process_ == nullptr) return;
  process_->signal(SIGKILL);
  (void)process_->wait(std::chrono::seconds(10));
  process_.reset();
}

absl::Status ZooKeeperServer::restart() {
  stop();
  return start();
}

}  // namespace muduo::rpc::naming::testing
