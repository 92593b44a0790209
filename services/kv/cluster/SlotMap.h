// SlotMap: which node serves each of the 16384 slots (KeySlot.h), and the
// epoch of that assignment. A value type: the cluster's nodes keep one, the
// admin tool builds the next one, clients cache one and replace it when a
// redirect says it is stale. A slot may be unassigned (no node serves it).
//
// Its text form, one item a line, is what ZooKeeper and --cluster_slots
// hold and what /status and `kv_admin show` print:
//
//   epoch 7
//   node n1 127.0.0.1:9091 127.0.0.1:6381
//   node n2 127.0.0.1:9092 127.0.0.1:6382
//   slots 0-8191 n1
//   slots 8192-16383 n2
//
// A node line gives its id (letters, digits, '-', '_', '.'), its MRPC
// address and its RESP address ("-" if it has none). A slots line gives an
// inclusive range and the node serving it. On the command line ';' may
// separate the lines instead of newlines.
//
// Thread safety: a value; const methods may run concurrently.
#ifndef SERVICES_KV_CLUSTER_SLOTMAP_H_
#define SERVICES_KV_CLUSTER_SLOTMAP_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "services/kv/cluster/KeySlot.h"

namespace muduo::kv::cluster {

class SlotMap {
 public:
  struct Node {
    std::string id;
    std::string rpcAddress;   // host:port of its MRPC port
    std::string respAddress;  // host:port of its RESP port; empty if none

    friend bool operator==(const Node&, const Node&) = default;
  };

  // A run of consecutive slots served by one node (for CLUSTER SLOTS).
  struct Range {
    int first = 0;
    int last = 0;  // inclusive
    int node = 0;  // index into nodes()
  };

  SlotMap() { owner_.fill(kUnassigned); }

  // INVALID_ARGUMENT naming the line for anything malformed: an unknown
  // item, a bad range, a slot given twice, a node that is not declared.
  [[nodiscard]] static absl::StatusOr<SlotMap> parse(std::string_view text);
  [[nodiscard]] std::string serialize() const;

  [[nodiscard]] uint64_t epoch() const { return epoch_; }
  void setEpoch(uint64_t epoch) { epoch_ = epoch; }

  [[nodiscard]] const std::vector<Node>& nodes() const { return nodes_; }
  // The index of the node with this id, or -1.
  [[nodiscard]] int findNode(std::string_view id) const;
  // Adds a node (or replaces the addresses of one with the same id);
  // returns its index.
  int addNode(Node node);

  // The node serving `slot`, or nullptr when it is unassigned.
  [[nodiscard]] const Node* owner(int slot) const {
    const int16_t index = owner_[static_cast<size_t>(slot)];
    return index == kUnassigned ? nullptr : &nodes_[static_cast<size_t>(index)];
  }
  [[nodiscard]] int ownerIndex(int slot) const { return owner_[static_cast<size_t>(slot)]; }
  // `node` < 0 unassigns.
  void assign(int first, int last, int node);
  // Splits the slots into `nodes().size()` contiguous, nearly equal runs.
  void assignEvenly();

  [[nodiscard]] std::vector<Range> ranges() const;
  [[nodiscard]] int slotsOf(int node) const;

  friend bool operator==(const SlotMap&, const SlotMap&) = default;

 private:
  static constexpr int16_t kUnassigned = -1;

  uint64_t epoch_ = 0;
  std::vector<Node> nodes_;
  std::array<int16_t, kSlotCount> owner_;
};

// "first-last" or "n" as an inclusive range of slots; false if malformed or
// out of [0, kSlotCount).
[[nodiscard]] bool parseSlotRange(std::string_view text, int* first, int* last);

}  // namespace muduo::kv::cluster

#endif  // SERVICES_KV_CLUSTER_SLOTMAP_H_
