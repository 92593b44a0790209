#include "rpc/naming/testing/NetworkNamespace.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <sstream>

#include "rpc/naming/testing/ChildProcess.h"

namespace muduo::rpc::naming::testing {
namespace {

// iproute2's `ip`, wherever the distribution put it; "" if nowhere.
const std::string& ipPath() {
  static const std::string path = [] {
    for (const char* p : {"/usr/sbin/ip", "/sbin/ip", "/bin/ip", "/usr/bin/ip"}) {
      if (::access(p, X_OK) == 0) return std::string(p);
    }
    return std::string();
  }();
  return path;
}
constexpr char kPrefix[] = "mnp-";
constexpr char kInside[] = "veth0";  // the namespace's end; names are per namespace

// `ip` takes milliseconds; a hung one is a broken machine.
absl::Status run(const std::vector<std::string>& argv) {
  // One directory per process, one file per command (ChildProcess appends).
  static const std::string dir = makeTempDir("ip-");
  static std::atomic<int> commands{0};
  const std::string log = dir + "/" + std::to_string(++commands);
  ChildProcess child(argv, log);
  const std::optional<int> code = child.wait(std::chrono::seconds(10));
  if (code == 0) return absl::OkStatus();
  std::string command;
  for (const std::string& arg : argv) command += (command.empty() ? "" : " ") + arg;
  return absl::InternalError(command + ": " +
                             (code ? "exit " + std::to_string(*code) : std::string("hung")) + ": " +
                             child.output());
}

std::string dotted(uint32_t address) {
  return std::to_string(address >> 24) + "." + std::to_string((address >> 16) & 0xff) + "." +
         std::to_string((address >> 8) & 0xff) + "." + std::to_string(address & 0xff);
}

}  // namespace

absl::Status runIp(const std::vector<std::string>& args) {
  std::vector<std::string> argv{ipPath()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run(argv);
}

absl::StatusOr<std::unique_ptr<NetworkNamespace>> NetworkNamespace::create(int index) {
  if (::geteuid() != 0) {
    return absl::FailedPreconditionError("network namespaces need root");
  }
  if (ipPath().empty()) {
    return absl::FailedPreconditionError("ip (iproute2) is not installed");
  }
  if (index < 0 || index > 3) return absl::InvalidArgumentError("index 0..3");
  const auto pid = static_cast<uint32_t>(::getpid());
  const std::string name = kPrefix + std::to_string(pid) + "-" + std::to_string(index);
  // Host-side interface names have 15 characters at most.
  const std::string outside = "mnp" + std::to_string(pid % 10000000) + "h" + std::to_string(index);
  // 10.0.0.0/8 cut into 16-address blocks per process, a /30 per index.
  const uint32_t link =
      (10u << 24) | ((pid % (1u << 20)) << 4) | (static_cast<uint32_t>(index) << 2);
  const std::string address = dotted(link + 2);
  if (absl::Status s = runIp({"netns", "add", name}); !s.ok()) return s;
  // From here on the destructor deletes the namespace and its link.
  std::unique_ptr<NetworkNamespace> ns(new NetworkNamespace(name, address));
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"link", "add", outside, "type", "veth", "peer", "name", kInside, "netns", name},
           {"addr", "add", dotted(link + 1) + "/30", "dev", outside},
           {"link", "set", outside, "up"},
           {"-n", name, "addr", "add", address + "/30", "dev", kInside},
           {"-n", name, "link", "set", kInside, "up"},
           {"-n", name, "link", "set", "lo", "up"},
       }) {
    if (absl::Status s = runIp(args); !s.ok()) return s;
  }
  return ns;
}

void NetworkNamespace::deleteStale() {
  if (ipPath().empty()) return;
  const std::string dir = makeTempDir("ip-");
  ChildProcess list({ipPath(), "netns", "list"}, dir + "/list");
  if (list.wait(std::chrono::seconds(10)) != 0) return;
  std::istringstream lines(list.output());
  std::string line;
  while (std::getline(lines, line)) {
    // "mnp-123-0" or "mnp-123-0 (id: 4)"
    if (!line.starts_with(kPrefix)) continue;
    const std::string name = line.substr(0, line.find(' '));
    const std::string rest = name.substr(sizeof(kPrefix) - 1);
    const pid_t pid = static_cast<pid_t>(std::atol(rest.c_str()));
    if (pid <= 0 || (::kill(pid, 0) != 0 && errno == ESRCH)) {
      std::fprintf(stderr, "deleting stale network namespace %s\n", name.c_str());
      (void)runIp({"netns", "del", name});
    }
  }
}

NetworkNamespace::~NetworkNamespace() {
  // Deleting the namespace destroys its end of the veth pair, which takes
  // the other end with it.
  if (absl::Status s = runIp({"netns", "del", name_}); !s.ok()) {
    std::fprintf(stderr, "%s\n", s.ToString().c_str());
  }
}

std::vector<std::string> NetworkNamespace::exec(const std::vector<std::string>& argv) const {
  std::vector<std::string> out{ipPath(), "netns", "exec", name_};
  out.insert(out.end(), argv.begin(), argv.end());
  return out;
}

absl::Status NetworkNamespace::cutOff() {
  return runIp({"-n", name_, "link", "set", kInside, "down"});
}

absl::Status NetworkNamespace::restore() {
  return runIp({"-n", name_, "link", "set", kInside, "up"});
}

}  // namespace muduo::rpc::naming::testing
