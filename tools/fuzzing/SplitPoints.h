// SplitPoints: lets a fuzz input choose where a byte stream is cut, so the
// fuzzer explores how an incremental parser copes with data arriving in
// pieces as well as what the data says.
//
// The input's first byte is a seed; the rest is the stream. Chunk sizes are
// drawn from the seed, so a given input always splits the same way and
// libFuzzer can mutate the split as it mutates the bytes. A seed of 0 gives
// the whole stream in one chunk.
//
// A plain value; no threads.
#ifndef TOOLS_FUZZING_SPLITPOINTS_H_
#define TOOLS_FUZZING_SPLITPOINTS_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace muduo::fuzzing {

class SplitPoints {
 public:
  SplitPoints(const uint8_t* data, size_t size)
      : seed_(size > 0 ? data[0] : 0),
        state_(seed_ * 2654435761u + 1),
        stream_(reinterpret_cast<const char*>(data) + (size > 0 ? 1 : 0), size > 0 ? size - 1 : 0) {
  }

  // The whole stream, without the seed byte.
  [[nodiscard]] std::string_view stream() const { return stream_; }

  // The next chunk of the stream; empty once it is used up.
  std::string_view next() {
    size_t left = stream_.size() - pos_;
    size_t n = left;
    if (seed_ != 0 && left > 0) {
      state_ = state_ * 1103515245u + 12345u;
      // Mostly short chunks (1..seed bytes), now and then a long one.
      uint32_t r = state_ >> 8;
      n = (r % 8 == 0) ? 1 + r % left : 1 + r % seed_;
      if (n > left) n = left;
    }
    std::string_view chunk = stream_.substr(pos_, n);
    pos_ += n;
    return chunk;
  }

  [[nodiscard]] bool done() const { return pos_ == stream_.size(); }

 private:
  uint8_t seed_;
  uint32_t state_;
  std::string_view stream_;
  size_t pos_ = 0;
};

}  // namespace muduo::fuzzing

#endif  // TOOLS_FUZZING_SPLITPOINTS_H_
