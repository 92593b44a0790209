// grpc_echo_server: the gRPC peer of rpc_bench_server. One completion queue
// served by one thread (the main one), so it is one event loop like ours.
//   grpc_echo_server [--port=0]   prints "grpc_echo_server listening on 127.0.0.1:PORT"
#include <grpcpp/grpcpp.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "echo.grpc.pb.h"

namespace {

// One call from request to answer; its address is the completion-queue tag.
struct Call {
  grpc::ServerContext context;
  grpcpeer::EchoRequest request;
  grpcpeer::EchoResponse response;
  grpc::ServerAsyncResponseWriter<grpcpeer::EchoResponse> responder{&context};
  bool answered = false;
};

void awaitCall(grpcpeer::EchoService::AsyncService* service, grpc::ServerCompletionQueue* cq) {
  auto* call = new Call;
  service->RequestEcho(&call->context, &call->request, &call->responder, cq, cq, call);
}

}  // namespace

int main(int argc, char* argv[]) {
  int port = 0;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.rfind("--port=", 0) == 0) {
      port = atoi(arg.c_str() + 7);
    } else {
      fprintf(stderr, "usage: grpc_echo_server [--port=0]\n");
      return 2;
    }
  }
  grpcpeer::EchoService::AsyncService service;
  grpc::ServerBuilder builder;
  int bound = 0;
  builder.AddListeningPort("127.0.0.1:" + std::to_string(port), grpc::InsecureServerCredentials(),
                           &bound);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::ServerCompletionQueue> cq = builder.AddCompletionQueue();
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (!server || bound == 0) {
    fprintf(stderr, "grpc_echo_server: cannot listen on port %d\n", port);
    return 1;
  }
  printf("grpc_echo_server listening on 127.0.0.1:%d\n", bound);
  fflush(stdout);
  awaitCall(&service, cq.get());
  void* tag = nullptr;
  bool ok = false;
  while (cq->Next(&tag, &ok)) {  // runs until killed
    auto* call = static_cast<Call*>(tag);
    if (!ok || call->answered) {
      if (!call->answered) awaitCall(&service, cq.get());  // a failed accept: keep one pending
      delete call;
      continue;
    }
    awaitCall(&service, cq.get());
    call->response.set_payload(call->request.payload());
    call->answered = true;
    call->responder.Finish(call->response, grpc::Status::OK, call);
  }
}
