// EndpointFormat: how an Endpoint is written into a znode's data, and read
// back strictly. The format is specified in rpc/naming/README.md ("The znode
// data of an endpoint"); EndpointFormat_test.cc checks the examples there.
//
// Pure functions; any thread.
#ifndef RPC_NAMING_ENDPOINTFORMAT_H_
#define RPC_NAMING_ENDPOINTFORMAT_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "rpc/naming/Resolver.h"

namespace muduo::rpc::naming {

// The first line of every endpoint's data; a later, incompatible format
// changes the number.
inline constexpr std::string_view kEndpointFormatHeader = "muduo-endpoint 1";
inline constexpr size_t kMaxEndpointDataBytes = 16 * 1024;
inline constexpr size_t kMaxMetadataEntries = 64;
inline constexpr size_t kMaxMetadataValueBytes = 1024;
inline constexpr uint32_t kMaxWeight = 1000000;

// INVALID_ARGUMENT if `endpoint` cannot be written in the format (a
// metadata name or value it does not allow, too many entries, a weight over
// kMaxWeight), so a server refuses to register what no client would read.
[[nodiscard]] absl::StatusOr<std::string> encodeEndpoint(const Endpoint& endpoint);

// INVALID_ARGUMENT saying what is wrong (and on which line) for anything
// that is not exactly the format.
[[nodiscard]] absl::StatusOr<Endpoint> parseEndpoint(std::string_view data);

}  // namespace muduo::rpc::naming

#endif  // RPC_NAMING_ENDPOINTFORMAT_H_
