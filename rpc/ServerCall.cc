#include "rpc/ServerCall.h"

#include "google/protobuf/message_lite.h"
#include "muduo/base/Logging.h"
#include "muduo/net/Buffer.h"
#include "muduo/net/TcpConnection.h"
#include "rpc/RpcCodec.h"

namespace muduo::rpc {
namespace {

// One scratch buffer per thread: a frame encoded in a connection's own loop
// thread is written straight from it and the storage is kept for the next.
thread_local net::Buffer t_frame;

}  // namespace

ServerCall::ServerCall(const net::TcpConnectionPtr& conn, uint64_t callId, std::string_view payload,
                       std::chrono::steady_clock::time_point deadline)
    : conn_(conn),
      peer_(conn->peerAddress()),
      callId_(callId),
      payload_(payload),
      deadline_(deadline) {}

ServerCall::ServerCall(Responder responder, const net::InetAddress& peer, std::string payload,
                       std::chrono::steady_clock::time_point deadline)
    : peer_(peer),
      callId_(0),
      ownedPayload_(std::move(payload)),
      deadline_(deadline),
      responder_(std::move(responder)) {
  payload_ = ownedPayload_;
}

void ServerCall::recordStats(bool ok) {
  if (stats_ != nullptr)
    stats_->record(statsEntry_, ok, std::chrono::steady_clock::now() - started_);
}

bool ServerCall::cancelled() const {
  if (cancelled_.load(std::memory_order_relaxed)) return true;
  if (std::chrono::steady_clock::now() > deadline_) return true;
  if (responder_) return false;
  auto conn = conn_.lock();
  return conn == nullptr || !conn->connected();
}

size_t ServerCall::queuedOutputBytes() const {
  auto conn = conn_.lock();
  return conn == nullptr ? 0 : conn->queuedOutputBytes();
}

void ServerCall::ownPayload() {
  ownedPayload_.assign(payload_);
  payload_ = ownedPayload_;
}

void ServerCall::finish(const absl::Status& status, const google::protobuf::MessageLite* response) {
  if (finished_.exchange(true, std::memory_order_acq_rel)) {
    LOG_ERROR << "ServerCall " << callId_ << " from " << peer_.toIpPort()
              << " answered more than once; extra answer dropped";
    return;
  }
  if (std::chrono::steady_clock::now() > deadline_) {
    recordStats(false);
    LOG_DEBUG << "ServerCall " << callId_ << " answered after its deadline; dropped";
    return;
  }
  recordStats(status.ok());
  if (responder_) {
    responder_(status, status.ok() ? response : nullptr);
    return;
  }
  sendFrame(RpcMeta::RESPONSE, status, status.ok() ? response : nullptr);
}

bool ServerCall::write(const google::protobuf::MessageLite& message) {
  if (finished_.load(std::memory_order_acquire) || cancelled() || responder_) return false;
  return sendFrame(RpcMeta::STREAM_MESSAGE, absl::OkStatus(), &message);
}

void ServerCall::finishStream(const absl::Status& status) {
  if (finished_.exchange(true, std::memory_order_acq_rel)) {
    LOG_ERROR << "ServerCall " << callId_ << " stream finished more than once";
    return;
  }
  recordStats(status.ok());
  if (responder_) {
    responder_(status.ok() ? absl::UnimplementedError("streaming methods cannot be called as JSON")
                           : status,
               nullptr);
    return;
  }
  if (!cancelled_.load(std::memory_order_relaxed)) sendFrame(RpcMeta::STREAM_END, status, nullptr);
}

bool ServerCall::sendFrame(int type, const absl::Status& status,
                           const google::protobuf::MessageLite* payload) {
  auto conn = conn_.lock();
  if (conn == nullptr || !conn->connected()) return false;
  RpcMeta meta;
  meta.set_type(static_cast<RpcMeta::Type>(type));
  meta.set_call_id(callId_);
  if (!status.ok()) {
    meta.set_status_code(static_cast<int32_t>(status.code()));
    meta.set_status_message(std::string(status.message()));
  }
  net::Buffer& frame = t_frame;
  frame.retrieveAll();
  encodeFrame(meta, payload, &frame);
  conn->send(&frame);
  return true;
}

}  // namespace muduo::rpc
