// RespSession: one RESP connection: its parser, the client state commands
// see (name, MULTI, WATCH), and its replies, kept in request order although
// writes are acknowledged later (after the log is synced). Commands
// themselves are rows of the RespCommandTable; this class finds the row,
// checks the arity, queues inside MULTI, and gives the handler a RespCall.
//
// Replies go straight to the connection while nothing is outstanding. Once
// a write is waiting, every later reply takes a slot in a queue behind it
// and leaves when everything before it has. A read that arrives while this
// connection's own writes are still waiting pauses the parse until they are
// acknowledged, so a pipelined "SET k v; GET k" sees its own write. The
// parse also pauses while too many replies are queued or too much output is
// unsent; reading the socket stops too if input piles up, so a client that
// does not read cannot grow the server's memory. A single command whose
// reply passes the output limit (RespServerState::Options) closes the
// connection, as Redis's client-output-buffer-limit does.
//
// Malformed input gets "-ERR Protocol error: ..." and closes this connection
// (with a logged reason); a request named POST or Host: (an HTTP request: a
// web page attacking a local server) closes it without a reply. Other
// connections are unaffected.
//
// Thread contract: created by RespServer in the connection's loop thread;
// every method runs in that thread. Owned by shared_ptr: the connection's
// context and the writes in flight hold it; it holds the connection weakly.
#ifndef SERVICES_KV_RESPSESSION_H_
#define SERVICES_KV_RESPSESSION_H_

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "muduo/net/Buffer.h"
#include "muduo/net/Callbacks.h"
#include "services/kv/RespCommand.h"
#include "services/kv/RespParser.h"
#include "services/kv/RespReply.h"
#include "services/kv/WriteBatch.h"
#include "services/kv/WriteTarget.h"

namespace muduo::kv {

class RespCall;
class RespServerState;
class RespTransaction;
class Store;
class WriteCombiner;

class RespSession : public WriteTarget, public std::enable_shared_from_this<RespSession> {
 public:
  static constexpr size_t kMaxQueuedReplies = 4096;
  static constexpr size_t kMaxBufferedInput = 64 << 20;

  RespSession(const net::TcpConnectionPtr& conn, Store* store,
              std::shared_ptr<WriteCombiner> combiner, std::shared_ptr<RespServerState> server);
  ~RespSession() override;
  RespSession(const RespSession&) = delete;
  RespSession& operator=(const RespSession&) = delete;

  // The connection's message callback.
  void onMessage(const net::TcpConnectionPtr& conn, net::Buffer* input);
  // The connection has drained its output.
  void onWriteComplete(const net::TcpConnectionPtr& conn);

  // WriteTarget: the write behind reply slot `tag` is done; then send what
  // is ready and resume a paused parse.
  void writeDone(uint64_t tag, std::span<WriteOp> ops, const absl::Status& status) override;
  void writesDone() override { flush(); }

  // For command handlers.
  [[nodiscard]] uint64_t id() const { return id_; }
  // QUIT: close once the replies so far are out; no more commands.
  void quit() { closing_ = true; }
  [[nodiscard]] bool inTransaction() const { return transaction_ != nullptr; }
  void beginTransaction();
  void discardTransaction();
  // EXEC: runs the queued commands as one batch and replies.
  void exec(RespCall& call);
  // WATCH: guards for these keys (their value and expiry time now),
  // checked by the next EXEC. False if the guards would be too large.
  bool watch(std::span<const std::string_view> keys);
  void unwatch() {
    watches_.clear();
    watchBytes_ = 0;
  }
  // RESET: as if newly connected (but keeps the connection and its id).
  void reset();

 private:
  friend class RespCall;

  void process(const net::TcpConnectionPtr& conn, net::Buffer* input, net::Buffer* out);
  // Runs one command; false if it must wait (nothing was done).
  bool execute(const net::TcpConnectionPtr& conn, std::span<const std::string_view> args,
               net::Buffer* out);
  // Inside MULTI: queues the command (or refuses it).
  void queueInTransaction(const RespCommand* command, std::span<const std::string_view> args,
                          net::Buffer* out);
  // Where the current command's reply goes: `out`, or a new slot if replies
  // are queued.
  RespReply replyTo(net::Buffer* out);
  // Queues the ops (in the combiner's batch from firstOp on) behind a slot.
  void queueWrite(RespWriteReplier replier, size_t firstOp);
  // Sends `batch` on its own behind a slot.
  void queueAlone(WriteBatch batch, RespWriteReplier replier);
  // Unsent reply bytes: the connection's, `out`'s and the queued slots'.
  [[nodiscard]] size_t pendingOutputBytes(const net::Buffer* out) const;
  [[nodiscard]] size_t pendingOutputBytes(net::TcpConnection* conn, const net::Buffer* out) const;
  // The command table's row for `name`, or nullptr.
  const RespCommand* findCommand(std::string_view name);
  [[nodiscard]] size_t outputLimit() const;
  void closeForOutputLimit(size_t pending, std::string_view what = "bytes of replies pending");
  void closeNow(const net::TcpConnectionPtr& conn);
  void flush();
  void protocolError(const net::TcpConnectionPtr& conn, const std::string& error, net::Buffer* out);
  void closeAfterReplies(const net::TcpConnectionPtr& conn);
  void pause(const net::TcpConnectionPtr& conn, net::Buffer* input);
  void resume(const net::TcpConnectionPtr& conn);
  void noteCommand(std::string_view name);
  // Cluster mode: the error to answer instead of running `command`, or "".
  std::string clusterRefusal(const RespCommand& command, std::span<const std::string_view> args);

  struct Slot {
    std::string reply;
    bool ready = false;
    RespWriteReplier replier = nullptr;            // a write's
    std::unique_ptr<RespTransaction> transaction;  // an EXEC's
  };

  const std::weak_ptr<net::TcpConnection> conn_;
  Store* const store_;
  const std::shared_ptr<WriteCombiner> combiner_;
  const std::shared_ptr<RespServerState> server_;
  uint64_t id_ = 0;
  RespParser parser_;
  std::deque<Slot> slots_;
  uint64_t firstSlot_ = 0;           // the id of slots_.front()
  size_t pendingWrites_ = 0;         // slots waiting for the store
  size_t slotBytes_ = 0;             // replies in finished slots
  std::string* openSlot_ = nullptr;  // the slot the current command replies into
  bool paused_ = false;
  bool readStopped_ = false;
  bool closing_ = false;  // no more commands; close once the replies are out
  bool closed_ = false;
  // For CLIENT LIST, published once per read; a name in the command table.
  std::string_view lastCommand_;
  // The last name findCommand() found, byte for byte, and its row.
  char lastName_[16];
  size_t lastNameSize_ = 0;
  const RespCommand* lastCommandFound_ = nullptr;
  std::unique_ptr<RespTransaction> transaction_;  // between MULTI and EXEC
  std::vector<WriteOp> watches_;                  // WATCH's guards
  size_t watchBytes_ = 0;
  net::Buffer scratch_;
  std::vector<std::string_view> clusterKeys_;  // clusterRefusal()'s, reused
  // What this connection's writes in flight may still copy out of the store
  // into their results (WriteOp::resultBudget): the output limit, less the
  // values copied and not yet turned into replies. The store's writer thread
  // takes from it; writeDone() gives back.
  std::atomic<int64_t> resultBudget_;
};

}  // namespace muduo::kv

#endif  // SERVICES_KV_RESPSESSION_H_
