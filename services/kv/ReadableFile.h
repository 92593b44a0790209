// ReadableFile: the whole contents of a file, read-only, as an Env hands it
// out (the posix Env maps it). LogReader reads records straight out of it.
//
// Thread contract: data() may be read from any thread; the file must not
// shrink while this lives (the store truncates only after closing readers).
#ifndef SERVICES_KV_READABLEFILE_H_
#define SERVICES_KV_READABLEFILE_H_

#include <string_view>

namespace muduo::kv {

class ReadableFile {
 public:
  virtual ~ReadableFile() = default;
  // Valid while this object lives.
  [[nodiscard]] virtual std::string_view data() const = 0;
};

}  // namespace muduo::kv

#endif  // SERVICES_KV_READABLEFILE_H_
