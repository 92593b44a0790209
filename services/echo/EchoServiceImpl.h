// EchoServiceImpl: the echo service's logic.
//
// Thread contract: stateless; its methods run concurrently in any I/O thread.
// Repeat streams are flow-controlled: each continues from onReady when its
// connection drains, in that connection's loop thread.
#ifndef SERVICES_ECHO_ECHOSERVICEIMPL_H_
#define SERVICES_ECHO_ECHOSERVICEIMPL_H_

#include "services/echo/echo.rpc.h"

namespace muduo::echo {

class EchoServiceImpl final : public EchoService::Service {
 public:
  static constexpr int kMaxRepeat = 100000;

  void Echo(rpc::ServerContext* context, const EchoRequest* request, EchoResponse* response,
            rpc::DoneCallback done) override;
  void Repeat(rpc::ServerContext* context, const RepeatRequest* request,
              rpc::ServerWriter<EchoResponse> writer) override;
};

}  // namespace muduo::echo

#endif  // SERVICES_ECHO_ECHOSERVICEIMPL_H_
