// The connection commands: PING, ECHO, SELECT, HELLO, AUTH, CLIENT, QUIT,
// RESET: what client libraries send when they connect.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/kv/RespCall.h"
#include "services/kv/RespCommandTable.h"
#include "services/kv/RespErrors.h"
#include "services/kv/RespReply.h"
#include "services/kv/RespServerState.h"
#include "services/kv/RespSession.h"

namespace muduo::kv {
namespace {

using Flag = RespCommand::Flag;

// What HELLO and INFO claim to be: the Redis release whose behaviour the
// commands follow.
constexpr std::string_view kRedisVersion = "7.0.0";

void ping(RespCall& call) {
  if (call.argc() > 2) {
    arityError(call.reply(), "ping");
  } else if (call.argc() == 2) {
    call.reply().bulk(call.arg(1));
  } else {
    call.reply().simple("PONG");
  }
}

void echo(RespCall& call) { call.reply().bulk(call.arg(1)); }

void select(RespCall& call) {
  std::optional<int64_t> index = intArgument(call, 1);
  if (!index) return;
  // One database: the store has one keyspace.
  if (*index != 0) {
    call.reply().error("ERR DB index is out of range");
    return;
  }
  call.reply().simple("OK");
}

// Redis refuses names with spaces, newlines and other bytes outside '!'..'~'.
bool validClientName(std::string_view name) {
  for (char c : name) {
    if (c < '!' || c > '~') return false;
  }
  return true;
}

bool setName(RespCall& call, std::string_view name) {
  if (!validClientName(name)) {
    call.reply().error("ERR Client names cannot contain spaces, newlines or special characters.");
    return false;
  }
  call.server().updateClient(call.session().id(), [name](RespServerState::Client& client) {
    client.name = std::string(name);
  });
  return true;
}

void hello(RespCall& call) {
  if (call.argc() >= 2) {
    std::optional<int64_t> version = parseInt64(call.arg(1));
    if (!version) {
      call.reply().error("ERR Protocol version is not an integer or out of range");
      return;
    }
    // RESP3 is not spoken here; clients fall back to RESP2 on NOPROTO.
    if (*version != 2) {
      call.reply().error("NOPROTO unsupported protocol version");
      return;
    }
  }
  std::optional<std::string_view> name;
  for (size_t i = 2; i < call.argc(); ++i) {
    if (equalsIgnoreCase(call.arg(i), "auth") && i + 2 < call.argc()) {
      // No passwords here: the default user has none, as a stock Redis.
      if (call.arg(i + 1) != "default") {
        call.reply().error("WRONGPASS invalid username-password pair or user is disabled.");
        return;
      }
      i += 2;
    } else if (equalsIgnoreCase(call.arg(i), "setname") && i + 1 < call.argc()) {
      name = call.arg(++i);
    } else {
      call.reply().error(
          absl::StrCat("ERR Syntax error in HELLO option '", std::string(call.arg(i)), "'"));
      return;
    }
  }
  if (name && !setName(call, *name)) return;
  // RESP3's map, flattened into an array as RESP2 shows it.
  RespReply& reply = call.reply();
  reply.arrayHeader(14);
  reply.bulk("server");
  reply.bulk("redis");
  reply.bulk("version");
  reply.bulk(kRedisVersion);
  reply.bulk("proto");
  reply.integer(2);
  reply.bulk("id");
  reply.integer(static_cast<int64_t>(call.session().id()));
  reply.bulk("mode");
  reply.bulk("standalone");
  reply.bulk("role");
  reply.bulk("master");
  reply.bulk("modules");
  reply.arrayHeader(0);
}

void auth(RespCall& call) {
  if (call.argc() > 3) {
    call.reply().error(kSyntaxError);
    return;
  }
  call.reply().error(
      "ERR AUTH <password> called without any password configured for the default user. Are "
      "you sure your configuration is correct?");
}

void client(RespCall& call) {
  const std::string_view sub = call.arg(1);
  const size_t argc = call.argc();
  const auto arity = [&call](std::string_view name) {
    arityError(call.reply(), absl::StrCat("client|", std::string(name)));
  };
  RespServerState& server = call.server();
  const uint64_t id = call.session().id();
  if (equalsIgnoreCase(sub, "id")) {
    if (argc != 2) return arity("id");
    call.reply().integer(static_cast<int64_t>(id));
  } else if (equalsIgnoreCase(sub, "setname")) {
    if (argc != 3) return arity("setname");
    if (setName(call, call.arg(2))) call.reply().simple("OK");
  } else if (equalsIgnoreCase(sub, "getname")) {
    if (argc != 2) return arity("getname");
    std::string name;
    server.updateClient(id, [&name](RespServerState::Client& client) { name = client.name; });
    if (name.empty()) {
      call.reply().nil();
    } else {
      call.reply().bulk(name);
    }
  } else if (equalsIgnoreCase(sub, "list")) {
    // TYPE and ID filters are accepted and ignored: every client is normal.
    call.reply().bulk(server.clientList(respNowMs()));
  } else if (equalsIgnoreCase(sub, "info")) {
    if (argc != 2) return arity("info");
    call.reply().bulk(server.clientInfo(id, respNowMs()));
  } else if (equalsIgnoreCase(sub, "setinfo")) {
    // Redis 7.2's, sent by redis-py and others on connect.
    if (argc != 4) return arity("setinfo");
    const std::string value(call.arg(3));
    if (equalsIgnoreCase(call.arg(2), "lib-name")) {
      server.updateClient(id, [&value](RespServerState::Client& c) { c.libName = value; });
    } else if (equalsIgnoreCase(call.arg(2), "lib-ver")) {
      server.updateClient(id, [&value](RespServerState::Client& c) { c.libVer = value; });
    } else {
      call.reply().error(absl::StrCat("ERR Unrecognized option '", std::string(call.arg(2)), "'"));
      return;
    }
    call.reply().simple("OK");
  } else if (equalsIgnoreCase(sub, "help")) {
    call.reply().arrayHeader(7);
    for (std::string_view line :
         {"CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:", "GETNAME",
          "    Return the name of the current connection.", "ID",
          "    Return the ID of the current connection.", "LIST / INFO / SETNAME <name>",
          "SETINFO <LIB-NAME|LIB-VER> <value>"}) {
      call.reply().simple(line);
    }
  } else {
    unknownSubcommandError(call.reply(), sub, "CLIENT");
  }
}

void quit(RespCall& call) {
  call.reply().simple("OK");
  call.session().quit();
}

void reset(RespCall& call) {
  call.session().reset();
  call.reply().simple("RESET");
}

}  // namespace

std::vector<RespCommand> respConnectionCommands() {
  constexpr uint32_t kConn = Flag::kNoScript | Flag::kLoading | Flag::kStale | Flag::kFast;
  return {
      {"ping", -1, Flag::kFast, ping, 0, 0, 0, "connection", "Ping the server"},
      {"echo", 2, Flag::kFast, echo, 0, 0, 0, "connection", "Echo the given string"},
      {"select", 2, Flag::kLoading | Flag::kStale | Flag::kFast, select, 0, 0, 0, "connection",
       "Change the selected database for the current connection"},
      {"hello", -1, kConn, hello, 0, 0, 0, "connection", "Handshake with Redis"},
      {"auth", -2, kConn, auth, 0, 0, 0, "connection", "Authenticate to the server"},
      {"client", -2, Flag::kLoading | Flag::kStale, client, 0, 0, 0, "connection",
       "A container for client connection commands"},
      {"quit", -1, kConn | Flag::kAllowBusy | Flag::kTransactionControl, quit, 0, 0, 0,
       "connection", "Close the connection"},
      {"reset", 1, kConn | Flag::kTransactionControl, reset, 0, 0, 0, "connection",
       "Reset the connection"},
  };
}

}  // namespace muduo::kv
