#include "rpc/naming/DnsResolver.h"

#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

#include "muduo/base/Logging.h"
#include "muduo/net/EventLoop.h"
#include "muduo/net/HostPort.h"
#include "rpc/naming/UrlOption.h"

namespace muduo::rpc::naming {

// Shared by the resolver (the caller's loop) and its worker thread, which
// holds it until it finishes even if the resolver is gone.
struct DnsResolver::State : std::enable_shared_from_this<State> {
  std::string name;  // "dns://host:port", for the logs
  std::string host;
  uint16_t port = 0;
  Options options;
  net::EventLoop* loop = nullptr;

  // The caller's loop only.
  Listener listener;
  bool errorPushed = false;

  std::atomic<bool> stopped{false};
  std::mutex mutex;
  std::condition_variable wake;  // stop() cuts a wait short

  // The worker only.
  std::optional<EndpointList> last;
  bool failing = false;

  void run();
  void deliver(absl::StatusOr<EndpointList> result);
};

void DnsResolver::State::run() {
  while (!stopped) {
    absl::StatusOr<std::vector<net::InetAddress>> addresses = options.lookup(host, port);
    if (stopped) break;
    std::chrono::milliseconds wait = options.refresh;
    if (addresses.ok()) {
      std::vector<net::InetAddress> sorted = *addresses;
      std::sort(sorted.begin(), sorted.end(),
                [](const net::InetAddress& a, const net::InetAddress& b) {
                  return a.toIpPort() < b.toIpPort();
                });
      sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
      EndpointList endpoints;
      for (const net::InetAddress& address : sorted) endpoints.push_back(Endpoint{address, 1, {}});
      if (failing) LOG_INFO << name << ": lookups work again";
      failing = false;
      if (!last || *last != endpoints) {
        LOG_INFO << name << ": " << endpoints.size() << " address(es)";
        last = endpoints;
        deliver(std::move(endpoints));
      }
    } else {
      wait = std::min(options.retry, options.refresh);
      if (!failing) {
        if (last) {
          LOG_WARN << name << ": lookup failed (" << addresses.status().ToString()
                   << "); keeping the last list of " << last->size() << " address(es)";
        } else {
          LOG_WARN << name << ": lookup failed (" << addresses.status().ToString()
                   << "); no list yet";
        }
        failing = true;
      }
      // Only a resolver that never had a list reports the error (once; the
      // loop side drops repeats).
      if (!last) {
        deliver(absl::UnavailableError(name + ": " + std::string(addresses.status().message())));
      }
    }
    std::unique_lock<std::mutex> lock(mutex);
    wake.wait_for(lock, wait, [this] { return stopped.load(); });
  }
}

void DnsResolver::State::deliver(absl::StatusOr<EndpointList> result) {
  // Weakly: a result still queued when the resolver is gone finds nothing.
  loop->queueInLoop([weak = weak_from_this(), result = std::move(result)]() mutable {
    std::shared_ptr<State> self = weak.lock();
    if (self == nullptr || self->stopped) return;
    if (!result.ok()) {
      if (self->errorPushed) return;
      self->errorPushed = true;
    }
    self->listener(result);
  });
}

DnsResolver::DnsResolver(std::string host, uint16_t port, Options options)
    : host_(std::move(host)), port_(port), options_(std::move(options)) {}

DnsResolver::~DnsResolver() { stop(); }

absl::StatusOr<std::unique_ptr<DnsResolver>> DnsResolver::parse(std::string_view spec) {
  const size_t question = spec.find('?');
  absl::StatusOr<net::HostPort> hostPort = net::HostPort::parse(spec.substr(0, question));
  if (!hostPort.ok()) return hostPort.status();
  Options options;
  if (question != std::string_view::npos) {
    absl::StatusOr<int64_t> seconds =
        parseUrlOption(spec.substr(question + 1), "refresh", 1, 86400);
    if (!seconds.ok()) return seconds.status();
    options.refresh = std::chrono::seconds(*seconds);
  }
  return std::make_unique<DnsResolver>(hostPort->host(), hostPort->port(), std::move(options));
}

absl::StatusOr<std::vector<net::InetAddress>> DnsResolver::systemLookup(const std::string& host,
                                                                        uint16_t port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_ADDRCONFIG;
  addrinfo* result = nullptr;
  const int rc = ::getaddrinfo(host.c_str(), nullptr, &hints, &result);
  if (rc != 0) {
    return absl::UnavailableError("cannot resolve \"" + host + "\": " + ::gai_strerror(rc));
  }
  std::vector<net::InetAddress> addresses;
  for (const addrinfo* ai = result; ai != nullptr; ai = ai->ai_next) {
    if (ai->ai_family == AF_INET) {
      sockaddr_in addr = *reinterpret_cast<const sockaddr_in*>(ai->ai_addr);
      addr.sin_port = htons(port);
      addresses.emplace_back(addr);
    } else if (ai->ai_family == AF_INET6) {
      sockaddr_in6 addr = *reinterpret_cast<const sockaddr_in6*>(ai->ai_addr);
      addr.sin6_port = htons(port);
      addresses.emplace_back(addr);
    }
  }
  ::freeaddrinfo(result);
  if (addresses.empty()) return absl::UnavailableError("no address for \"" + host + "\"");
  std::sort(addresses.begin(), addresses.end(),
            [](const net::InetAddress& a, const net::InetAddress& b) {
              return a.toIpPort() < b.toIpPort();
            });
  addresses.erase(std::unique(addresses.begin(), addresses.end()), addresses.end());
  return addresses;
}

void DnsResolver::start(net::EventLoop* loop, Listener listener) {
  state_ = std::make_shared<State>();
  const bool ipv6 = host_.find(':') != std::string::npos;
  state_->name = "dns://" + (ipv6 ? "[" + host_ + "]" : host_) + ":" + std::to_string(port_);
  state_->host = host_;
  state_->port = port_;
  state_->options = options_;
  state_->loop = loop;
  state_->listener = std::move(listener);
  // Detached: the worker owns a reference to the state and ends by itself
  // after stop(), once a lookup in progress returns.
  std::thread([state = state_] { state->run(); }).detach();
}

void DnsResolver::stop() {
  if (state_ == nullptr || state_->stopped.exchange(true)) return;
  {
    std::lock_guard<std::mutex> lock(state_->mutex);
    state_->wake.notify_all();
  }
  // Here, in the caller's loop, rather than in whichever thread drops the
  // state last (possibly the worker).
  state_->listener = nullptr;
}

}  // namespace muduo::rpc::naming
