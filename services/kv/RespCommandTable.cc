#include "services/kv/RespCommandTable.h"

#include "muduo/base/Logging.h"

namespace muduo::kv {
namespace {

// Command names are short; a longer name cannot be in the table.
constexpr size_t kMaxNameLength = 32;

}  // namespace

const RespCommandTable& RespCommandTable::instance() {
  static const RespCommandTable* table = [] {
    std::vector<RespCommand> commands;
    for (auto group : {respStringCommands(), respKeyCommands(), respConnectionCommands(),
                       respServerCommands(), respTransactionCommands(), respClusterCommands()}) {
      commands.insert(commands.end(), group.begin(), group.end());
    }
    return new RespCommandTable(std::move(commands));
  }();
  return *table;
}

RespCommandTable::RespCommandTable(std::vector<RespCommand> commands)
    : commands_(std::move(commands)) {
  for (const RespCommand& command : commands_) {
    if (command.name.size() > kMaxNameLength || !byName_.emplace(command.name, &command).second) {
      LOG_FATAL << "RespCommandTable: bad or duplicate command " << command.name;
    }
  }
}

const RespCommand* RespCommandTable::find(std::string_view name) const {
  if (name.size() > kMaxNameLength) return nullptr;
  char lower[kMaxNameLength];
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    lower[i] = c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
  }
  auto it = byName_.find(std::string_view(lower, name.size()));
  return it == byName_.end() ? nullptr : it->second;
}

}  // namespace muduo::kv
