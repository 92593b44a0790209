// GreeterImpl: says hello. Stateless; runs in any I/O thread.
#ifndef GREETERIMPL_H_
#define GREETERIMPL_H_

#include "greeter.rpc.h"

namespace external::greeter {

class GreeterImpl final : public Greeter::Service {
 public:
  void SayHello(muduo::rpc::ServerContext*, const HelloRequest* request, HelloReply* reply,
                muduo::rpc::DoneCallback done) override {
    reply->set_message("hello, " + request->name());
    std::move(done)(absl::OkStatus());
  }
};

}  // namespace external::greeter

#endif  // GREETERIMPL_H_
