// makeResolver: the resolver a service URL asks for.
//
//   list://10.0.0.1:9090,10.0.0.2:9090   a fixed list (ListResolver.h)
//   dns://db.internal:5432?refresh=10   every address of a name, refreshed
//                                        (DnsResolver.h)
//   zk://10.0.0.1:2181,10.0.0.2:2181/services/muduo.kv.KvService
//                                        ZooKeeper, watched (ZkResolver.h)
//
// Any thread; a pure function of the URL (no lookups happen until start()).
#ifndef RPC_NAMING_NAMING_H_
#define RPC_NAMING_NAMING_H_

#include <memory>
#include <string_view>

#include "absl/status/statusor.h"
#include "rpc/naming/Resolver.h"

namespace muduo::rpc::naming {

// INVALID_ARGUMENT, naming the URL, for an unknown scheme or a malformed
// address part.
[[nodiscard]] absl::StatusOr<std::unique_ptr<Resolver>> makeResolver(std::string_view url);

}  // namespace muduo::rpc::naming

#endif  // RPC_NAMING_NAMING_H_
