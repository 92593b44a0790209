// RespCommandTable: every command the RESP server knows, looked up by name
// without regard to case (as Redis does). Commands of Redis's other data
// types (lists, hashes, sets, ...) are deliberately absent, so they get
// Redis's unknown-command error.
//
// Thread safety: built once (instance()), then read-only; any thread.
#ifndef SERVICES_KV_RESPCOMMANDTABLE_H_
#define SERVICES_KV_RESPCOMMANDTABLE_H_

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "services/kv/RespCommand.h"

namespace muduo::kv {

class RespCommandTable {
 public:
  [[nodiscard]] static const RespCommandTable& instance();

  explicit RespCommandTable(std::vector<RespCommand> commands);
  RespCommandTable(const RespCommandTable&) = delete;
  RespCommandTable& operator=(const RespCommandTable&) = delete;

  // nullptr if unknown.
  [[nodiscard]] const RespCommand* find(std::string_view name) const;
  [[nodiscard]] std::span<const RespCommand> all() const { return commands_; }

 private:
  std::vector<RespCommand> commands_;
  absl::flat_hash_map<std::string_view, const RespCommand*> byName_;  // names point into the rows
};

// The rows, grouped as the handlers' files are (RespCommands.h).
[[nodiscard]] std::vector<RespCommand> respStringCommands();
[[nodiscard]] std::vector<RespCommand> respKeyCommands();
[[nodiscard]] std::vector<RespCommand> respConnectionCommands();
[[nodiscard]] std::vector<RespCommand> respServerCommands();
[[nodiscard]] std::vector<RespCommand> respTransactionCommands();
[[nodiscard]] std::vector<RespCommand> respClusterCommands();

}  // namespace muduo::kv

#endif  // SERVICES_KV_RESPCOMMANDTABLE_H_
