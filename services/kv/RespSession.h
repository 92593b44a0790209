// RespSession: one RESP connection: its parser, the commands it runs on the
// Store, and its replies, kept in request order although writes are
// acknowledged later (after the log is synced).
//
// Replies go straight to the connection while nothing is outstanding. Once
// a write is waiting, every later reply takes a slot in a queue behind it
// and leaves when everything before it has. A read (GET, MGET, EXISTS) that
// arrives while this connection's own writes are still waiting pauses the
// parse until they are acknowledged, so a pipelined "SET k v; GET k" sees
// its own write. The parse also pauses while too many replies are queued or
// too much output is unsent; reading the socket stops too if input piles up,
// so a client that does not read cannot grow the server's memory.
//
// Malformed input gets "-ERR Protocol error: ..." and closes this connection
// (with a logged reason); other connections are unaffected.
//
// Thread contract: created by RespServer in the connection's loop thread;
// every method runs in that thread. Owned by shared_ptr: the connection's
// context and the writes in flight hold it; it holds the connection weakly.
#ifndef SERVICES_KV_RESPSESSION_H_
#define SERVICES_KV_RESPSESSION_H_

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
#include "services/kv/RespParser.h"
#include "services/kv/WriteBatch.h"
#include "services/kv/WriteCombiner.h"

namespace muduo::kv {

class RespReply;
class Store;

class RespSession : public std::enable_shared_from_this<RespSession> {
 public:
  static constexpr size_t kMaxQueuedReplies = 4096;
  static constexpr size_t kMaxBufferedInput = 64 << 20;

  RespSession(const net::TcpConnectionPtr& conn, Store* store,
              std::shared_ptr<WriteCombiner> combiner);
  RespSession(const RespSession&) = delete;
  RespSession& operator=(const RespSession&) = delete;

  // The connection's message callback.
  void onMessage(const net::TcpConnectionPtr& conn, net::Buffer* input);
  // The connection has drained its output.
  void onWriteComplete(const net::TcpConnectionPtr& conn);

  // From WriteCombiner: the write behind reply `slot` is done.
  void completeWrite(uint64_t slot, RespWrite kind, std::span<WriteOp> ops,
                     const absl::Status& status);
  // After completeWrite(): send what is ready, resume a paused parse. Returns
  // false if it was already scheduled.
  bool scheduleFlush() { return !std::exchange(flushScheduled_, true); }
  void flush();

 private:
  // Parses and runs commands from `input`, replying into `out` (or into slots).
  void process(const net::TcpConnectionPtr& conn, net::Buffer* input, net::Buffer* out);
  // Runs one command; false if it must wait (nothing was done).
  bool execute(const net::TcpConnectionPtr& conn, const std::vector<std::string_view>& args,
               net::Buffer* out);
  // Where the current command's reply goes: `out`, or a new slot if replies
  // are queued.
  RespReply replyTo(net::Buffer* out);
  // Queues the command's ops (already in the combiner's batch from firstOp
  // on) behind a reply slot.
  bool write(RespWrite kind, size_t firstOp);
  void protocolError(const net::TcpConnectionPtr& conn, const std::string& error, net::Buffer* out);
  void closeAfterReplies(const net::TcpConnectionPtr& conn);
  void pause(const net::TcpConnectionPtr& conn, net::Buffer* input);
  void resume(const net::TcpConnectionPtr& conn);

  struct Slot {
    std::string reply;
    bool ready = false;
  };

  const std::weak_ptr<net::TcpConnection> conn_;
  Store* const store_;
  const std::shared_ptr<WriteCombiner> combiner_;
  RespParser parser_;
  std::deque<Slot> slots_;
  uint64_t firstSlot_ = 0;    // the id of slots_.front()
  size_t pendingWrites_ = 0;  // slots waiting for the store
  bool paused_ = false;
  bool readStopped_ = false;
  bool closing_ = false;  // no more commands; close once the replies are out
  bool closed_ = false;
  bool flushScheduled_ = false;
  net::Buffer scratch_;
};

}  // namespace muduo::kv

#endif  // SERVICES_KV_RESPSESSION_H_
