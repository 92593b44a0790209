#include "rpc/naming/ServerRegistration.h"

#include "absl/flags/flag.h"
#include "muduo/base/Logging.h"
#include "muduo/net/EventLoop.h"
#include "muduo/net/HostPort.h"
#include "rpc/naming/EndpointFormat.h"

ABSL_FLAG(std::string, register, "",
          "zk://host:port[,host:port]/services/NAME[?session_timeout_ms=N]: register this "
          "server there (an ephemeral ZooKeeper node) while it serves; empty: don't");
ABSL_FLAG(int, register_weight, 1,
          "with --register: this server's weight (0-1000000, 0 = drained)");
ABSL_FLAG(std::string, register_metadata, "",
          "with --register: labels for clients, k=v[,k=v...] (zone, version, shard, ...)");
ABSL_FLAG(std::string, advertise, "",
          "with --register: host[:port] clients should connect to, when the listen address is a "
          "wildcard or unreachable for them (default: the listen address; port: the listening "
          "one)");

namespace muduo::rpc::naming {
namespace {

absl::StatusOr<std::map<std::string, std::string>> parseMetadata(const std::string& text) {
  std::map<std::string, std::string> metadata;
  if (text.empty()) return metadata;
  for (size_t start = 0;;) {
    const size_t comma = text.find(',', start);
    const std::string entry = text.substr(start, comma - start);
    const size_t eq = entry.find('=');
    if (eq == std::string::npos || eq == 0) {
      return absl::InvalidArgumentError("--register_metadata entry \"" + entry + "\" is not k=v");
    }
    if (!metadata.emplace(entry.substr(0, eq), entry.substr(eq + 1)).second) {
      return absl::InvalidArgumentError("--register_metadata names \"" + entry.substr(0, eq) +
                                        "\" twice");
    }
    if (comma == std::string::npos) return metadata;
    start = comma + 1;
  }
}

bool isWildcard(const net::InetAddress& address) {
  const std::string ip = address.toIp();
  return ip == "0.0.0.0" || ip == "::";
}

absl::StatusOr<net::InetAddress> advertisedAddress(const std::string& advertise,
                                                   const net::InetAddress& listenAddress) {
  if (advertise.empty()) {
    if (isWildcard(listenAddress)) {
      return absl::InvalidArgumentError(
          "--register needs --advertise=host[:port] when listening on " + listenAddress.toIpPort() +
          " (clients cannot connect to a wildcard address)");
    }
    return listenAddress;
  }
  // "host:port", or a bare host (or [v6]) taking the listening port.
  std::string withPort = advertise;
  if (!net::HostPort::parse(advertise).ok()) {
    withPort = advertise + ":" + std::to_string(listenAddress.port());
  }
  absl::StatusOr<net::InetAddress> address = net::HostPort::resolve(withPort);
  if (!address.ok()) {
    return absl::InvalidArgumentError("--advertise=" + advertise + ": " +
                                      std::string(address.status().message()));
  }
  if (isWildcard(*address)) {
    return absl::InvalidArgumentError("--advertise=" + advertise + " is a wildcard address");
  }
  return address;
}

}  // namespace

absl::StatusOr<std::unique_ptr<ServerRegistration>> ServerRegistration::fromFlags(
    const net::InetAddress& listenAddress) {
  Config config;
  config.url = absl::GetFlag(FLAGS_register);
  config.weight = absl::GetFlag(FLAGS_register_weight);
  config.metadata = absl::GetFlag(FLAGS_register_metadata);
  config.advertise = absl::GetFlag(FLAGS_advertise);
  return fromConfig(config, listenAddress);
}

absl::StatusOr<std::unique_ptr<ServerRegistration>> ServerRegistration::fromConfig(
    const Config& config, const net::InetAddress& listenAddress) {
  if (config.url.empty()) {
    return std::unique_ptr<ServerRegistration>(
        new ServerRegistration(Endpoint{net::InetAddress(), 1, {}}, nullptr));
  }
  if (config.weight < 0 || config.weight > kMaxWeight) {
    return absl::InvalidArgumentError("--register_weight=" + std::to_string(config.weight) +
                                      " is not 0-" + std::to_string(kMaxWeight));
  }
  absl::StatusOr<std::map<std::string, std::string>> metadata = parseMetadata(config.metadata);
  if (!metadata.ok()) return metadata.status();
  absl::StatusOr<net::InetAddress> address = advertisedAddress(config.advertise, listenAddress);
  if (!address.ok()) return address.status();
  Endpoint endpoint{*address, static_cast<uint32_t>(config.weight), std::move(*metadata)};
  absl::StatusOr<std::unique_ptr<ZkRegistrar>> registrar =
      ZkRegistrar::create(config.url, endpoint);
  if (!registrar.ok()) {
    return absl::InvalidArgumentError("--register: " + std::string(registrar.status().message()));
  }
  return std::unique_ptr<ServerRegistration>(
      new ServerRegistration(std::move(endpoint), std::move(*registrar)));
}

void ServerRegistration::start() {
  if (registrar_ != nullptr) registrar_->start();
}

void ServerRegistration::deregisterThen(net::EventLoop* loop, absl::AnyInvocable<void()> then) {
  if (registrar_ == nullptr) {
    then();
    return;
  }
  registrar_->deregister(
      loop, kDeregisterTimeout,
      [name = registrar_->name(), then = std::move(then)](absl::Status status) mutable {
        if (!status.ok()) {
          LOG_WARN << name << ": " << status.ToString() << "; draining anyway";
        }
        then();
      });
}

}  // namespace muduo::rpc::naming
