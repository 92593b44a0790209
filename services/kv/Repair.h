// Repair: the explicit salvage of a damaged data directory, for when the
// store refuses to start (Store::open's DATA_LOSS). Store::repair() and
// `kv_server --repair` run it.
//
// Each log and snapshot that does not read cleanly to its end is rewritten
// with every valid record it holds: after a bad stretch the reader
// resynchronises on the next offset where a record's header and checksum
// check out. A snapshot is rebuilt from its valid records with a fresh end
// record. The rewritten file carries the current format header; the
// original is kept beside it as <file>.corrupt. Clean files are not touched.
//
// Thread safety: a free function holding the directory's lock while it runs.
#ifndef SERVICES_KV_REPAIR_H_
#define SERVICES_KV_REPAIR_H_

#include <string>

#include "absl/status/statusor.h"

namespace muduo::kv {

class Env;

// The report: per rewritten file, the records kept and each dropped stretch
// (offset, bytes, why); or that nothing needed repair.
[[nodiscard]] absl::StatusOr<std::string> repairDataDir(Env* env, const std::string& dir);

}  // namespace muduo::kv

#endif  // SERVICES_KV_REPAIR_H_
