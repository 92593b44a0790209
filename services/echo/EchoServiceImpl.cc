#include "services/echo/EchoServiceImpl.h"

#include "absl/strings/str_cat.h"

namespace muduo::echo {

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
  EchoResponse response;
  for (int i = 1; i <= request->count(); ++i) {
    response.set_text(absl::StrCat(i, ": ", request->text()));
    // False once the client cancelled or went away: stop early.
    if (!writer.Write(response)) return;
  }
  writer.Finish(absl::OkStatus());
}

}  // namespace muduo::echo
