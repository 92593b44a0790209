#include "services/kv/RespSession.h"

#include <cstring>

#include "absl/strings/str_cat.h"
#include "muduo/base/Logging.h"
#include "muduo/net/TcpConnection.h"
#include "services/kv/RespCall.h"
#include "services/kv/RespClusterCommands.h"
#include "services/kv/RespCommandTable.h"
#include "services/kv/RespErrors.h"
#include "services/kv/RespServerState.h"
#include "services/kv/RespTransaction.h"
#include "services/kv/Store.h"
#include "services/kv/WriteCombiner.h"

namespace muduo::kv {
namespace {

// What a browser's cross-site POST to a local port starts with. Redis
// closes such connections, so a web page cannot smuggle commands in a
// form body; so do we.
bool isHttpRequest(std::string_view name) {
  return equalsIgnoreCase(name, "post") || equalsIgnoreCase(name, "host:");
}

}  // namespace

RespSession::RespSession(const net::TcpConnectionPtr& conn, Store* store,
                         std::shared_ptr<WriteCombiner> combiner,
                         std::shared_ptr<RespServerState> server)
    : conn_(conn),
      store_(store),
      combiner_(std::move(combiner)),
      server_(std::move(server)),
      resultBudget_(static_cast<int64_t>(server_->options().outputLimitBytes)) {
  RespServerState::Client client;
  client.addr = conn->peerAddress().toIpPort();
  client.laddr = conn->localAddress().toIpPort();
  client.createdMs = respNowMs();
  client.lastCommandMs = client.createdMs;
  id_ = server_->addClient(std::move(client));
}

RespSession::~RespSession() { server_->removeClient(id_); }

void RespSession::onMessage(const net::TcpConnectionPtr& conn, net::Buffer* input) {
  if (closing_) {
    input->retrieveAll();
    return;
  }
  if (paused_) {
    pause(conn, input);  // just watch the input's size
    return;
  }
  process(conn, input, conn->outputBuffer());
  if (closing_ && slots_.empty()) closeAfterReplies(conn);
  if (!lastCommand_.empty()) {
    // Once per read rather than per command: CLIENT LIST is rare.
    server_->updateClient(id_, [this](RespServerState::Client& client) {
      client.lastCommand = lastCommand_;
      client.lastCommandMs = respNowMs();
    });
    lastCommand_ = {};
  }
}

void RespSession::onWriteComplete(const net::TcpConnectionPtr& conn) {
  if (paused_ && !closing_) resume(conn);
}

RespReply RespSession::replyTo(net::Buffer* out) {
  if (slots_.empty()) return RespReply(out);
  Slot& slot = slots_.emplace_back();
  slot.ready = true;
  openSlot_ = &slot.reply;
  return RespReply(&slot.reply);
}

size_t RespSession::outputLimit() const { return server_->options().outputLimitBytes; }

size_t RespSession::pendingOutputBytes(const net::Buffer* out) const {
  return pendingOutputBytes(conn_.lock().get(), out);
}

size_t RespSession::pendingOutputBytes(net::TcpConnection* conn, const net::Buffer* out) const {
  size_t bytes = slotBytes_ + (openSlot_ != nullptr ? openSlot_->size() : 0);
  if (conn != nullptr) bytes += conn->outputBuffer()->readableBytes();
  if (out != nullptr && (conn == nullptr || out != conn->outputBuffer())) {
    bytes += out->readableBytes();
  }
  return bytes;
}

const RespCommand* RespSession::findCommand(std::string_view name) {
  // A pipeline repeats one command: the same bytes as the last name found
  // skip the case folding and the hashing.
  if (name.size() == lastNameSize_ && lastCommandFound_ != nullptr &&
      std::memcmp(name.data(), lastName_, name.size()) == 0) {
    return lastCommandFound_;
  }
  const RespCommand* command = RespCommandTable::instance().find(name);
  if (command != nullptr && name.size() <= sizeof lastName_) {
    std::memcpy(lastName_, name.data(), name.size());
    lastNameSize_ = name.size();
    lastCommandFound_ = command;
  }
  return command;
}

void RespSession::process(const net::TcpConnectionPtr& conn, net::Buffer* input, net::Buffer* out) {
  while (!closing_) {
    const size_t unsent = conn->outputBuffer()->readableBytes() +
                          (out != conn->outputBuffer() ? out->readableBytes() : 0);
    // The connection's output budget, counting replies not yet handed to it.
    const bool overBudget =
        conn->outputBudgetExceeded() || unsent >= conn->options().outputHighWaterMark;
    if (slots_.size() >= kMaxQueuedReplies || overBudget) {
      if (overBudget) {
        // Resumed by onWriteComplete once the client has read its replies.
        std::weak_ptr<RespSession> weak = weak_from_this();
        conn->setWriteCompleteCallback([weak](const net::TcpConnectionPtr& c) {
          if (auto self = weak.lock()) self->onWriteComplete(c);
        });
      }
      pause(conn, input);
      return;
    }
    const RespParser::Result result = parser_.parse(input->view());
    if (result == RespParser::Result::kNeedMore) return;
    if (result == RespParser::Result::kError) {
      protocolError(conn, parser_.error(), out);
      input->retrieveAll();
      return;
    }
    const std::vector<std::string_view>& args = parser_.args();
    if (!args.empty() && !execute(conn, args, out)) {
      parser_.reset();  // parsed again on resume
      pause(conn, input);
      return;
    }
    if (openSlot_ != nullptr) {
      slotBytes_ += openSlot_->size();
      openSlot_ = nullptr;
    }
    const size_t consumed = parser_.consumed();
    parser_.reset();
    if (closed_) {
      input->retrieveAll();
      return;
    }
    input->retrieve(consumed);
    if (const size_t pending = pendingOutputBytes(conn.get(), out); pending > outputLimit()) {
      closeForOutputLimit(pending);
      input->retrieveAll();
      return;
    }
  }
}

bool RespSession::execute(const net::TcpConnectionPtr& conn, std::span<const std::string_view> args,
                          net::Buffer* out) {
  const std::string_view name = args[0];
  if (isHttpRequest(name)) {
    server_->securityWarnings.fetch_add(1, std::memory_order_relaxed);
    if (server_->mayLogSecurityWarning(respNowMs())) {
      LOG_WARN << "RESP: Possible SECURITY ATTACK detected: " << conn->peerAddress().toIpPort()
               << " sent '" << name.substr(0, 16)
               << "', an HTTP request (a web page posting to a local port: cross protocol "
                  "scripting). Connection aborted. (Logged at most once a minute.)";
    }
    closeNow(conn);
    return true;
  }
  const RespCommand* command = findCommand(name);
  if (transaction_ != nullptr &&
      (command == nullptr || (command->flags & RespCommand::kTransactionControl) == 0)) {
    queueInTransaction(command, args, out);
    return true;
  }
  if (command == nullptr) {
    RespReply reply = replyTo(out);
    unknownCommandError(reply, args);
    return true;
  }
  if (!command->arityAccepts(args.size())) {
    RespReply reply = replyTo(out);
    arityError(reply, command->name);
    return true;
  }
  if ((command->flags & (RespCommand::kReadonly | RespCommand::kSeesOwnWrites)) != 0 &&
      pendingWrites_ > 0) {
    return false;  // wait to see this connection's own writes
  }
  if (const std::string refusal = clusterRefusal(*command, args); !refusal.empty()) {
    replyTo(out).error(refusal);
    return true;
  }
  RespCall call(this, args, out);
  command->handler(call);
  lastCommand_ = command->name;
  server_->commandsProcessed.fetch_add(1, std::memory_order_relaxed);
  return true;
}

void RespSession::queueInTransaction(const RespCommand* command,
                                     std::span<const std::string_view> args, net::Buffer* out) {
  RespReply reply = replyTo(out);
  // Refusals that Redis makes while queueing poison the transaction: EXEC
  // then answers EXECABORT. Other errors show up in EXEC's reply.
  if (command == nullptr) {
    unknownCommandError(reply, args);
  } else if (!command->arityAccepts(args.size())) {
    arityError(reply, command->name);
  } else if ((command->flags & RespCommand::kNoMulti) != 0) {
    reply.error("ERR Command not allowed inside a transaction");
  } else if (const std::string refusal = clusterRefusal(*command, args); !refusal.empty()) {
    reply.error(refusal);
  } else if (!transaction_->queue(args)) {
    reply.error("ERR Transaction too large");
  } else {
    reply.simple("QUEUED");
    return;
  }
  transaction_->markFailed();
}

std::string RespSession::clusterRefusal(const RespCommand& command,
                                        std::span<const std::string_view> args) {
  const cluster::ClusterState* state = server_->options().cluster;
  if (state == nullptr || command.firstKey <= 0) return "";
  clusterKeys_.clear();
  commandKeys(command, args, &clusterKeys_);
  return respClusterRefusal(*state, clusterKeys_, (command.flags & RespCommand::kWrite) != 0);
}

void RespSession::beginTransaction() {
  transaction_ = std::make_unique<RespTransaction>();
  server_->updateClient(id_, [](RespServerState::Client& client) { client.inMulti = true; });
}

void RespSession::discardTransaction() {
  transaction_.reset();
  unwatch();
  server_->updateClient(id_, [](RespServerState::Client& client) { client.inMulti = false; });
}

bool RespSession::watch(std::span<const std::string_view> keys) {
  // A guard holds the value and expiry time seen now; EXEC's batch aborts
  // if either differs then. (A key rewritten with the same value and time
  // is not noticed, where Redis would abort.)
  for (std::string_view key : keys) {
    WriteOp guard;
    guard.kind = WriteOp::Kind::kCheck;
    guard.key = std::string(key);
    const bool found =
        store_->read(key, [&guard](std::string_view value) { guard.expected = value; });
    const std::optional<int64_t> expireAt = found ? store_->expireAt(key) : std::nullopt;
    if (found && expireAt) {
      guard.condition = WriteOp::Condition::kEquals;
      guard.checkExpiry = true;
      guard.expireAt = *expireAt;
    } else {
      guard.condition = WriteOp::Condition::kAbsent;
      guard.expected.clear();
    }
    watchBytes_ += WriteBatch::opBytes(guard.key.size(), guard.expected.size());
    if (watchBytes_ > RespTransaction::kMaxQueuedBytes) {
      unwatch();
      return false;
    }
    watches_.push_back(std::move(guard));
  }
  return true;
}

void RespSession::exec(RespCall& call) {
  if (transaction_ == nullptr) {
    call.reply().error("ERR EXEC without MULTI");
    return;
  }
  std::unique_ptr<RespTransaction> transaction = std::move(transaction_);
  std::vector<WriteOp> guards = std::move(watches_);
  discardTransaction();
  unwatch();
  if (transaction->failed()) {
    call.reply().error("EXECABORT Transaction discarded because of previous errors.");
    return;
  }
  if (server_->options().cluster != nullptr) {
    // Checked again now: a slot may have moved (or stopped taking writes)
    // since its commands were queued. All the keys, watched ones too, must
    // be in one slot served here, as Redis Cluster requires.
    std::vector<std::string_view> keys;
    bool write = false;
    for (const WriteOp& guard : guards) keys.push_back(guard.key);
    for (size_t i = 0; i < transaction->size(); ++i) {
      const std::vector<std::string_view> args = transaction->command(i);
      const RespCommand* command = RespCommandTable::instance().find(args[0]);
      commandKeys(*command, args, &keys);
      write = write || (command->flags & RespCommand::kWrite) != 0;
    }
    if (const std::string refusal = respClusterRefusal(*server_->options().cluster, keys, write);
        !refusal.empty()) {
      call.reply().error(refusal);
      return;
    }
  }
  WriteBatch& batch = transaction->batch();
  for (WriteOp& guard : guards) batch.add(std::move(guard));
  const RespCommandTable& table = RespCommandTable::instance();
  for (size_t i = 0; i < transaction->size(); ++i) {
    const std::vector<std::string_view> args = transaction->command(i);
    RespCall inner(this, args, call.out(), transaction.get());
    // Found and checked when queued.
    table.find(args[0])->handler(inner);
    // Its reply (or a handler's own check) passed the output limit.
    if (closed_ || !inner.withinOutputLimit()) return;
  }
  if (batch.empty()) {
    // Nothing to read or write in the store, and nothing watched.
    transaction->reply(call.reply(), {}, absl::OkStatus());
    return;
  }
  const uint64_t slot = firstSlot_ + slots_.size();
  WriteBatch toStore = std::move(batch);
  slots_.emplace_back().transaction = std::move(transaction);
  ++pendingWrites_;
  combiner_->submitAlone(std::move(toStore), shared_from_this(), slot);
}

void RespSession::reset() {
  discardTransaction();
  server_->updateClient(id_, [](RespServerState::Client& client) {
    client.name.clear();
    client.libName.clear();
    client.libVer.clear();
  });
}

void RespSession::queueWrite(RespWriteReplier replier, size_t firstOp) {
  const uint64_t slot = firstSlot_ + slots_.size();
  slots_.emplace_back().replier = replier;
  ++pendingWrites_;
  combiner_->add(shared_from_this(), slot, firstOp);
}

void RespSession::queueAlone(WriteBatch batch, RespWriteReplier replier) {
  const uint64_t slot = firstSlot_ + slots_.size();
  slots_.emplace_back().replier = replier;
  ++pendingWrites_;
  combiner_->submitAlone(std::move(batch), shared_from_this(), slot);
}

void RespSession::writeDone(uint64_t tag, std::span<WriteOp> ops, const absl::Status& status) {
  --pendingWrites_;
  // The values copied for these ops become reply bytes below (counted
  // against the output limit there) or are dropped with the ops.
  int64_t copied = 0;
  bool dropped = false;
  for (const WriteOp& op : ops) {
    if (op.resultBudget != &resultBudget_) continue;
    copied += static_cast<int64_t>(op.current.size());
    dropped = dropped || op.resultDropped;
  }
  resultBudget_.fetch_add(copied, std::memory_order_relaxed);
  if (closed_) return;
  if (dropped) {
    // The values these writes read would not fit under the output limit.
    closeForOutputLimit(pendingOutputBytes(nullptr) + static_cast<size_t>(copied),
                        "bytes of replies pending, and more values read than fit");
    return;
  }
  if (tag < firstSlot_ || tag - firstSlot_ >= slots_.size()) {
    LOG_ERROR << "RespSession: completion for unknown reply slot " << tag;
    return;
  }
  Slot& slot = slots_[tag - firstSlot_];
  slot.ready = true;
  RespReply reply(&slot.reply);
  if (slot.transaction != nullptr) {
    slot.transaction->reply(reply, ops, status);
    slot.transaction.reset();
  } else if (!status.ok()) {
    reply.error(absl::StrCat("ERR ", status.message()));
  } else {
    slot.replier(reply, ops);
  }
  slotBytes_ += slot.reply.size();
  if (const size_t pending = pendingOutputBytes(nullptr); pending > outputLimit()) {
    closeForOutputLimit(pending);
  }
}

void RespSession::flush() {
  net::TcpConnectionPtr conn = conn_.lock();
  if (conn == nullptr || !conn->connected() || closed_) return;
  while (!slots_.empty() && slots_.front().ready) {
    scratch_.append(slots_.front().reply);
    slotBytes_ -= slots_.front().reply.size();
    slots_.pop_front();
    ++firstSlot_;
  }
  if (scratch_.readableBytes() > 0) conn->send(&scratch_);
  if (closing_) {
    if (slots_.empty()) closeAfterReplies(conn);
    return;
  }
  if (paused_) resume(conn);
}

void RespSession::pause(const net::TcpConnectionPtr& conn, net::Buffer* input) {
  paused_ = true;
  if (!readStopped_ && input->readableBytes() > kMaxBufferedInput) {
    conn->stopRead();
    readStopped_ = true;
  }
}

void RespSession::resume(const net::TcpConnectionPtr& conn) {
  paused_ = false;
  if (readStopped_) {
    conn->startRead();
    readStopped_ = false;
  }
  process(conn, conn->inputBuffer(), &scratch_);
  if (closed_) {
    scratch_.retrieveAll();
    return;
  }
  if (scratch_.readableBytes() > 0) conn->send(&scratch_);
  if (closing_ && slots_.empty()) closeAfterReplies(conn);
}

void RespSession::protocolError(const net::TcpConnectionPtr& conn, const std::string& error,
                                net::Buffer* out) {
  LOG_WARN << "RESP: closing the connection from " << conn->peerAddress().toIpPort() << ": "
           << error;
  replyTo(out).error("ERR " + error);
  if (openSlot_ != nullptr) {
    slotBytes_ += openSlot_->size();
    openSlot_ = nullptr;
  }
  closing_ = true;
}

void RespSession::closeForOutputLimit(size_t pending, std::string_view what) {
  server_->outputLimitDisconnections.fetch_add(1, std::memory_order_relaxed);
  net::TcpConnectionPtr conn = conn_.lock();
  LOG_WARN << "RESP: closing client id=" << id_
           << " addr=" << (conn != nullptr ? conn->peerAddress().toIpPort() : std::string("?"))
           << " for overcoming of output buffer limits: " << pending << " " << what << ", limit "
           << outputLimit();
  if (conn != nullptr) closeNow(conn);
}

void RespSession::closeNow(const net::TcpConnectionPtr& conn) {
  closing_ = true;
  closed_ = true;
  // The slots stay until the session goes: a handler may still hold a
  // reply into one (it stops at once).
  transaction_.reset();
  conn->forceClose();
}

void RespSession::closeAfterReplies(const net::TcpConnectionPtr& conn) {
  if (closed_) return;
  closed_ = true;
  // FIN once the replies are written; a peer that then neither reads nor
  // closes is cut off shortly after.
  conn->shutdown();
  conn->forceCloseWithDelay(std::chrono::seconds(1));
}

}  // namespace muduo::kv
