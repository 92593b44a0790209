// The real echo_server binary's start-up: where it listens by default, and
// how it refuses a bad port or a port it cannot have (one line, exit 1).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <string>
#include <thread>

#include "gtest/gtest.h"
#include "muduo/base/UniqueFd.h"
#include "services/kv/Subprocess.h"

namespace {

using namespace std::chrono_literals;
namespace test = muduo::kv::test;

std::string serverPath() { return test::runfile("services/echo/echo_server"); }

// A TCP socket listening on 127.0.0.1 at a port the kernel picked.
struct HeldPort {
  HeldPort() : fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    struct sockaddr_in addr = {};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), len) == 0 &&
        ::listen(fd.get(), 1) == 0 &&
        ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
      port = ntohs(addr.sin_port);
    }
  }
  muduo::UniqueFd fd;
  int port = 0;
};

// 0 when a connection to ip:port succeeds, else connect's errno.
int connectTo(const char* ip, int port) {
  muduo::UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  struct sockaddr_in addr = {};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  ::inet_pton(AF_INET, ip, &addr.sin_addr);
  return ::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 ? 0 : errno;
}

TEST(EchoServerBinaryTest, APortInUseExitsOneWithOneLineNamingAddressPortAndReason) {
  HeldPort held;
  ASSERT_NE(held.port, 0);
  const std::string port = std::to_string(held.port);
  test::Finished r = test::run({serverPath(), "--port=" + port}, test::tempPath("inuse"), 10s);
  EXPECT_EQ(r.code, 1) << r.err;  // not 134: no abort, no core
  EXPECT_EQ(r.err,
            "echo_server: cannot listen on 127.0.0.1:" + port + ": Address already in use\n");
}

TEST(EchoServerBinaryTest, APortOutsideSixteenBitsIsRefusedInsteadOfWrappingAround) {
  for (const std::string port : {"70000", "-5"}) {
    // The old behaviour listened on 70000 % 65536 (or 65531) and never
    // returned: a short timeout makes that a failure, not a hang.
    test::Finished r = test::run({serverPath(), "--port=" + port}, test::tempPath("range"), 10s);
    EXPECT_EQ(r.code, 2) << port << ": " << r.out << r.err;  // a usage error
    EXPECT_EQ(r.err, "echo_server: --port=" + port + " is not a port (0-65535)\n");
  }
}

TEST(EchoServerBinaryTest, ByDefaultItListensOnLoopbackOnly) {
  test::Subprocess server({serverPath(), "--port=0"}, test::tempPath("default"));
  std::string out;
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (out.find('\n') == std::string::npos && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(10ms);
    out = server.out();
  }
  const std::string prefix = "echo_server listening on 127.0.0.1:";
  ASSERT_EQ(out.substr(0, prefix.size()), prefix) << out << server.err();
  const int port = std::stoi(out.substr(prefix.size()));
  EXPECT_EQ(connectTo("127.0.0.1", port), 0);
  // Another address of this host, as a wildcard (0.0.0.0) listener would
  // answer on: 127.0.0.2 is loopback too, but not the bound address.
  EXPECT_EQ(connectTo("127.0.0.2", port), ECONNREFUSED);
  server.kill(SIGTERM);
  EXPECT_EQ(server.wait(20s), 0) << server.err();
}

}  // namespace
