// ClientCommand: the commands of kv_client, on a KvService stub:
//
//   put K V        -> "OK" (with ttlMs, the key expires that long after)
//   get K          -> the value (exit 1 and "(not found)" on stderr if absent)
//   del K          -> "deleted" or "not found"
//   scan PREFIX    -> "key<TAB>value" lines in key order, every page
//   cas K OLD NEW  -> "swapped", or exit 1 and what the key holds; with
//                     expectAbsent the form is "cas K NEW", with remove
//                     "cas K OLD" (both: "cas K")
//
//   expire K MS    -> "OK", or exit 1 if absent (MS 0: never expire)
//   ttl K          -> "N ms" or "never", or exit 1 if absent
//
// Exit status: 0 done, 1 not found / not swapped, 2 usage or call error.
//
// Thread contract: any thread but the stub's channel loop (calls block).
#ifndef SERVICES_KV_CLIENTCOMMAND_H_
#define SERVICES_KV_CLIENTCOMMAND_H_

#include <cstddef>
#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "services/kv/kv.rpc.h"

namespace muduo::kv {

struct CommandOptions {
  bool expectAbsent = false;  // cas: the key must not exist
  bool remove = false;        // cas: delete instead of setting
  size_t scanLimit = 0;       // scan: at most this many entries (0: all)
  uint64_t ttlMs = 0;         // put: expire after this long (0: never)
};

// The blocking calls the commands make: a stub over one server, or a
// cluster client routing each key to its node (services/kv/cluster).
class KvCalls {
 public:
  virtual ~KvCalls() = default;
  virtual absl::Status Get(const GetRequest& request, GetResponse* response) = 0;
  virtual absl::Status Put(const PutRequest& request, PutResponse* response) = 0;
  virtual absl::Status Delete(const DeleteRequest& request, DeleteResponse* response) = 0;
  virtual absl::Status Scan(const ScanRequest& request, ScanResponse* response) = 0;
  virtual absl::Status CompareAndSet(const CompareAndSetRequest& request,
                                     CompareAndSetResponse* response) = 0;
  virtual absl::Status Expire(const ExpireRequest& request, ExpireResponse* response) = 0;
};

int runCommand(KvCalls& kv, const std::vector<std::string>& args, const CommandOptions& options,
               std::ostream& out, std::ostream& err);
int runCommand(KvService::Stub& stub, const std::vector<std::string>& args,
               const CommandOptions& options, std::ostream& out, std::ostream& err);

}  // namespace muduo::kv

#endif  // SERVICES_KV_CLIENTCOMMAND_H_
