#include "muduo/net/http/OpenFileCache.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace muduo::net {
namespace {

using std::chrono::milliseconds;

void writeFile(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  ASSERT_TRUE(out.good()) << path;
}

size_t countOpenFds() {
  size_t n = 0;
  DIR* dir = ::opendir("/proc/self/fd");
  while (::readdir(dir) != nullptr) ++n;
  ::closedir(dir);
  return n;
}

// A root with a few files and an "outside" directory beside it; a clock the
// test moves by hand.
class OpenFileCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* tmp = std::getenv("TEST_TMPDIR");
    static int serial = 0;
    base_ = std::string(tmp != nullptr ? tmp : "/tmp") + "/ofc_" + std::to_string(::getpid()) +
            "_" + std::to_string(serial++);
    root_ = base_ + "/root";
    ASSERT_EQ(::mkdir(base_.c_str(), 0755), 0);
    ASSERT_EQ(::mkdir(root_.c_str(), 0755), 0);
    ASSERT_EQ(::mkdir((base_ + "/outside").c_str(), 0755), 0);
    writeFile(base_ + "/outside/secret", "SECRET");
    for (int i = 0; i < 10; ++i)
      writeFile(root_ + "/f" + std::to_string(i), "file " + std::to_string(i));
    rootFd_ =
        std::make_shared<const UniqueFd>(::open(root_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    ASSERT_TRUE(rootFd_->valid());
  }

  OpenFileCache::Options options() {
    OpenFileCache::Options o;
    o.validity = milliseconds(1000);
    o.maxFileBytesInMemory = 64 * 1024;
    o.clock = [this] { return OpenFileCache::Clock::time_point(milliseconds(nowMs_.load())); };
    return o;
  }

  // The file's contents through the cache, or "errno N" when it is refused.
  static std::string read(OpenFileCache& cache, const std::string& relative) {
    int error = 0;
    OpenFileCache::FilePtr file = cache.lookup(relative, &error);
    if (file == nullptr) return "errno " + std::to_string(error);
    if (file->contents != nullptr) return *file->contents;
    std::string out(static_cast<size_t>(file->identity.size), '\0');
    if (::pread(file->fd.get(), out.data(), out.size(), 0) != static_cast<ssize_t>(out.size())) {
      return "short read";
    }
    return out;
  }

  std::string base_;
  std::string root_;
  std::shared_ptr<const UniqueFd> rootFd_;
  std::atomic<int64_t> nowMs_{1'000'000};
};

TEST_F(OpenFileCacheTest, ASecondLookupWithinTheValidityIsAHitAndOpensNothing) {
  OpenFileCache cache(rootFd_, options());
  EXPECT_EQ(read(cache, "f1"), "file 1");
  writeFile(root_ + "/f1", "changed, longer");
  // Within the validity the cached bytes are served: nothing was opened.
  EXPECT_EQ(read(cache, "f1"), "file 1");
  const OpenFileCache::Stats stats = cache.stats();
  EXPECT_EQ(stats.hits, 1u);
  EXPECT_EQ(stats.misses, 1u);
  EXPECT_EQ(stats.entries, 1u);
  EXPECT_EQ(stats.bytesInMemory, 6u);
  EXPECT_EQ(stats.openFiles, 0u);
}

TEST_F(OpenFileCacheTest, AModifiedDeletedOrReplacedFileIsSeenOnceTheValidityHasPassed) {
  OpenFileCache cache(rootFd_, options());
  EXPECT_EQ(read(cache, "f1"), "file 1");
  writeFile(root_ + "/f1", "modified");
  nowMs_ += 999;
  EXPECT_EQ(read(cache, "f1"), "file 1");
  nowMs_ += 1;
  EXPECT_EQ(read(cache, "f1"), "modified");

  writeFile(root_ + "/f1.new", "replaced");
  ASSERT_EQ(::rename((root_ + "/f1.new").c_str(), (root_ + "/f1").c_str()), 0);
  nowMs_ += 1000;
  EXPECT_EQ(read(cache, "f1"), "replaced");

  ASSERT_EQ(::unlink((root_ + "/f1").c_str()), 0);
  nowMs_ += 1000;
  EXPECT_EQ(read(cache, "f1"), "errno " + std::to_string(ENOENT));
  EXPECT_EQ(cache.stats().entries, 0u);
}

TEST_F(OpenFileCacheTest, ZeroValidityChecksEveryLookupButKeepsUnchangedContents) {
  OpenFileCache::Options o = options();
  o.validity = milliseconds(0);
  OpenFileCache cache(rootFd_, o);
  int error = 0;
  OpenFileCache::FilePtr first = cache.lookup("f2", &error);
  ASSERT_NE(first, nullptr);
  OpenFileCache::FilePtr second = cache.lookup("f2", &error);
  // Checked again (a miss), found unchanged: the same entry.
  EXPECT_EQ(first, second);
  EXPECT_EQ(cache.stats().hits, 0u);
  writeFile(root_ + "/f2", "now different");
  EXPECT_EQ(read(cache, "f2"), "now different");
}

TEST_F(OpenFileCacheTest, KeepsAtMostMaxEntriesDroppingTheLeastRecentlyUsed) {
  OpenFileCache::Options o = options();
  o.maxEntries = 3;
  OpenFileCache cache(rootFd_, o);
  for (const char* f : {"f0", "f1", "f2"}) EXPECT_EQ(read(cache, f).substr(0, 4), "file");
  EXPECT_EQ(read(cache, "f0"), "file 0");  // f1 is now the least recently used
  EXPECT_EQ(read(cache, "f3"), "file 3");
  EXPECT_EQ(cache.stats().entries, 3u);
  const uint64_t misses = cache.stats().misses;
  EXPECT_EQ(read(cache, "f0"), "file 0");
  EXPECT_EQ(read(cache, "f2"), "file 2");
  EXPECT_EQ(cache.stats().misses, misses);
  EXPECT_EQ(read(cache, "f1"), "file 1");
  EXPECT_EQ(cache.stats().misses, misses + 1);
}

TEST_F(OpenFileCacheTest, NeverHoldsMoreDescriptorsOrBytesThanItsLimits) {
  OpenFileCache::Options o = options();
  o.maxFileBytesInMemory = 0;  // every file by descriptor
  o.maxOpenFiles = 3;
  OpenFileCache cache(rootFd_, o);
  const size_t fdsBefore = countOpenFds();
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 10; ++i) {
      EXPECT_EQ(read(cache, "f" + std::to_string(i)), "file " + std::to_string(i));
      EXPECT_LE(cache.stats().openFiles, 3u);
    }
  }
  EXPECT_EQ(cache.stats().openFiles, 3u);
  EXPECT_LE(countOpenFds(), fdsBefore + 3);

  OpenFileCache::Options m = options();
  m.maxBytesInMemory = 14;  // two of the six-byte files
  OpenFileCache memory(rootFd_, m);
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(read(memory, "f" + std::to_string(i)), "file " + std::to_string(i));
    EXPECT_LE(memory.stats().bytesInMemory, 14u);
  }
  EXPECT_EQ(memory.stats().entries, 2u);
  EXPECT_EQ(memory.stats().openFiles, 0u);

  // Off: nothing kept, every lookup opens.
  OpenFileCache::Options off = options();
  off.maxEntries = 0;
  OpenFileCache none(rootFd_, off);
  EXPECT_EQ(read(none, "f1"), "file 1");
  EXPECT_EQ(read(none, "f1"), "file 1");
  EXPECT_EQ(none.stats().entries, 0u);
  EXPECT_EQ(none.stats().misses, 2u);
}

TEST_F(OpenFileCacheTest, ASymlinkSwappedInAfterCachingNeverLeadsOutOfTheRoot) {
  OpenFileCache::Options o = options();
  for (size_t inMemory : {size_t{64 * 1024}, size_t{0}}) {
    o.maxFileBytesInMemory = inMemory;
    OpenFileCache cache(rootFd_, o);
    writeFile(root_ + "/swap", "INSIDE");
    EXPECT_EQ(read(cache, "swap"), "INSIDE");
    const std::string link = root_ + "/swap.link";
    ASSERT_EQ(::symlink("../outside/secret", link.c_str()), 0);
    ASSERT_EQ(::rename(link.c_str(), (root_ + "/swap").c_str()), 0);
    // Within the validity: the file that was checked, still inside.
    EXPECT_EQ(read(cache, "swap"), "INSIDE");
    nowMs_ += 1000;
    const std::string refused = read(cache, "swap");
    EXPECT_TRUE(refused == "errno " + std::to_string(EXDEV) ||
                refused == "errno " + std::to_string(ELOOP))
        << refused;
    EXPECT_EQ(cache.stats().entries, 0u);
    // A directory symlink swapped in below a cached path: refused as well.
    ASSERT_EQ(::unlink((root_ + "/swap").c_str()), 0);
    ASSERT_EQ(::mkdir((root_ + "/d").c_str(), 0755), 0);
    writeFile(root_ + "/d/secret", "inside d");
    EXPECT_EQ(read(cache, "d/secret"), "inside d");
    ASSERT_EQ(::rename((root_ + "/d").c_str(), (root_ + "/d.old").c_str()), 0);
    ASSERT_EQ(::symlink("../outside", (root_ + "/d").c_str()), 0);
    nowMs_ += 1000;
    const std::string escaped = read(cache, "d/secret");
    EXPECT_EQ(escaped.find("SECRET"), std::string::npos) << escaped;
    ASSERT_EQ(::unlink((root_ + "/d").c_str()), 0);
    ASSERT_EQ(::unlink((root_ + "/d.old/secret").c_str()), 0);
    ASSERT_EQ(::rmdir((root_ + "/d.old").c_str()), 0);
  }
}

TEST_F(OpenFileCacheTest, ManyThreadsLookUpEvictAndRevalidateAtOnce) {
  OpenFileCache::Options o = options();
  o.maxEntries = 4;
  o.maxOpenFiles = 2;
  o.maxFileBytesInMemory = 6;  // "file N" in memory; the long ones below by descriptor
  for (int i = 5; i < 10; ++i)
    writeFile(root_ + "/f" + std::to_string(i), "longer file " + std::to_string(i));
  OpenFileCache cache(rootFd_, o);
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 2000; ++i) {
        const int f = (i * 7 + t) % 10;
        const std::string expected = (f < 5 ? "file " : "longer file ") + std::to_string(f);
        if (read(cache, "f" + std::to_string(f)) != expected) ++wrong;
        if (i % 50 == 0) nowMs_ += 500;  // entries expire now and then
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(wrong.load(), 0);
  const OpenFileCache::Stats stats = cache.stats();
  EXPECT_LE(stats.entries, 4u);
  EXPECT_LE(stats.openFiles, 2u);
  EXPECT_EQ(stats.hits + stats.misses, 8000u);
}

// What a response queued behind another file opens in its turn: the same
// file while it is unchanged, nothing once the path names another file or
// none, or leads out of the root.
TEST_F(OpenFileCacheTest, AnEntryReopensItsFileOnlyWhileThePathStillNamesIt) {
  OpenFileCache::Options o = options();
  o.maxFileBytesInMemory = 0;  // by descriptor, as a file that is sent with sendfile
  OpenFileCache cache(rootFd_, o);
  int error = 0;
  OpenFileCache::FilePtr file = cache.lookup("f1", &error);
  ASSERT_TRUE(file != nullptr);
  ASSERT_TRUE(file->fd.valid());
  {
    UniqueFd again = file->reopen();
    ASSERT_TRUE(again.valid());
    char buf[16] = {};
    EXPECT_EQ(::pread(again.get(), buf, sizeof buf, 0), 6);
    EXPECT_EQ(std::string(buf), "file 1");
    EXPECT_NE(again.get(), file->fd.get());
  }
  writeFile(root_ + "/f1.new", "file 1");  // same bytes, another inode
  ASSERT_EQ(::rename((root_ + "/f1.new").c_str(), (root_ + "/f1").c_str()), 0);
  EXPECT_FALSE(file->reopen().valid());

  OpenFileCache::FilePtr second = cache.lookup("f2", &error);
  ASSERT_TRUE(second != nullptr);
  ASSERT_EQ(::unlink((root_ + "/f2").c_str()), 0);
  EXPECT_FALSE(second->reopen().valid());
  ASSERT_EQ(::symlink((base_ + "/outside/secret").c_str(), (root_ + "/f2").c_str()), 0);
  EXPECT_FALSE(second->reopen().valid());
}

TEST(OpenFileCacheHelpers, FormatsHttpDates) {
  EXPECT_EQ(OpenFileCache::formatHttpDate(784111777), "Sun, 06 Nov 1994 08:49:37 GMT");
}

}  // namespace
}  // namespace muduo::net
