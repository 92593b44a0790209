// NetworkNamespace: a network namespace of its own for a test's server,
// joined to the test's namespace by a veth pair on a /30 link: the test's
// end is .1, the namespace's end .2. A server started through exec() and
// bound to address() is reached over a real link that cutOff() can take
// down, so its traffic is dropped silently both ways (no RST, no FIN, no
// ICMP): a network partition, which a client sees only as silence.
//
// Names carry the test's pid ("mnp-<pid>-<index>"), and so does the
// subnet, so concurrent runs never meet; the destructor deletes the
// namespace (which deletes the veth pair), and deleteStale() removes what a
// killed run left behind.
//
// Needs root and iproute2's `ip`; create() says why it cannot, so a test can
// skip. Test-only. Thread contract: one thread at a time.
#ifndef RPC_NAMING_TESTING_NETWORKNAMESPACE_H_
#define RPC_NAMING_TESTING_NETWORKNAMESPACE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace muduo::rpc::naming::testing {

class NetworkNamespace {
 public:
  // Namespace `index` (0..3) of this process, up, with its address.
  // FAILED_PRECONDITION when not root or `ip` is missing; the command's
  // output when the kernel refuses.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<NetworkNamespace>> create(int index);
  // Removes the namespaces whose test process is gone.
  static void deleteStale();
  ~NetworkNamespace();
  NetworkNamespace(const NetworkNamespace&) = delete;
  NetworkNamespace& operator=(const NetworkNamespace&) = delete;

  [[nodiscard]] const std::string& name() const { return name_; }
  // The namespace's own address, e.g. "10.1.2.6".
  [[nodiscard]] const std::string& address() const { return address_; }
  // `argv` run inside the namespace: for ChildProcess. argv[0] is a path.
  [[nodiscard]] std::vector<std::string> exec(const std::vector<std::string>& argv) const;
  // Takes the namespace's end of the link down: every packet either way is
  // dropped, nothing is answered. restore() brings it back up (with its
  // route); established connections carry on once TCP retransmits.
  [[nodiscard]] absl::Status cutOff();
  [[nodiscard]] absl::Status restore();

 private:
  NetworkNamespace(std::string name, std::string address)
      : name_(std::move(name)), address_(std::move(address)) {}

  const std::string name_;
  const std::string address_;
};

// Runs `ip` with `args`; its output in the error when it fails.
[[nodiscard]] absl::Status runIp(const std::vector<std::string>& args);

}  // namespace muduo::rpc::naming::testing

#endif  // RPC_NAMING_TESTING_NETWORKNAMESPACE_H_
