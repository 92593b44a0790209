#include "services/kv/cluster/SlotMap.h"

#include <charconv>

#include "absl/strings/str_cat.h"

namespace muduo::kv::cluster {
namespace {

bool parseInt(std::string_view text, int* value) {
  if (text.empty()) return false;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *value);
  return ec == std::errc() && end == text.data() + text.size();
}

bool validId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (const char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

// host:port with a port in 1..65535 (the host is not resolved here).
bool validAddress(std::string_view address) {
  const size_t colon = address.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  int port = 0;
  return parseInt(address.substr(colon + 1), &port) && port > 0 && port < 65536;
}

std::vector<std::string_view> words(std::string_view line) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
    const size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t' && line[i] != '\r') ++i;
    if (i > start) out.push_back(line.substr(start, i - start));
  }
  return out;
}

}  // namespace

bool parseSlotRange(std::string_view text, int* first, int* last) {
  const size_t dash = text.find('-');
  if (dash == std::string_view::npos) {
    if (!parseInt(text, first)) return false;
    *last = *first;
  } else if (!parseInt(text.substr(0, dash), first) || !parseInt(text.substr(dash + 1), last)) {
    return false;
  }
  return *first >= 0 && *first <= *last && *last < kSlotCount;
}

absl::StatusOr<SlotMap> SlotMap::parse(std::string_view text) {
  SlotMap map;
  bool sawEpoch = false;
  int lineNumber = 0;
  while (!text.empty()) {
    const size_t end = text.find_first_of(";\n");
    const std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    ++lineNumber;
    const std::vector<std::string_view> w = words(line);
    if (w.empty()) continue;
    auto bad = [&](std::string_view why) {
      return absl::InvalidArgumentError(absl::StrCat("slot map line ", lineNumber, " '",
                                                     std::string(line), "': ", std::string(why)));
    };
    if (w[0] == "epoch" && w.size() == 2) {
      const auto [p, ec] = std::from_chars(w[1].data(), w[1].data() + w[1].size(), map.epoch_);
      if (ec != std::errc() || p != w[1].data() + w[1].size()) return bad("bad epoch");
      sawEpoch = true;
    } else if (w[0] == "node" && (w.size() == 3 || w.size() == 4)) {
      if (!validId(w[1])) return bad("a node id is 1-64 of [A-Za-z0-9._-]");
      if (map.findNode(w[1]) >= 0) return bad("node declared twice");
      if (!validAddress(w[2])) return bad("the MRPC address is not host:port");
      std::string resp;
      if (w.size() == 4 && w[3] != "-") {
        if (!validAddress(w[3])) return bad("the RESP address is not host:port");
        resp = std::string(w[3]);
      }
      if (map.nodes_.size() >= static_cast<size_t>(INT16_MAX)) return bad("too many nodes");
      map.nodes_.push_back({std::string(w[1]), std::string(w[2]), std::move(resp)});
    } else if (w[0] == "slots" && w.size() == 3) {
      int first = 0;
      int last = 0;
      if (!parseSlotRange(w[1], &first, &last)) {
        return bad(absl::StrCat("not a slot range within 0-", kSlotCount - 1));
      }
      const int node = map.findNode(w[2]);
      if (node < 0) return bad("no such node (declare nodes before their slots)");
      for (int s = first; s <= last; ++s) {
        if (map.owner_[static_cast<size_t>(s)] != kUnassigned) {
          return bad(absl::StrCat("slot ", s, " is assigned twice"));
        }
        map.owner_[static_cast<size_t>(s)] = static_cast<int16_t>(node);
      }
    } else {
      return bad("expected 'epoch N', 'node ID HOST:PORT [RESP_HOST:PORT]' or 'slots A-B ID'");
    }
  }
  if (!sawEpoch) return absl::InvalidArgumentError("slot map: no 'epoch N' line");
  return map;
}

std::string SlotMap::serialize() const {
  std::string out = absl::StrCat("epoch ", epoch_, "\n");
  for (const Node& node : nodes_) {
    absl::StrAppend(&out, "node ", node.id, " ", node.rpcAddress, " ",
                    node.respAddress.empty() ? std::string("-") : node.respAddress, "\n");
  }
  for (const Range& r : ranges()) {
    if (r.first == r.last) {
      absl::StrAppend(&out, "slots ", r.first, " ", nodes_[static_cast<size_t>(r.node)].id, "\n");
    } else {
      absl::StrAppend(&out, "slots ", r.first, "-", r.last, " ",
                      nodes_[static_cast<size_t>(r.node)].id, "\n");
    }
  }
  return out;
}

int SlotMap::findNode(std::string_view id) const {
  for (size_t i = 0; i < nodes_.size(); ++i) {
    if (nodes_[i].id == id) return static_cast<int>(i);
  }
  return -1;
}

int SlotMap::addNode(Node node) {
  const int existing = findNode(node.id);
  if (existing >= 0) {
    nodes_[static_cast<size_t>(existing)] = std::move(node);
    return existing;
  }
  nodes_.push_back(std::move(node));
  return static_cast<int>(nodes_.size()) - 1;
}

void SlotMap::assign(int first, int last, int node) {
  for (int s = first; s <= last; ++s) {
    owner_[static_cast<size_t>(s)] = node < 0 ? kUnassigned : static_cast<int16_t>(node);
  }
}

void SlotMap::assignEvenly() {
  const int n = static_cast<int>(nodes_.size());
  if (n == 0) {
    owner_.fill(kUnassigned);
    return;
  }
  for (int i = 0; i < n; ++i) assign(kSlotCount * i / n, kSlotCount * (i + 1) / n - 1, i);
}

std::vector<SlotMap::Range> SlotMap::ranges() const {
  std::vector<Range> out;
  for (int s = 0; s < kSlotCount; ++s) {
    const int16_t node = owner_[static_cast<size_t>(s)];
    if (node == kUnassigned) continue;
    if (!out.empty() && out.back().last == s - 1 && out.back().node == node) {
      out.back().last = s;
    } else {
      out.push_back({s, s, node});
    }
  }
  return out;
}

int SlotMap::slotsOf(int node) const {
  int count = 0;
  for (const int16_t owner : owner_) count += owner == node ? 1 : 0;
  return count;
}

}  // namespace muduo::kv::cluster
