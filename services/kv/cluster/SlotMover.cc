#include "services/kv/cluster/SlotMover.h"

#include <thread>

#include "absl/strings/str_cat.h"
#include "muduo/base/Logging.h"

namespace muduo::kv::cluster {
namespace {

using Clock = std::chrono::steady_clock;

std::chrono::microseconds since(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start);
}

absl::Status annotate(const absl::Status& s, std::string_view what) {
  if (s.ok()) return s;
  return absl::Status(s.code(), absl::StrCat(std::string(what), ": ", s.message()));
}

}  // namespace

SlotMover::SlotMover(net::EventLoop* loop, MapPublisher* publisher, Options options)
    : publisher_(publisher), options_(options), nodes_(loop, options.callTimeout) {}

SlotMover::~SlotMover() = default;

absl::StatusOr<KvClusterAdmin::Stub*> SlotMover::admin(const std::string& address) {
  absl::StatusOr<NodeChannel*> node = nodes_.get(address);
  if (!node.ok()) return node.status();
  return &(*node)->admin;
}

absl::Status SlotMover::clear(KvClusterAdmin::Stub* node, int first, int last, uint64_t* deleted) {
  SlotEntriesRequest request;
  request.set_slot(static_cast<uint32_t>(first));
  request.set_last_slot(static_cast<uint32_t>(last));
  for (;;) {
    DeleteSlotResponse response;
    if (absl::Status s = node->DeleteSlot(request, &response); !s.ok()) return s;
    *deleted += response.deleted();
    if (response.next_start().empty()) return absl::OkStatus();
    request.set_start(response.next_start());
  }
}

absl::Status SlotMover::copy(KvClusterAdmin::Stub* source, KvClusterAdmin::Stub* target, int first,
                             int last, Result* result) {
  SlotEntriesRequest request;
  request.set_slot(static_cast<uint32_t>(first));
  request.set_last_slot(static_cast<uint32_t>(last));
  request.set_limit(options_.pageEntries);
  for (;;) {
    SlotEntriesResponse page;
    if (absl::Status s = source->SlotEntries(request, &page); !s.ok()) {
      return annotate(s, "reading the slots from the source");
    }
    result->scanned += page.keys_scanned();
    if (page.entries_size() > 0) {
      ImportRequest import;
      import.set_slot(static_cast<uint32_t>(first));
      import.set_last_slot(static_cast<uint32_t>(last));
      for (SlotEntry& e : *page.mutable_entries()) {
        result->bytes += e.key().size() + e.value().size();
        *import.add_entries() = std::move(e);
      }
      result->keys += static_cast<uint64_t>(import.entries_size());
      ImportResponse imported;
      if (absl::Status s = target->Import(import, &imported); !s.ok()) {
        return annotate(s, "writing the slots to the target");
      }
    }
    if (page.next_start().empty()) return absl::OkStatus();
    request.set_start(page.next_start());
  }
}

absl::StatusOr<SlotMover::Result> SlotMover::move(int first, int last,
                                                  const std::string& targetId) {
  const Clock::time_point started = Clock::now();
  if (first < 0 || last < first || last >= kSlotCount) {
    return absl::InvalidArgumentError(absl::StrCat("bad slot range ", first, "-", last));
  }
  absl::StatusOr<SlotMap> current = publisher_->current();
  if (!current.ok()) return annotate(current.status(), "reading the slot map");
  const int target = current->findNode(targetId);
  if (target < 0) {
    return absl::InvalidArgumentError(absl::StrCat("no node '", targetId, "' in the slot map"));
  }
  const int source = current->ownerIndex(first);
  for (int slot = first; slot <= last; ++slot) {
    if (current->ownerIndex(slot) != source || source < 0) {
      return absl::FailedPreconditionError(absl::StrCat(
          "slots ", first, "-", last, " are not all served by one node (slot ", slot, ")"));
    }
  }
  if (source == target) {
    return absl::FailedPreconditionError(
        absl::StrCat("slots ", first, "-", last, " are already served by ", targetId));
  }
  const SlotMap::Node& sourceNode = current->nodes()[static_cast<size_t>(source)];
  const SlotMap::Node& targetNode = current->nodes()[static_cast<size_t>(target)];
  absl::StatusOr<KvClusterAdmin::Stub*> from = admin(sourceNode.rpcAddress);
  if (!from.ok()) return from.status();
  absl::StatusOr<KvClusterAdmin::Stub*> to = admin(targetNode.rpcAddress);
  if (!to.ok()) return to.status();

  Result result;
  uint64_t stale = 0;
  if (absl::Status s = clear(*to, first, last, &stale); !s.ok()) {
    return annotate(s, "clearing the slots on the target");
  }
  if (stale > 0) LOG_INFO << "SlotMover: cleared " << stale << " stale keys on " << targetId;

  SlotRequest slots;
  slots.set_slot(static_cast<uint32_t>(first));
  slots.set_last_slot(static_cast<uint32_t>(last));
  SlotResponse ignored;
  const Clock::time_point blocked = Clock::now();
  if (absl::Status s = (*from)->BlockSlot(slots, &ignored); !s.ok()) {
    return annotate(s, "blocking writes on the source");
  }
  absl::Status copied = copy(*from, *to, first, last, &result);
  HandOffRequest handOff;
  handOff.set_slot(static_cast<uint32_t>(first));
  handOff.set_last_slot(static_cast<uint32_t>(last));
  handOff.set_node(targetId);
  if (copied.ok()) copied = annotate((*from)->HandOffSlot(handOff, &ignored), "handing off");
  if (!copied.ok()) {
    // Nothing changed: the source still has every key. Let it take writes.
    absl::Status unblocked = (*from)->UnblockSlot(slots, &ignored);
    if (!unblocked.ok()) {
      LOG_ERROR << "SlotMover: could not unblock slots " << first << "-" << last << " on "
                << sourceNode.id << " (" << unblocked.ToString()
                << "); they take writes again once it restarts";
    }
    return copied;
  }

  SlotMap next = *current;
  next.setEpoch(current->epoch() + 1);
  next.assign(first, last, target);
  if (absl::Status s = publisher_->publish(*current, next); !s.ok()) {
    LOG_ERROR << "SlotMover: slots " << first << "-" << last << " are handed off from "
              << sourceNode.id << " to " << targetId
              << " but the new map was not published; run the move again: " << s.ToString();
    return annotate(s, "publishing the new map (slots handed off; run the move again)");
  }
  result.blocked = since(blocked);
  result.epoch = next.epoch();

  // The source deletes only once its own map says the slots are gone.
  const Clock::time_point deadline = Clock::now() + options_.deleteWait;
  for (;;) {
    absl::Status s = clear(*from, first, last, &result.deleted);
    if (s.ok()) break;
    if (s.code() != absl::StatusCode::kFailedPrecondition || Clock::now() > deadline) {
      LOG_WARN << "SlotMover: the moved keys stay on " << sourceNode.id
               << " (unreachable: it no longer serves the slots): " << s.ToString();
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  result.total = since(started);
  return result;
}

absl::StatusOr<SlotMap> DirectPublisher::current() {
  absl::StatusOr<KvClusterAdmin::Stub*> seed = mover_->admin(seed_);
  if (!seed.ok()) return seed.status();
  GetSlotMapResponse response;
  if (absl::Status s = (*seed)->GetSlotMap(GetSlotMapRequest(), &response); !s.ok()) {
    return annotate(s, seed_);
  }
  return SlotMap::parse(response.map());
}

absl::Status DirectPublisher::publish(const SlotMap& current, const SlotMap& next) {
  SetSlotMapRequest request;
  request.set_map(next.serialize());
  // Nodes that gain slots first: they must serve them before anyone else
  // sends clients their way.
  std::vector<const SlotMap::Node*> order;
  for (size_t i = 0; i < next.nodes().size(); ++i) {
    const int before = current.findNode(next.nodes()[i].id);
    const bool gains = before < 0 || next.slotsOf(static_cast<int>(i)) > current.slotsOf(before);
    if (gains)
      order.insert(order.begin(), &next.nodes()[i]);
    else
      order.push_back(&next.nodes()[i]);
  }
  absl::Status first;
  for (const SlotMap::Node* node : order) {
    absl::StatusOr<KvClusterAdmin::Stub*> stub = mover_->admin(node->rpcAddress);
    SetSlotMapResponse response;
    absl::Status s = stub.ok() ? (*stub)->SetSlotMap(request, &response) : stub.status();
    if (!s.ok()) {
      LOG_WARN << "DirectPublisher: node " << node->id << " did not take map epoch " << next.epoch()
               << ": " << s.ToString();
      if (first.ok() && node == order.front()) first = annotate(s, node->id);
    }
  }
  return first;
}

}  // namespace muduo::kv::cluster
