// main() for fuzz targets outside libFuzzer: the replay face of
// muduo_fuzz_test. Runs every file named on the command line, and every file
// under each directory named, through LLVMFuzzerTestOneInput once, in sorted
// order. Arguments starting with '-' (libFuzzer options) are ignored.
//
// Each input is copied into a heap block of exactly its size, so a sanitizer
// build catches a read past the end just as libFuzzer's would. Fails when a
// path does not exist or nothing was replayed: an empty seed corpus is a
// mistake in the BUILD file, not a pass.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);
extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) __attribute__((weak));

namespace {

bool collect(const std::filesystem::path& path, std::vector<std::filesystem::path>* files) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    for (const auto& entry : std::filesystem::recursive_directory_iterator(
             path, std::filesystem::directory_options::follow_directory_symlink, ec)) {
      if (!entry.is_directory()) files->push_back(entry.path());
    }
    return !ec;
  }
  if (std::filesystem::exists(path, ec)) {
    files->push_back(path);
    return true;
  }
  return false;
}

bool replay(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // Exactly sized, so an overread is a heap-buffer-overflow under ASan.
  std::unique_ptr<uint8_t[]> data(new uint8_t[bytes.size()]);
  std::copy(bytes.begin(), bytes.end(), data.get());
  LLVMFuzzerTestOneInput(data.get(), bytes.size());
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (LLVMFuzzerInitialize != nullptr) LLVMFuzzerInitialize(&argc, &argv);
  std::vector<std::filesystem::path> files;
  for (int i = 1; i < argc; ++i) {
    if (argv[i][0] == '-') continue;
    if (!collect(argv[i], &files)) {
      std::fprintf(stderr, "ReplayMain: cannot read %s\n", argv[i]);
      return 1;
    }
  }
  std::sort(files.begin(), files.end());
  for (const auto& file : files) {
    std::fprintf(stderr, "replaying %s\n", file.c_str());
    if (!replay(file)) {
      std::fprintf(stderr, "ReplayMain: cannot read %s\n", file.c_str());
      return 1;
    }
  }
  std::fprintf(stderr, "ReplayMain: %zu inputs replayed\n", files.size());
  return files.empty() ? 1 : 0;
}
