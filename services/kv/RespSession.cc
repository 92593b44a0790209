#include "services/kv/RespSession.h"

#include <cctype>

#include "absl/strings/str_cat.h"
#include "muduo/base/Logging.h"
#include "muduo/net/TcpConnection.h"
#include "services/kv/Limits.h"
#include "services/kv/RespReply.h"
#include "services/kv/Store.h"

namespace muduo::kv {
namespace {

// `upper` is an upper-case command name, letters only: clearing bit 5 maps
// a lower-case letter to its capital, and no other byte onto a letter.
bool is(std::string_view name, std::string_view upper) {
  if (name.size() != upper.size()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    if ((static_cast<unsigned char>(name[i]) & 0xdf) != static_cast<unsigned char>(upper[i])) {
      return false;
    }
  }
  return true;
}

std::string lower(std::string_view s) {
  std::string out(s.substr(0, 128));
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

void arityError(RespReply reply, std::string_view name) {
  reply.error(absl::StrCat("ERR wrong number of arguments for '", lower(name), "' command"));
}

void keyTooLarge(RespReply reply) {
  reply.error(absl::StrCat("ERR key is over the limit of ", kMaxKeySize, " bytes"));
}

// Redis 7's wording: "ERR unknown command 'x', with args beginning with: 'a' 'b' ".
void unknownCommand(RespReply reply, const std::vector<std::string_view>& args) {
  std::string text = absl::StrCat("ERR unknown command '", std::string(args[0].substr(0, 128)),
                                  "', with args beginning with: ");
  for (size_t i = 1; i < args.size() && text.size() < 256; ++i) {
    absl::StrAppend(&text, "'", std::string(args[i].substr(0, 128)), "' ");
  }
  reply.error(text);
}

}  // namespace

RespSession::RespSession(const net::TcpConnectionPtr& conn, Store* store,
                         std::shared_ptr<WriteCombiner> combiner)
    : conn_(conn), store_(store), combiner_(std::move(combiner)) {}

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
}

void RespSession::onWriteComplete(const net::TcpConnectionPtr& conn) {
  if (paused_ && !closing_) resume(conn);
}

RespReply RespSession::replyTo(net::Buffer* out) {
  if (slots_.empty()) return RespReply(out);
  Slot& slot = slots_.emplace_back();
  slot.ready = true;
  return RespReply(&slot.reply);
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
    if (!parser_.args().empty() && !execute(conn, parser_.args(), out)) {
      parser_.reset();  // parsed again on resume
      pause(conn, input);
      return;
    }
    input->retrieve(parser_.consumed());
    parser_.reset();
  }
}

bool RespSession::execute(const net::TcpConnectionPtr& conn,
                          const std::vector<std::string_view>& args, net::Buffer* out) {
  const std::string_view name = args[0];
  const size_t argc = args.size();

  if (is(name, "GET")) {
    if (argc != 2) {
      arityError(replyTo(out), name);
      return true;
    }
    if (pendingWrites_ > 0) return false;  // wait to see this connection's own writes
    RespReply reply = replyTo(out);
    if (!store_->read(args[1], [&reply](std::string_view value) { reply.bulk(value); })) {
      reply.nil();
    }
    return true;
  }

  if (is(name, "SET")) {
    if (argc < 3) {
      arityError(replyTo(out), name);
      return true;
    }
    WriteOp::Condition condition = WriteOp::Condition::kNone;
    for (size_t i = 3; i < argc; ++i) {
      if (is(args[i], "NX") && condition == WriteOp::Condition::kNone) {
        condition = WriteOp::Condition::kAbsent;
      } else if (is(args[i], "XX") && condition == WriteOp::Condition::kNone) {
        condition = WriteOp::Condition::kPresent;
      } else if (is(args[i], "KEEPTTL")) {
        // Nothing expires here, so there is no TTL to keep.
      } else if (is(args[i], "EX") || is(args[i], "PX") || is(args[i], "EXAT") ||
                 is(args[i], "PXAT") || is(args[i], "GET")) {
        replyTo(out).error(
            absl::StrCat("ERR SET option ", std::string(args[i]), " is not supported"));
        return true;
      } else {
        replyTo(out).error("ERR syntax error");
        return true;
      }
    }
    if (args[1].size() > kMaxKeySize) {
      keyTooLarge(replyTo(out));
      return true;
    }
    WriteBatch& batch = combiner_->batchFor(WriteBatch::opBytes(args[1].size(), args[2].size()));
    const size_t first = batch.size();
    batch.put(std::string(args[1]), std::string(args[2])).condition = condition;
    return write(
        condition == WriteOp::Condition::kNone ? RespWrite::kSet : RespWrite::kSetConditional,
        first);
  }

  if (is(name, "PING")) {
    if (argc > 2) {
      arityError(replyTo(out), name);
    } else if (argc == 2) {
      replyTo(out).bulk(args[1]);
    } else {
      replyTo(out).simple("PONG");
    }
    return true;
  }

  if (is(name, "MGET") || is(name, "EXISTS")) {
    if (argc < 2) {
      arityError(replyTo(out), name);
      return true;
    }
    if (pendingWrites_ > 0) return false;
    RespReply reply = replyTo(out);
    // One read lock for all the keys: an MSET is seen whole or not at all.
    const std::span<const std::string_view> keys(args.data() + 1, argc - 1);
    if (is(name, "EXISTS")) {
      int64_t count = 0;
      store_->readEach(
          keys, [&count](size_t, const std::string* value) { count += value != nullptr ? 1 : 0; });
      reply.integer(count);
    } else {
      reply.arrayHeader(keys.size());
      store_->readEach(keys, [&reply](size_t, const std::string* value) {
        if (value != nullptr) {
          reply.bulk(*value);
        } else {
          reply.nil();
        }
      });
    }
    return true;
  }

  if (is(name, "DEL") || is(name, "MSET") || is(name, "INCR")) {
    const bool del = is(name, "DEL");
    const bool mset = is(name, "MSET");
    if ((del && argc < 2) || (mset && (argc < 3 || argc % 2 == 0)) ||
        (!del && !mset && argc != 2)) {
      arityError(replyTo(out), name);
      return true;
    }
    for (size_t i = 1; i < argc; i += mset ? 2 : 1) {
      if (args[i].size() > kMaxKeySize) {
        keyTooLarge(replyTo(out));
        return true;
      }
    }
    size_t bytes = 0;
    for (size_t i = 1; i < argc; i += mset ? 2 : 1) {
      bytes += WriteBatch::opBytes(args[i].size(), mset ? args[i + 1].size() : 0);
    }
    WriteBatch& batch = combiner_->batchFor(bytes);
    const size_t first = batch.size();
    if (del) {
      for (size_t i = 1; i < argc; ++i) batch.remove(std::string(args[i]));
    } else if (mset) {
      for (size_t i = 1; i + 1 < argc; i += 2) {
        batch.put(std::string(args[i]), std::string(args[i + 1]));
      }
    } else {
      batch.increment(std::string(args[1]), 1);
    }
    return write(del ? RespWrite::kDel : mset ? RespWrite::kMSet : RespWrite::kIncr, first);
  }

  if (is(name, "QUIT")) {
    replyTo(out).simple("OK");
    closing_ = true;
    return true;
  }

  unknownCommand(replyTo(out), args);
  return true;
}

bool RespSession::write(RespWrite kind, size_t firstOp) {
  const uint64_t slot = firstSlot_ + slots_.size();
  slots_.emplace_back();
  ++pendingWrites_;
  combiner_->add(shared_from_this(), slot, kind, firstOp);
  return true;
}

void RespSession::completeWrite(uint64_t slot, RespWrite kind, std::span<WriteOp> ops,
                                const absl::Status& status) {
  --pendingWrites_;
  if (slot < firstSlot_ || slot - firstSlot_ >= slots_.size()) {
    LOG_ERROR << "RespSession: completion for unknown reply slot " << slot;
    return;
  }
  Slot& s = slots_[slot - firstSlot_];
  s.ready = true;
  RespReply reply(&s.reply);
  if (!status.ok()) {
    reply.error(absl::StrCat("ERR ", status.message()));
    return;
  }
  switch (kind) {
    case RespWrite::kSet:
    case RespWrite::kMSet:
      reply.simple("OK");
      break;
    case RespWrite::kSetConditional:
      if (ops[0].outcome == WriteOp::Outcome::kApplied) {
        reply.simple("OK");
      } else {
        reply.nil();
      }
      break;
    case RespWrite::kDel: {
      int64_t existed = 0;
      for (const WriteOp& op : ops) existed += op.existed ? 1 : 0;
      reply.integer(existed);
      break;
    }
    case RespWrite::kIncr:
      switch (ops[0].outcome) {
        case WriteOp::Outcome::kApplied:
          reply.integer(ops[0].number);
          break;
        case WriteOp::Outcome::kOverflow:
          reply.error("ERR increment or decrement would overflow");
          break;
        default:
          reply.error("ERR value is not an integer or out of range");
          break;
      }
      break;
  }
}

void RespSession::flush() {
  flushScheduled_ = false;
  net::TcpConnectionPtr conn = conn_.lock();
  if (conn == nullptr || !conn->connected()) return;
  while (!slots_.empty() && slots_.front().ready) {
    scratch_.append(slots_.front().reply);
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
  if (scratch_.readableBytes() > 0) conn->send(&scratch_);
  if (closing_ && slots_.empty()) closeAfterReplies(conn);
}

void RespSession::protocolError(const net::TcpConnectionPtr& conn, const std::string& error,
                                net::Buffer* out) {
  LOG_WARN << "RESP: closing the connection from " << conn->peerAddress().toIpPort() << ": "
           << error;
  replyTo(out).error("ERR " + error);
  closing_ = true;
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
