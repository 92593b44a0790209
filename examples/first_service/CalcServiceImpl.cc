#include "examples/first_service/CalcServiceImpl.h"

#include "absl/strings/str_cat.h"

namespace example::calc {

void CalcServiceImpl::Add(muduo::rpc::ServerContext*, const AddRequest* request,
                          AddResponse* response, muduo::rpc::DoneCallback done) {
  response->set_sum(request->a() + request->b());
  std::move(done)(absl::OkStatus());
}

void CalcServiceImpl::Count(muduo::rpc::ServerContext*, const CountRequest* request,
                            muduo::rpc::ServerWriter<CountResponse> writer) {
  if (request->to() < 1 || request->to() > kMaxCount) {
    writer.Finish(absl::InvalidArgumentError(absl::StrCat("to must be 1 to ", kMaxCount)));
    return;
  }
  // At most 1000 small messages stay far below the connection's output
  // budget, so this writes them all at once; a long stream would wait for
  // writer.OnReady() instead (rpc/README.md shows how).
  CountResponse response;
  for (int n = 1; n <= request->to(); ++n) {
    response.set_n(n);
    if (!writer.Write(response)) return;  // the client went away
  }
  writer.Finish(absl::OkStatus());
}

}  // namespace example::calc
