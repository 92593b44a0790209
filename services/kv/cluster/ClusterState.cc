#include "services/kv/cluster/ClusterState.h"

#include <charconv>

#include "absl/strings/str_cat.h"
#include "muduo/base/Logging.h"

namespace muduo::kv::cluster {
namespace {

constexpr std::string_view kMovedPrefix = "MOVED ";
constexpr std::string_view kTryAgainPrefix = "TRYAGAIN ";

}  // namespace

ClusterState::ClusterState(std::string selfId)
    : selfId_(std::move(selfId)), map_(std::make_shared<const SlotMap>()) {
  for (auto& s : states_) s.store(SlotState::kNotOurs, std::memory_order_relaxed);
}

absl::Status ClusterState::setMap(SlotMap map) {
  MutexLock lock(&mutex_);
  if (map.epoch() < map_->epoch() ||
      (map.epoch() == map_->epoch() && !(map == *map_) && map_->epoch() != 0)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "slot map epoch ", map.epoch(), " is not newer than the current ", map_->epoch()));
  }
  const int self = map.findNode(selfId_);
  int gained = 0;
  int lost = 0;
  for (int slot = 0; slot < kSlotCount; ++slot) {
    const bool ours = self >= 0 && map.ownerIndex(slot) == self;
    const SlotState old = state(slot);
    if (!ours) {
      if (old != SlotState::kNotOurs) ++lost;
      handedOffTo_.erase(slot);
      states_[static_cast<size_t>(slot)].store(SlotState::kNotOurs);
    } else if (old == SlotState::kNotOurs) {
      ++gained;
      states_[static_cast<size_t>(slot)].store(SlotState::kOurs);
    }
    // A slot still ours keeps its block or hand-off: this map is another
    // move's, or was written before ours finished.
  }
  LOG_INFO << "cluster: slot map epoch " << map.epoch() << " installed; node " << selfId_
           << " gained " << gained << " slots, lost " << lost << ", serves "
           << (self >= 0 ? map.slotsOf(self) : 0);
  map_ = std::make_shared<const SlotMap>(std::move(map));
  return absl::OkStatus();
}

std::shared_ptr<const SlotMap> ClusterState::map() const {
  MutexLock lock(&mutex_);
  return map_;
}

uint64_t ClusterState::epoch() const { return map()->epoch(); }

ClusterState::Admission ClusterState::admitSlot(int slot, bool write, Protocol protocol) const {
  Admission a;
  a.slot = slot;
  SlotState s = state(slot);
  if (s == SlotState::kOurs || (s == SlotState::kBlocked && !write)) return a;
  if (s == SlotState::kBlocked) {
    a.kind = Admission::Kind::kTryAgain;
    return a;
  }
  // The slow path: somebody else's (or being handed to somebody else).
  MutexLock lock(&mutex_);
  // Again, under the lock: a new map may have been installed while we
  // waited for it (setMap holds it throughout), and a hand-off read before
  // would then have no target left.
  s = state(slot);
  if (s == SlotState::kOurs || (s == SlotState::kBlocked && !write)) return a;
  if (s == SlotState::kBlocked) {
    a.kind = Admission::Kind::kTryAgain;
    return a;
  }
  const SlotMap::Node* node = nullptr;
  if (s == SlotState::kHandedOff) {
    auto it = handedOffTo_.find(slot);
    if (it != handedOffTo_.end()) {
      const int index = map_->findNode(it->second);
      if (index >= 0) node = &map_->nodes()[static_cast<size_t>(index)];
    }
  } else {
    node = map_->owner(slot);
  }
  const std::string* address = nullptr;
  if (node != nullptr) {
    address = protocol == Protocol::kResp ? &node->respAddress : &node->rpcAddress;
  }
  if (address == nullptr || address->empty()) {
    a.kind = Admission::Kind::kDown;
    return a;
  }
  a.kind = Admission::Kind::kMoved;
  a.address = *address;
  return a;
}

ClusterState::Admission ClusterState::admit(std::string_view key, bool write,
                                            Protocol protocol) const {
  return admitSlot(keySlot(key), write, protocol);
}

ClusterState::Admission ClusterState::admit(std::span<const std::string_view> keys, bool write,
                                            Protocol protocol) const {
  if (keys.empty()) return Admission();
  const int slot = keySlot(keys[0]);
  for (size_t i = 1; i < keys.size(); ++i) {
    if (keySlot(keys[i]) != slot) {
      Admission a;
      a.kind = Admission::Kind::kCrossSlot;
      a.slot = slot;
      return a;
    }
  }
  return admitSlot(slot, write, protocol);
}

absl::Status ClusterState::blockWrites(int slot) {
  MutexLock lock(&mutex_);
  const SlotState s = state(slot);
  if (s == SlotState::kNotOurs || s == SlotState::kHandedOff) {
    return absl::FailedPreconditionError(
        absl::StrCat("node ", selfId_, " does not serve slot ", slot));
  }
  states_[static_cast<size_t>(slot)].store(SlotState::kBlocked);
  return absl::OkStatus();
}

void ClusterState::unblockWrites(int slot) {
  MutexLock lock(&mutex_);
  SlotState expected = SlotState::kBlocked;
  states_[static_cast<size_t>(slot)].compare_exchange_strong(expected, SlotState::kOurs);
}

absl::Status ClusterState::handOff(int slot, std::string_view nodeId) {
  MutexLock lock(&mutex_);
  if (state(slot) != SlotState::kBlocked) {
    return absl::FailedPreconditionError(
        absl::StrCat("slot ", slot, " must be blocked on node ", selfId_, " before a hand-off"));
  }
  if (map_->findNode(nodeId) < 0 || nodeId == selfId_) {
    return absl::InvalidArgumentError(
        absl::StrCat("no other node '", std::string(nodeId), "' in the slot map"));
  }
  handedOffTo_[slot] = std::string(nodeId);
  states_[static_cast<size_t>(slot)].store(SlotState::kHandedOff);
  return absl::OkStatus();
}

std::string ClusterState::respError(const Admission& a) {
  switch (a.kind) {
    case Admission::Kind::kServe:
      return "";
    case Admission::Kind::kMoved:
      return absl::StrCat("MOVED ", a.slot, " ", a.address);
    case Admission::Kind::kTryAgain:
      return absl::StrCat("TRYAGAIN slot ", a.slot, " is being moved; writes resume in a moment");
    case Admission::Kind::kDown:
      return absl::StrCat("CLUSTERDOWN Hash slot ", a.slot, " not served");
    case Admission::Kind::kCrossSlot:
      return "CROSSSLOT Keys in request don't hash to the same slot";
  }
  return "";
}

absl::Status ClusterState::mrpcStatus(const Admission& a) {
  const std::string message = respError(a);
  switch (a.kind) {
    case Admission::Kind::kServe:
      return absl::OkStatus();
    case Admission::Kind::kMoved:
      return absl::FailedPreconditionError(message);
    case Admission::Kind::kTryAgain:
      return absl::AbortedError(message);
    case Admission::Kind::kDown:
      return absl::UnavailableError(message);
    case Admission::Kind::kCrossSlot:
      return absl::InvalidArgumentError(message);
  }
  return absl::OkStatus();
}

bool ClusterState::parseMoved(const absl::Status& status, int* slot, std::string* address) {
  if (status.code() != absl::StatusCode::kFailedPrecondition) return false;
  std::string_view m(status.message().data(), status.message().size());
  if (!m.starts_with(kMovedPrefix)) return false;
  m.remove_prefix(kMovedPrefix.size());
  const size_t space = m.find(' ');
  if (space == std::string_view::npos) return false;
  const auto [end, ec] = std::from_chars(m.data(), m.data() + space, *slot);
  if (ec != std::errc() || end != m.data() + space || *slot < 0 || *slot >= kSlotCount) {
    return false;
  }
  *address = std::string(m.substr(space + 1));
  return !address->empty();
}

bool ClusterState::isTryAgain(const absl::Status& status) {
  return status.code() == absl::StatusCode::kAborted &&
         std::string_view(status.message().data(), status.message().size())
             .starts_with(kTryAgainPrefix);
}

std::string ClusterState::describe() const {
  MutexLock lock(&mutex_);
  std::string out = absl::StrCat("cluster node ", selfId_, "\n");
  const int self = map_->findNode(selfId_);
  absl::StrAppend(&out, "serves ", self >= 0 ? map_->slotsOf(self) : 0, " slots\n");
  for (int slot = 0; slot < kSlotCount; ++slot) {
    const SlotState s = state(slot);
    if (s == SlotState::kBlocked)
      absl::StrAppend(&out, "slot ", slot, " writes blocked (moving)\n");
  }
  for (const auto& [slot, node] : handedOffTo_) {
    absl::StrAppend(&out, "slot ", slot, " handed off to ", node, "\n");
  }
  out += map_->serialize();
  return out;
}

}  // namespace muduo::kv::cluster
