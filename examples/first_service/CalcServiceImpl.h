// CalcServiceImpl: the calculator's logic.
//
// Thread contract: stateless; its methods run concurrently in any I/O thread.
#ifndef EXAMPLES_FIRST_SERVICE_CALCSERVICEIMPL_H_
#define EXAMPLES_FIRST_SERVICE_CALCSERVICEIMPL_H_

#include "examples/first_service/calc.rpc.h"

namespace example::calc {

class CalcServiceImpl final : public CalcService::Service {
 public:
  static constexpr int kMaxCount = 1000;

  void Add(muduo::rpc::ServerContext* context, const AddRequest* request, AddResponse* response,
           muduo::rpc::DoneCallback done) override;
  void Count(muduo::rpc::ServerContext* context, const CountRequest* request,
             muduo::rpc::ServerWriter<CountResponse> writer) override;
};

}  // namespace example::calc

#endif  // EXAMPLES_FIRST_SERVICE_CALCSERVICEIMPL_H_
