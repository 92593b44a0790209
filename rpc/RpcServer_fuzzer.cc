// Fuzzes the RPC server's per-connection frame handling: one client's bytes,
// cut at points the input chooses, go through a real TcpConnection on a
// socketpair into RpcServer's own callbacks (adoptConnection, driven by
// rpc/testing/SocketPairConnection), one EventLoop turn per chunk, so
// protocol sniffing, decodeFrame, dispatch, CANCEL and ServerCall's answers
// all run as they do for an accepted connection.
//
// Beyond "no crash", it holds the server to a model of the protocol built by
// decoding the same chunks with decodeFrame:
//  - every well-formed request is answered by exactly one RESPONSE with its
//    call id; at most one when the client cancelled it, gave it a deadline
//    short enough to pass, or the server closed the connection in the turn
//    it arrived (a forced close discards output still queued);
//  - nothing else comes back: no reply to an id never asked for, no frame a
//    client could not decode, no type but RESPONSE;
//  - the server closes the connection exactly when the stream turns bad (an
//    undecodable frame, a type a client may not send, a call id reused while
//    its call runs) and keeps it open otherwise;
//  - once the client goes away no call is left in flight, and heap use for
//    the whole connection stays within a fixed multiple of the input size.
//
// Single-threaded: the loop, the server and the checks run in the fuzzer's
// thread (no worker pool), so the allocation count is the server's.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "google/protobuf/stubs/logging.h"
#include "muduo/net/Buffer.h"
#include "muduo/net/EventLoop.h"
#include "muduo/net/InetAddress.h"
#include "rpc/RpcCodec.h"
#include "rpc/RpcServer.h"
#include "rpc/ServerCall.h"
#include "rpc/Service.h"
#include "rpc/testing/SocketPairConnection.h"
#include "rpc/testing/test_messages.pb.h"
#include "tools/fuzzing/AllocationBudget.h"
#include "tools/fuzzing/QuietLogs.h"
#include "tools/fuzzing/SplitPoints.h"

namespace muduo::rpc {
namespace {

// Small, so the fuzzer reaches the size limit.
constexpr size_t kMaxFrame = 4096;
constexpr std::string_view kServiceName = "fuzz.Service";
// A deadline this far off cannot pass while one input runs, so the answer
// must arrive; a shorter one may legitimately drop it.
constexpr int64_t kSureTimeoutUs = int64_t{60} * 1000 * 1000;

void require(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "RpcServer_fuzzer: property violated: %s\n", what);
    std::abort();
  }
}

// Echo answers at once with the request's text (INVALID_ARGUMENT when the
// payload does not parse, as generated code does); Later answers at the end
// of the loop turn, so it is still running (cancellable, its id taken) while
// the rest of its chunk is handled. Any other method is unknown.
class FuzzService final : public Service {
 public:
  explicit FuzzService(net::EventLoop* loop) : loop_(loop) {}
  [[nodiscard]] std::string_view serviceName() const override { return kServiceName; }
  bool callMethod(std::string_view method, const std::shared_ptr<ServerCall>& call) override {
    ++calls_;
    if (method == "Echo") {
      testing::EchoRequest request;
      if (!request.ParseFromArray(call->requestPayload().data(),
                                  static_cast<int>(call->requestPayload().size()))) {
        call->finish(absl::InvalidArgumentError("request does not parse"), nullptr);
        return true;
      }
      testing::EchoResponse response;
      response.set_text(request.text());
      call->finish(absl::OkStatus(), &response);
      return true;
    }
    if (method == "Later") {
      loop_->queueInLoop([call] {
        testing::EchoResponse response;
        call->finish(absl::OkStatus(), &response);
      });
      return true;
    }
    return false;
  }
  [[nodiscard]] int64_t calls() const { return calls_; }

 private:
  net::EventLoop* const loop_;
  int64_t calls_ = 0;  // loop thread only
};

// What the model expects back for one call id: at least `least` and at most
// `most` RESPONSE frames.
struct Expected {
  int least = 0;
  int most = 0;
};

// The protocol as the server should apply it, over the same chunks.
class Model {
 public:
  // Takes one turn's chunk; false once the server should have closed.
  bool turn(std::string_view chunk) {
    if (closed_) return false;
    buf_.append(chunk);
    turnRequests_.clear();
    absl::flat_hash_map<uint64_t, bool> later;  // Later calls running: id -> sure
    for (;;) {
      DecodedFrame frame;
      std::string error;
      const DecodeStatus status = decodeFrame(buf_, kMaxFrame, &frame, &error);
      if (status == DecodeStatus::kNeedMore) break;
      if (status == DecodeStatus::kError) return close();
      const MetaView& meta = frame.meta;
      if (meta.type() == RpcMeta::CANCEL) {
        // Only a call still running can be cancelled; it then gets no answer.
        if (auto it = later.find(meta.call_id()); it != later.end()) {
          if (it->second) expected_[meta.call_id()].least -= 1;
          later.erase(it);
        }
      } else if (meta.type() == RpcMeta::REQUEST) {
        if (later.contains(meta.call_id())) return close();
        turnRequests_.push_back(meta.call_id());
        const bool sure = meta.timeout_us() <= 0 || meta.timeout_us() >= kSureTimeoutUs;
        Expected& e = expected_[meta.call_id()];
        e.most += 1;
        if (sure) e.least += 1;
        if (meta.timeout_us() >= 0 && meta.service() == kServiceName) {
          ++dispatched_;
          if (meta.method() == "Later") later[meta.call_id()] = sure;
        }
      } else {
        return close();
      }
      buf_.retrieve(frame.frameLength);
    }
    return true;
  }

  [[nodiscard]] bool closed() const { return closed_; }
  // Requests that reach the service's handler.
  [[nodiscard]] int64_t dispatched() const { return dispatched_; }
  [[nodiscard]] const absl::flat_hash_map<uint64_t, Expected>& expected() const {
    return expected_;
  }

 private:
  // The server closes in this turn: what it answered in the turn may be lost.
  bool close() {
    closed_ = true;
    for (uint64_t id : turnRequests_) expected_[id].least = 0;
    return false;
  }

  net::Buffer buf_;
  absl::flat_hash_map<uint64_t, Expected> expected_;
  std::vector<uint64_t> turnRequests_;  // this turn's requests, by id
  int64_t dispatched_ = 0;
  bool closed_ = false;
};

// One server and loop for the whole run: building them per input would cost
// more than the input.
struct Harness {
  net::EventLoop loop;
  FuzzService service{&loop};
  RpcServer server{&loop, net::InetAddress(0, /*loopbackOnly=*/true), options()};

  Harness() { server.addService(&service); }

  static RpcServer::Options options() {
    RpcServer::Options o;
    o.maxFrameSize = kMaxFrame;
    return o;
  }
};

Harness& harness() {
  static Harness* h = new Harness;  // never destroyed: the process ends with it
  return *h;
}

// Counts the RESPONSE frames received so far by call id.
void countReplies(net::Buffer* in, absl::flat_hash_map<uint64_t, int>* replies) {
  for (;;) {
    DecodedFrame frame;
    std::string error;
    const DecodeStatus status = decodeFrame(*in, kDefaultMaxFrameSize, &frame, &error);
    require(status != DecodeStatus::kError, "the server sends only frames a client can decode");
    if (status == DecodeStatus::kNeedMore) return;
    require(frame.meta.type() == RpcMeta::RESPONSE, "the server answers unary calls only");
    (*replies)[frame.meta.call_id()] += 1;
    in->retrieve(frame.frameLength);
  }
}

void runOne(const uint8_t* data, size_t size) {
  Harness& h = harness();
  const int64_t inFlightBefore = h.server.inFlightCalls();
  const int64_t callsBefore = h.service.calls();
  testing::SocketPairConnection client(&h.loop, &h.server);
  fuzzing::SplitPoints split(data, size);
  Model model;
  net::Buffer replyBytes;
  absl::flat_hash_map<uint64_t, int> replies;
  for (std::string_view chunk = split.next(); !chunk.empty(); chunk = split.next()) {
    // A socketpair takes a whole chunk (at most libFuzzer's -max_len) at once.
    require(client.send(chunk), "the socketpair takes the chunk");
    const bool open = model.turn(chunk);
    client.turn();
    client.receive(&replyBytes);
    countReplies(&replyBytes, &replies);
    if (!open) break;
  }
  client.turn();  // a forced close and deferred writes finish here
  client.receive(&replyBytes);
  countReplies(&replyBytes, &replies);
  require(client.serverClosed() == model.closed(),
          "the server closes the connection exactly when the stream turns bad");
  require(h.service.calls() - callsBefore == model.dispatched(),
          "every request before the stream turned bad runs, and none after");
  for (const auto& [id, count] : replies) {
    auto it = model.expected().find(id);
    require(it != model.expected().end(), "no answer to a call id never asked for");
    require(count <= it->second.most, "no call is answered twice");
  }
  for (const auto& [id, e] : model.expected()) {
    auto it = replies.find(id);
    require((it == replies.end() ? 0 : it->second) >= e.least,
            "every well-formed request is answered");
  }
  require(client.hangUp(8), "the connection is torn down within a few turns of the client leaving");
  require(h.server.inFlightCalls() == inFlightBefore, "no call outlives its connection");
}

}  // namespace
}  // namespace muduo::rpc

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // The server logs every connection it closes for a bad frame, and the
  // socketpair refuses TCP options; a fuzzer makes millions of each.
  muduo::fuzzing::discardLogs();
  google::protobuf::SetLogHandler(nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  muduo::rpc::harness();  // built outside the budget, once
  muduo::fuzzing::AllocationBudget budget;
  muduo::rpc::runOne(data, size);
  // Per request: a ServerCall, its answer's frame, the loop's functors; the
  // socket buffers are the kernel's.
  budget.check(size, 1024, 256 * 1024);
  return 0;
}
