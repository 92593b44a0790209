#include "services/echo/EchoServiceImpl.h"

#include <memory>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"

namespace muduo::echo {
namespace {

// One Repeat stream. Writes while the connection has room under its output
// budget, then waits for onReady, so a client that reads slowly (or not at
// all) holds its stream back instead of making the server buffer it.
struct RepeatStream : std::enable_shared_from_this<RepeatStream> {
  RepeatStream(rpc::ServerWriter<EchoResponse> w, std::string t, int n)
      : writer(std::move(w)), text(std::move(t)), count(n) {}

  void pump() {
    EchoResponse response;
    while (next <= count) {
      if (!writer.IsReady()) {
        // Cancelled, expired or gone: the call has ended already.
        if (writer.context()->isCancelled()) return;
        writer.OnReady([self = shared_from_this()] { self->pump(); });
        return;
      }
      response.set_text(absl::StrCat(next, ": ", text));
      if (!writer.Write(response)) return;
      ++next;
    }
    writer.Finish(absl::OkStatus());
  }

  rpc::ServerWriter<EchoResponse> writer;
  const std::string text;
  const int count;
  int next = 1;
};

}  // namespace

void EchoServiceImpl::Echo(rpc::ServerContext*, const EchoRequest* request, EchoResponse* response,
                           rpc::DoneCallback done) {
  response->set_text(request->text());
  std::move(done)(absl::OkStatus());
}

void EchoServiceImpl::Repeat(rpc::ServerContext*, const RepeatRequest* request,
                             rpc::ServerWriter<EchoResponse> writer) {
  if (request->count() < 0 || request->count() > kMaxRepeat) {
    writer.Finish(
        absl::InvalidArgumentError(absl::StrCat("count must be between 0 and ", kMaxRepeat)));
    return;
  }
  std::make_shared<RepeatStream>(std::move(writer), request->text(), request->count())->pump();
}

}  // namespace muduo::echo
