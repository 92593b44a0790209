// RpcGenerator: the protoc code generator behind protoc-gen-mrpc.
//
// For foo.proto it writes foo.rpc.h and foo.rpc.cc: per service S, a class
// S holding kServiceName, a typed server base S::Service (derives from
// muduo::rpc::Service) and a typed client S::Stub over muduo::rpc::RpcChannel.
// Unary and server-streaming methods only; anything else, or a name the
// generated C++ could not spell, is reported as a protoc error.
//
// Thread contract: none; protoc calls Generate() from one thread.
#ifndef RPC_COMPILER_RPCGENERATOR_H_
#define RPC_COMPILER_RPCGENERATOR_H_

#include <cstdint>
#include <string>

#include "google/protobuf/compiler/code_generator.h"

namespace muduo::rpc {

class RpcGenerator final : public google::protobuf::compiler::CodeGenerator {
 public:
  bool Generate(const google::protobuf::FileDescriptor* file, const std::string& parameter,
                google::protobuf::compiler::GeneratorContext* context,
                std::string* error) const override;

  // Fields are not our business, so proto3 `optional` needs no support.
  [[nodiscard]] uint64_t GetSupportedFeatures() const override { return FEATURE_PROTO3_OPTIONAL; }
};

}  // namespace muduo::rpc

#endif  // RPC_COMPILER_RPCGENERATOR_H_
