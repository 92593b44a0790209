#include "services/kv/cluster/ClusterAdminServiceImpl.h"

#include <atomic>
#include <memory>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "muduo/base/Logging.h"
#include "muduo/net/EventLoop.h"
#include "services/kv/Store.h"
#include "services/kv/cluster/ClusterState.h"
#include "services/kv/cluster/KeySlot.h"

namespace muduo::kv::cluster {
namespace {

struct SlotRange {
  int first = 0;
  int last = 0;
  [[nodiscard]] bool contains(int slot) const { return slot >= first && slot <= last; }
};

absl::Status toRange(uint32_t slot, uint32_t lastSlot, SlotRange* range) {
  const uint32_t last = lastSlot < slot ? slot : lastSlot;
  if (last >= static_cast<uint32_t>(kSlotCount)) {
    return absl::InvalidArgumentError(
        absl::StrCat("slot ", last, " is out of range 0-", kSlotCount - 1));
  }
  range->first = static_cast<int>(slot);
  range->last = static_cast<int>(last);
  return absl::OkStatus();
}

// The keys of `range` from `start` on, up to `limit` of them, looking at no
// more than kMaxScannedPerPage keys. Returns where the next page starts
// (empty when no key is left).
std::string slotKeys(const Store& store, const SlotRange& range, const std::string& start,
                     size_t limit, std::vector<std::string>* keys, uint64_t* scanned) {
  constexpr size_t kChunk = 1024;
  std::optional<std::string> cursor = start;
  while (cursor && *scanned < ClusterAdminServiceImpl::kMaxScannedPerPage && keys->size() < limit) {
    cursor = store.keysFrom(*cursor, kChunk, [&](std::string_view key) {
      ++*scanned;
      if (range.contains(keySlot(key))) keys->emplace_back(key);
    });
  }
  if (keys->size() > limit) {
    // The last chunk went past the page: the next one starts at the first
    // key left out.
    cursor = std::move((*keys)[limit]);
    keys->resize(limit);
  }
  return cursor.value_or("");
}

// A block's wait for the writes admitted before it: two rounds of a functor
// through every I/O loop, then an empty batch through the store.
class WriteBarrier : public std::enable_shared_from_this<WriteBarrier> {
 public:
  WriteBarrier(Store* store, std::vector<net::EventLoop*> loops, rpc::DoneCallback done)
      : store_(store), loops_(std::move(loops)), done_(std::move(done)) {}

  void start() { round(); }

 private:
  void round() {
    if (rounds_ == 2 || loops_.empty()) {
      store_->write(WriteBatch(), [self = shared_from_this()](absl::Status status, WriteBatch&) {
        std::move(self->done_)(status);
      });
      return;
    }
    ++rounds_;
    pending_.store(static_cast<int>(loops_.size()));
    for (net::EventLoop* loop : loops_) {
      loop->queueInLoop([self = shared_from_this()] {
        if (self->pending_.fetch_sub(1) == 1) self->round();
      });
    }
  }

  Store* const store_;
  const std::vector<net::EventLoop*> loops_;
  rpc::DoneCallback done_;
  int rounds_ = 0;  // touched by one thread at a time: the last of a round's functors
  std::atomic<int> pending_{0};
};

}  // namespace

void ClusterAdminServiceImpl::GetSlotMap(rpc::ServerContext*, const GetSlotMapRequest*,
                                         GetSlotMapResponse* response, rpc::DoneCallback done) {
  const std::shared_ptr<const SlotMap> map = cluster_->map();
  response->set_node_id(cluster_->selfId());
  response->set_map(map->serialize());
  response->set_epoch(map->epoch());
  std::move(done)(absl::OkStatus());
}

void ClusterAdminServiceImpl::SetSlotMap(rpc::ServerContext*, const SetSlotMapRequest* request,
                                         SetSlotMapResponse* response, rpc::DoneCallback done) {
  absl::StatusOr<SlotMap> map = SlotMap::parse(request->map());
  if (!map.ok()) {
    std::move(done)(map.status());
    return;
  }
  absl::Status status = cluster_->setMap(std::move(*map));
  response->set_epoch(cluster_->epoch());
  std::move(done)(status);
}

void ClusterAdminServiceImpl::BlockSlot(rpc::ServerContext*, const SlotRequest* request,
                                        SlotResponse*, rpc::DoneCallback done) {
  SlotRange range;
  absl::Status status = toRange(request->slot(), request->last_slot(), &range);
  for (int slot = range.first; status.ok() && slot <= range.last; ++slot) {
    status = cluster_->blockWrites(slot);
    if (!status.ok()) {
      for (int s = range.first; s < slot; ++s) cluster_->unblockWrites(s);
    }
  }
  if (!status.ok()) {
    std::move(done)(status);
    return;
  }
  LOG_INFO << "cluster: writes to slots " << range.first << "-" << range.last
           << " blocked for a move";
  std::make_shared<WriteBarrier>(store_, ioLoops_(), std::move(done))->start();
}

void ClusterAdminServiceImpl::UnblockSlot(rpc::ServerContext*, const SlotRequest* request,
                                          SlotResponse*, rpc::DoneCallback done) {
  SlotRange range;
  absl::Status status = toRange(request->slot(), request->last_slot(), &range);
  if (status.ok()) {
    for (int slot = range.first; slot <= range.last; ++slot) cluster_->unblockWrites(slot);
    LOG_INFO << "cluster: writes to slots " << range.first << "-" << range.last
             << " unblocked (move abandoned)";
  }
  std::move(done)(status);
}

void ClusterAdminServiceImpl::HandOffSlot(rpc::ServerContext*, const HandOffRequest* request,
                                          SlotResponse*, rpc::DoneCallback done) {
  SlotRange range;
  absl::Status status = toRange(request->slot(), request->last_slot(), &range);
  // All or nothing: every slot must be blocked first.
  for (int slot = range.first; status.ok() && slot <= range.last; ++slot) {
    if (!cluster_->writesBlocked(slot)) {
      status = absl::FailedPreconditionError(
          absl::StrCat("slot ", slot, " is not blocked on node ", cluster_->selfId()));
    }
  }
  for (int slot = range.first; status.ok() && slot <= range.last; ++slot) {
    status = cluster_->handOff(slot, request->node());
  }
  if (status.ok()) {
    LOG_INFO << "cluster: slots " << range.first << "-" << range.last << " handed off to "
             << request->node();
  }
  std::move(done)(status);
}

void ClusterAdminServiceImpl::SlotEntries(rpc::ServerContext*, const SlotEntriesRequest* request,
                                          SlotEntriesResponse* response, rpc::DoneCallback done) {
  SlotRange range;
  if (absl::Status s = toRange(request->slot(), request->last_slot(), &range); !s.ok()) {
    std::move(done)(s);
    return;
  }
  const size_t limit = request->limit() == 0 ? kDefaultPageEntries : request->limit();
  std::vector<std::string> keys;
  uint64_t scanned = 0;
  std::string next = slotKeys(*store_, range, request->start(), limit, &keys, &scanned);
  size_t bytes = 0;
  for (size_t i = 0; i < keys.size(); ++i) {
    if (bytes >= kMaxPageBytes) {
      next = std::move(keys[i]);
      break;
    }
    SlotEntry entry;
    // A key that expired since it was listed is simply left out.
    if (!store_->read(keys[i],
                      [&entry](std::string_view v) { entry.set_value(v.data(), v.size()); })) {
      continue;
    }
    entry.set_expire_at_ms(store_->expireAt(keys[i]).value_or(0));
    bytes += keys[i].size() + entry.value().size();
    entry.set_key(std::move(keys[i]));
    *response->add_entries() = std::move(entry);
  }
  response->set_next_start(std::move(next));
  response->set_keys_scanned(scanned);
  std::move(done)(absl::OkStatus());
}

void ClusterAdminServiceImpl::Import(rpc::ServerContext*, const ImportRequest* request,
                                     ImportResponse*, rpc::DoneCallback done) {
  SlotRange range;
  absl::Status status = toRange(request->slot(), request->last_slot(), &range);
  for (int slot = range.first; status.ok() && slot <= range.last; ++slot) {
    if (cluster_->owns(slot)) {
      status = absl::FailedPreconditionError(absl::StrCat(
          "node ", cluster_->selfId(), " serves slot ", slot, ": a copy would overwrite it"));
    }
  }
  WriteBatch batch;
  for (const SlotEntry& e : request->entries()) {
    if (!status.ok()) break;
    if (!range.contains(keySlot(e.key()))) {
      status = absl::InvalidArgumentError(absl::StrCat(
          "a key of slot ", keySlot(e.key()), " is not in slots ", range.first, "-", range.last));
      break;
    }
    batch.put(e.key(), e.value()).expireAt = e.expire_at_ms();
  }
  if (!status.ok()) {
    std::move(done)(status);
    return;
  }
  store_->write(std::move(batch), [done = std::move(done)](absl::Status s, WriteBatch&) mutable {
    std::move(done)(s);
  });
}

void ClusterAdminServiceImpl::DeleteSlot(rpc::ServerContext*, const SlotEntriesRequest* request,
                                         DeleteSlotResponse* response, rpc::DoneCallback done) {
  SlotRange range;
  absl::Status status = toRange(request->slot(), request->last_slot(), &range);
  for (int slot = range.first; status.ok() && slot <= range.last; ++slot) {
    if (cluster_->owns(slot)) {
      status = absl::FailedPreconditionError(
          absl::StrCat("node ", cluster_->selfId(), " still serves slot ", slot));
    }
  }
  if (!status.ok()) {
    std::move(done)(status);
    return;
  }
  const size_t limit = request->limit() == 0 ? 10 * kDefaultPageEntries : request->limit();
  std::vector<std::string> keys;
  uint64_t scanned = 0;
  response->set_next_start(slotKeys(*store_, range, request->start(), limit, &keys, &scanned));
  WriteBatch batch;
  for (std::string& key : keys) batch.remove(std::move(key));
  store_->write(std::move(batch),
                [response, done = std::move(done)](absl::Status s, WriteBatch& b) mutable {
                  uint64_t deleted = 0;
                  for (const WriteOp& op : b.ops()) deleted += op.existed ? 1 : 0;
                  response->set_deleted(deleted);
                  std::move(done)(s);
                });
}

}  // namespace muduo::kv::cluster
