// protoc-gen-mrpc: protoc runs it for --mrpc_out; see RpcGenerator.h.
#include "google/protobuf/compiler/plugin.h"
#include "rpc/compiler/RpcGenerator.h"

int main(int argc, char* argv[]) {
  muduo::rpc::RpcGenerator generator;
  return google::protobuf::compiler::PluginMain(argc, argv, &generator);
}
