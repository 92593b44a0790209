#include "services/kv/cluster/KvClusterClient.h"

#include <algorithm>
#include <future>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "muduo/base/Logging.h"
#include "muduo/net/EventLoop.h"
#include "muduo/net/HostPort.h"
#include "rpc/cluster/ClusterChannel.h"
#include "rpc/naming/ListResolver.h"
#include "services/kv/cluster/ClusterState.h"
#include "services/kv/cluster/KeySlot.h"
#include "services/kv/cluster/kv_cluster.rpc.h"

namespace muduo::kv::cluster {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::chrono::milliseconds kFirstBackoff{5};
constexpr std::chrono::milliseconds kMaxBackoff{100};

rpc::cluster::ClusterChannel::Options channelOptions(std::chrono::milliseconds timeout) {
  rpc::cluster::ClusterChannel::Options options;
  options.channel.defaultTimeout = timeout;
  return options;
}

// The cluster channel over a list this client keeps; *resolver stays valid
// while the channel lives.
std::unique_ptr<rpc::cluster::ClusterChannel> makeChannel(net::EventLoop* loop,
                                                          std::chrono::milliseconds timeout,
                                                          rpc::naming::ListResolver** resolver) {
  auto list = std::make_unique<rpc::naming::ListResolver>(rpc::naming::EndpointList());
  *resolver = list.get();
  return std::make_unique<rpc::cluster::ClusterChannel>(loop, std::move(list),
                                                        channelOptions(timeout), "kv cluster");
}

}  // namespace

template <typename Request, typename Response>
struct KvClusterClient::Call {
  Method<Request, Response> method;
  Request request;
  Done<Response> done;
  int slot = 0;
  Clock::time_point deadline;
  int redirects = 0;
  std::chrono::milliseconds backoff{0};
  absl::Status last;  // the last refusal, for a deadline's message
};

KvClusterClient::KvClusterClient(net::EventLoop* loop, Options options)
    : loop_(loop),
      options_(std::move(options)),
      map_(std::make_shared<const SlotMap>()),
      channel_(makeChannel(loop, options_.timeout, &resolver_)),
      kv_(channel_.get()),
      admin_(channel_.get()) {}

KvClusterClient::~KvClusterClient() {
  // First, while the members its last handlers touch are alive: it finishes
  // in its loop whatever is left (a map refresh in flight, say).
  channel_.reset();
  resolver_ = nullptr;
}

void KvClusterClient::setMap(SlotMap map) {
  {
    MutexLock lock(&mutex_);
    if (map.epoch() <= map_->epoch() && map_->epoch() != 0) return;
    map_ = std::make_shared<const SlotMap>(std::move(map));
    redirects_.clear();
    ++stats_.mapRefreshes;
  }
  loop_->runInLoop([this] { pruneEndpoints(); });
}

std::shared_ptr<const SlotMap> KvClusterClient::map() const {
  MutexLock lock(&mutex_);
  return map_;
}

KvClusterClient::Stats KvClusterClient::stats() const {
  MutexLock lock(&mutex_);
  return stats_;
}

absl::Status KvClusterClient::refreshMap() {
  absl::Status last = absl::InvalidArgumentError("no seed nodes to read the slot map from");
  for (const std::string& seed : options_.seeds) {
    std::promise<absl::StatusOr<std::string>> answer;
    loop_->runInLoop([this, &seed, &answer] {
      rpc::CallOptions options;
      if (!pinTo(seed, &options)) {
        answer.set_value(absl::InvalidArgumentError(absl::StrCat("bad seed address ", seed)));
        return;
      }
      options.timeout = options_.timeout;
      admin_.AsyncGetSlotMap(
          GetSlotMapRequest(),
          [&answer](absl::Status s, GetSlotMapResponse* r) {
            answer.set_value(s.ok() ? absl::StatusOr<std::string>(r->map())
                                    : absl::StatusOr<std::string>(s));
          },
          options);
    });
    absl::StatusOr<std::string> text = answer.get_future().get();
    if (!text.ok()) {
      last = text.status();
      continue;
    }
    absl::StatusOr<SlotMap> map = SlotMap::parse(*text);
    if (!map.ok()) return map.status();
    setMap(std::move(*map));
    return absl::OkStatus();
  }
  return last;
}

bool KvClusterClient::pinTo(const std::string& address, rpc::CallOptions* options) {
  auto it = endpoints_.find(address);
  if (it == endpoints_.end()) {
    absl::StatusOr<net::InetAddress> resolved = net::HostPort::resolve(address);
    if (!resolved.ok()) {
      LOG_WARN << "KvClusterClient: node address " << address << ": "
               << resolved.status().ToString();
      return false;
    }
    it = endpoints_.emplace(address, std::make_pair(resolved->toIpPort(), *resolved)).first;
    // The channel has the new endpoint before this returns.
    pushEndpoints();
  }
  options->endpoint = it->second.first;
  return true;
}

void KvClusterClient::pruneEndpoints() {
  absl::flat_hash_set<std::string> keep(options_.seeds.begin(), options_.seeds.end());
  {
    MutexLock lock(&mutex_);
    for (const SlotMap::Node& node : map_->nodes()) keep.insert(node.rpcAddress);
    for (const auto& [slot, address] : redirects_) keep.insert(address);
  }
  const size_t before = endpoints_.size();
  for (auto it = endpoints_.begin(); it != endpoints_.end();) {
    if (keep.contains(it->first)) {
      ++it;
    } else {
      endpoints_.erase(it++);
    }
  }
  if (endpoints_.size() != before) pushEndpoints();
}

void KvClusterClient::pushEndpoints() {
  if (resolver_ == nullptr) return;  // closing
  rpc::naming::EndpointList list;
  for (const auto& [address, endpoint] : endpoints_) {
    list.push_back(rpc::naming::Endpoint{endpoint.second, 1, {}});
  }
  resolver_->update(std::move(list));
}

std::string KvClusterClient::addressFor(int slot) const {
  MutexLock lock(&mutex_);
  if (auto it = redirects_.find(slot); it != redirects_.end()) return it->second;
  const SlotMap::Node* node = map_->owner(slot);
  return node != nullptr ? node->rpcAddress : std::string();
}

void KvClusterClient::refreshFrom(const std::string& address) {
  if (refreshing_) return;
  rpc::CallOptions options;
  if (!pinTo(address, &options)) return;
  refreshing_ = true;
  options.timeout = options_.timeout;
  admin_.AsyncGetSlotMap(
      GetSlotMapRequest(),
      [this](absl::Status s, GetSlotMapResponse* r) {
        refreshing_ = false;
        if (!s.ok()) return;
        absl::StatusOr<SlotMap> map = SlotMap::parse(r->map());
        if (map.ok()) setMap(std::move(*map));
      },
      options);
}

template <typename Request, typename Response>
void KvClusterClient::start(Method<Request, Response> method, const Request& request,
                            Done<Response> done) {
  auto call = std::make_shared<Call<Request, Response>>();
  call->method = method;
  call->request = request;
  call->done = std::move(done);
  call->slot = keySlot(request.key());
  call->deadline = Clock::now() + options_.timeout;
  {
    MutexLock lock(&mutex_);
    ++stats_.calls;
  }
  loop_->runInLoop([this, call] { attempt(call); });
}

template <typename Request, typename Response>
void KvClusterClient::attempt(std::shared_ptr<Call<Request, Response>> call) {
  const auto remaining =
      std::chrono::duration_cast<std::chrono::microseconds>(call->deadline - Clock::now());
  if (remaining.count() <= 0) {
    std::move(call->done)(
        absl::DeadlineExceededError(absl::StrCat("KvClusterClient: the deadline passed while "
                                                 "following the cluster's answers; the last: ",
                                                 call->last.ToString())),
        nullptr);
    return;
  }
  const std::string address = addressFor(call->slot);
  rpc::CallOptions options;
  if (address.empty() || !pinTo(address, &options)) {
    std::move(call->done)(absl::UnavailableError(absl::StrCat(
                              "CLUSTERDOWN no node serves slot ", call->slot,
                              " in the client's slot map (epoch ", map()->epoch(), ")")),
                          nullptr);
    return;
  }
  options.timeout = remaining;
  (kv_.*(call->method))(
      call->request,
      [this, call](absl::Status s, Response* response) mutable {
        if (s.ok()) {
          std::move(call->done)(s, response);
          return;
        }
        int slot = 0;
        std::string to;
        if (ClusterState::parseMoved(s, &slot, &to)) {
          if (++call->redirects > options_.maxRedirects) {
            std::move(call->done)(s, response);
            return;
          }
          {
            MutexLock lock(&mutex_);
            redirects_[slot] = to;
            ++stats_.redirects;
          }
          refreshFrom(to);
          call->last = s;
          // Two nodes sending a call back and forth are mid hand-off: the
          // new map is on its way to the target. Wait a little.
          if (call->redirects <= 2) {
            attempt(call);
          } else {
            loop_->runAfter(kFirstBackoff, [this, call] { attempt(call); });
          }
          return;
        }
        if (ClusterState::isTryAgain(s)) {
          {
            MutexLock lock(&mutex_);
            ++stats_.tryAgains;
          }
          call->last = s;
          call->backoff = std::min(kMaxBackoff, std::max(kFirstBackoff, call->backoff * 2));
          loop_->runAfter(call->backoff, [this, call] { attempt(call); });
          return;
        }
        std::move(call->done)(s, response);
      },
      options);
}

template <typename Request, typename Response>
absl::Status KvClusterClient::blocking(Method<Request, Response> method, const Request& request,
                                       Response* response) {
  std::promise<absl::Status> result;
  start<Request, Response>(method, request, [&result, response](absl::Status s, Response* r) {
    if (s.ok() && r != nullptr) *response = std::move(*r);
    result.set_value(s);
  });
  return result.get_future().get();
}

void KvClusterClient::get(const GetRequest& request, Done<GetResponse> done) {
  start<GetRequest, GetResponse>(&KvService::Stub::AsyncGet, request, std::move(done));
}
void KvClusterClient::put(const PutRequest& request, Done<PutResponse> done) {
  start<PutRequest, PutResponse>(&KvService::Stub::AsyncPut, request, std::move(done));
}
void KvClusterClient::remove(const DeleteRequest& request, Done<DeleteResponse> done) {
  start<DeleteRequest, DeleteResponse>(&KvService::Stub::AsyncDelete, request, std::move(done));
}
void KvClusterClient::compareAndSet(const CompareAndSetRequest& request,
                                    Done<CompareAndSetResponse> done) {
  start<CompareAndSetRequest, CompareAndSetResponse>(&KvService::Stub::AsyncCompareAndSet, request,
                                                     std::move(done));
}
void KvClusterClient::expire(const ExpireRequest& request, Done<ExpireResponse> done) {
  start<ExpireRequest, ExpireResponse>(&KvService::Stub::AsyncExpire, request, std::move(done));
}

absl::Status KvClusterClient::get(const GetRequest& request, GetResponse* response) {
  return blocking<GetRequest, GetResponse>(&KvService::Stub::AsyncGet, request, response);
}
absl::Status KvClusterClient::put(const PutRequest& request, PutResponse* response) {
  return blocking<PutRequest, PutResponse>(&KvService::Stub::AsyncPut, request, response);
}
absl::Status KvClusterClient::remove(const DeleteRequest& request, DeleteResponse* response) {
  return blocking<DeleteRequest, DeleteResponse>(&KvService::Stub::AsyncDelete, request, response);
}
absl::Status KvClusterClient::compareAndSet(const CompareAndSetRequest& request,
                                            CompareAndSetResponse* response) {
  return blocking<CompareAndSetRequest, CompareAndSetResponse>(&KvService::Stub::AsyncCompareAndSet,
                                                               request, response);
}
absl::Status KvClusterClient::expire(const ExpireRequest& request, ExpireResponse* response) {
  return blocking<ExpireRequest, ExpireResponse>(&KvService::Stub::AsyncExpire, request, response);
}

absl::Status KvClusterClient::scan(const std::string& prefix, size_t limit,
                                   std::vector<KeyValue>* out) {
  const std::shared_ptr<const SlotMap> map = this->map();
  std::vector<KeyValue> all;
  for (size_t n = 0; n < map->nodes().size(); ++n) {
    const SlotMap::Node& node = map->nodes()[n];
    std::string start;
    size_t nodeEntries = 0;
    for (;;) {
      ScanRequest request;
      request.set_prefix(prefix);
      request.set_start(start);
      std::promise<absl::StatusOr<ScanResponse>> answer;
      loop_->runInLoop([&] {
        rpc::CallOptions options;
        if (!pinTo(node.rpcAddress, &options)) {
          answer.set_value(absl::InvalidArgumentError("bad node address " + node.rpcAddress));
          return;
        }
        options.timeout = options_.timeout;
        kv_.AsyncScan(
            request,
            [&answer](absl::Status s, ScanResponse* r) {
              answer.set_value(s.ok() ? absl::StatusOr<ScanResponse>(std::move(*r))
                                      : absl::StatusOr<ScanResponse>(s));
            },
            options);
      });
      absl::StatusOr<ScanResponse> page = answer.get_future().get();
      if (!page.ok()) {
        return absl::Status(page.status().code(),
                            absl::StrCat("scan of node ", node.id, ": ", page.status().message()));
      }
      if (!page->entries().empty()) {
        start = page->entries(page->entries_size() - 1).key() + std::string(1, '\0');
      }
      size_t taken = 0;
      for (KeyValue& kv : *page->mutable_entries()) {
        if (map->ownerIndex(keySlot(kv.key())) != static_cast<int>(n)) continue;
        all.push_back(std::move(kv));
        ++taken;
      }
      nodeEntries += taken;
      // The first `limit` keys overall are among each node's first `limit`.
      if (!page->more() || page->entries().empty() || (limit != 0 && nodeEntries >= limit)) break;
    }
  }
  std::sort(all.begin(), all.end(),
            [](const KeyValue& a, const KeyValue& b) { return a.key() < b.key(); });
  if (limit != 0 && all.size() > limit) all.resize(limit);
  *out = std::move(all);
  return absl::OkStatus();
}

}  // namespace muduo::kv::cluster
