// grpc_echo_client: the gRPC peer of rpc_bench (the load client). A closed
// loop of --outstanding calls on each of --connections channels (each its
// own TCP connection), all driven by one completion queue in one thread.
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "echo.grpc.pb.h"

namespace {

struct Call {
  grpc::ClientContext context;
  grpcpeer::EchoResponse response;
  grpc::Status status;
  std::unique_ptr<grpc::ClientAsyncResponseReader<grpcpeer::EchoResponse>> reader;
  size_t channel = 0;
};

void startCall(grpcpeer::EchoService::Stub* stub, size_t channel,
               const grpcpeer::EchoRequest& request, grpc::CompletionQueue* cq) {
  auto* call = new Call;
  call->channel = channel;
  call->reader = stub->PrepareAsyncEcho(&call->context, request, cq);
  call->reader->StartCall();
  call->reader->Finish(&call->response, &call->status, call);
}

}  // namespace

int main(int argc, char* argv[]) {
  int port = 0, connections = 50, outstanding = 1, payload = 16;
  double seconds = 2;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&arg](const char* name) -> const char* {
      const std::string prefix = std::string("--") + name + "=";
      return arg.rfind(prefix, 0) == 0 ? arg.c_str() + prefix.size() : nullptr;
    };
    if (const char* v = value("port")) {
      port = atoi(v);
    } else if (const char* v = value("connections")) {
      connections = atoi(v);
    } else if (const char* v = value("outstanding")) {
      outstanding = atoi(v);
    } else if (const char* v = value("payload")) {
      payload = atoi(v);
    } else if (const char* v = value("seconds")) {
      seconds = atof(v);
    } else {
      port = 0;
      break;
    }
  }
  if (port <= 0 || connections < 1 || outstanding < 1 || payload < 0 || seconds <= 0) {
    fprintf(stderr,
            "usage: grpc_echo_client --port=N [--connections=50] [--outstanding=1] "
            "[--payload=16] [--seconds=2]\n");
    return 2;
  }
  const std::string target = "127.0.0.1:" + std::to_string(port);
  std::vector<std::unique_ptr<grpcpeer::EchoService::Stub>> stubs;
  for (int i = 0; i < connections; ++i) {
    grpc::ChannelArguments args;
    // Without this, channels to one target share one TCP connection.
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    auto channel = grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args);
    if (!channel->WaitForConnected(std::chrono::system_clock::now() + std::chrono::seconds(10))) {
      fprintf(stderr, "grpc_echo_client: cannot connect to %s\n", target.c_str());
      return 1;
    }
    stubs.push_back(grpcpeer::EchoService::NewStub(channel));
  }
  grpcpeer::EchoRequest request;
  request.set_payload(std::string(static_cast<size_t>(payload), 'x'));
  grpc::CompletionQueue cq;
  const auto start = std::chrono::steady_clock::now();
  const auto end = start + std::chrono::duration<double>(seconds);
  for (size_t c = 0; c < stubs.size(); ++c) {
    for (int k = 0; k < outstanding; ++k) startCall(stubs[c].get(), c, request, &cq);
  }
  long long calls = 0, errors = 0;
  int inFlight = connections * outstanding;
  bool measuring = true;
  auto stopped = end;
  while (inFlight > 0) {
    void* tag = nullptr;
    bool ok = false;
    if (cq.Next(&tag, &ok) == false) break;
    auto* call = static_cast<Call*>(tag);
    const size_t channel = call->channel;
    if (measuring) (ok && call->status.ok() ? calls : errors)++;
    delete call;
    --inFlight;
    if (measuring && std::chrono::steady_clock::now() >= end) {
      measuring = false;  // drain what is in flight, start nothing new
      stopped = std::chrono::steady_clock::now();
    }
    if (measuring) {
      startCall(stubs[channel].get(), channel, request, &cq);
      ++inFlight;
    }
  }
  const double elapsed = std::chrono::duration<double>(stopped - start).count();
  printf(
      "grpc_echo_client: %d connections x %d outstanding, %d B payload, %.2f s: "
      "%.0f calls/s, %lld calls, %lld errors\n",
      connections, outstanding, payload, elapsed, static_cast<double>(calls) / elapsed, calls,
      errors);
  return errors == 0 ? 0 : 1;
}
