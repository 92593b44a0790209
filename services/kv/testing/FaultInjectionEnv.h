// FaultInjectionEnv: an Env for tests that wraps another (the posix Env by
// default) and can make any file operation fail, and can simulate the
// machine losing power.
//
// Faults: inject() an errno (EIO, ENOSPC ...) for one kind of operation,
// after letting `skip` matching calls through, for the paths a predicate
// picks, once or for good; an append can be made short (half of it written,
// then the error), as a full disk does.
//
// Power loss: it tracks, per file, how many bytes a completed sync() covers
// and, per directory, the set of names as of its last completed syncDir().
// Zeros a file reserves (WritableFile::reserve) beyond its appended bytes
// count as durable once a sync covers them: a power loss then leaves the
// file at its synced reserved length, its tail zeros (appends since the
// last sync, which overwrote some of them, are lost), as a real disk leaves
// a preallocated log. simulatePowerLoss() then cuts every file to its
// synced length and puts
// every directory back to its synced names: a file created since is gone, a
// rename reverts, a removed file is back (removed and overwritten files are
// kept aside as hidden ".fi-" links until no synced name refers to them).
// A truncate() is durable (the Env contract syncs it). Because it decides
// what survives itself, sync() and syncDir() do not call the real
// fdatasync/fsync (nor truncate() the fsync the Env contract has it do)
// unless Options::realSync is set: the power-loss tests run
// thousands of crashes at memory speed.
//
// crashAfter(n) stops the machine at a chosen point instead: the n-th
// mutating operation from now and every one after it fail with EIO and
// change nothing (an append in flight may leave a torn prefix), as if power
// went at that instant; reads still work. Then close the store, call
// simulatePowerLoss() and reopen.
//
// A sync covers the bytes in the file when it started: with setSyncHook()
// a test can hold a sync in progress (to see what waits for it, and what
// is written meanwhile, which that sync does not cover).
//
// Only the directories of files it has opened, renamed or listed are
// tracked; their existing files count as durable when first seen.
//
// Thread safety: every method may be called from any thread; operations
// are serialised by one lock (tests need determinism, not speed).
#ifndef SERVICES_KV_TESTING_FAULTINJECTIONENV_H_
#define SERVICES_KV_TESTING_FAULTINJECTIONENV_H_

#include <cerrno>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "muduo/base/Mutex.h"
#include "services/kv/Env.h"

namespace muduo::kv {

class FaultInjectionEnv final : public Env {
 public:
  enum class Op : uint8_t {
    kOpen,
    kAppend,
    kReserve,
    kSync,
    kRename,
    kRemove,
    kTruncate,
    kSyncDir,
    kRead
  };

  struct Fault {
    Op op = Op::kAppend;
    int error = EIO;
    uint64_t skip = 0;  // matching calls let through before it fires
    std::function<bool(const std::string& path)> match;  // empty: every path
    bool once = false;
    bool shortWrite = false;  // kAppend, kReserve: write half of the data, then fail
  };

  struct Options {
    Env* base = nullptr;  // nullptr: Env::posix()
    bool realSync = false;
  };

  FaultInjectionEnv() : FaultInjectionEnv(Options()) {}
  explicit FaultInjectionEnv(Options options);
  ~FaultInjectionEnv() override;

  void inject(Fault fault);
  void clearFaults();
  // The n-th mutating operation from now (n >= 1) and all later ones fail.
  // `seed` decides how much of an append in flight is torn into the file.
  void crashAfter(uint64_t n, uint64_t seed);
  [[nodiscard]] bool crashed() const;
  // Mutating operations so far (opens for writing, appends, syncs, renames,
  // removes, truncates, directory syncs): to pick crash points from.
  [[nodiscard]] uint64_t mutatingOps() const;
  // How many calls failed because of inject() or a crash.
  [[nodiscard]] uint64_t failuresInjected() const;
  // File syncs (WritableFile::sync) that completed successfully.
  [[nodiscard]] uint64_t fileSyncs() const;

  // Runs at the start of every file sync, in the syncing thread, with no
  // lock held (it may block, and the Env stays usable meanwhile); after
  // the fault check, so it runs only for syncs that will succeed. Empty:
  // none.
  void setSyncHook(std::function<void(const std::string& path)> hook);

  // Loses every byte and directory change not covered by a sync, as above;
  // then clears faults and the crash, and counts what is on disk as durable.
  // No file of this Env may be open (close the store first).
  [[nodiscard]] absl::Status simulatePowerLoss();

  // Env.
  absl::StatusOr<std::unique_ptr<WritableFile>> openWritable(const std::string& path,
                                                             WritableFile::Mode mode) override;
  absl::StatusOr<std::unique_ptr<ReadableFile>> openReadable(const std::string& path) override;
  absl::StatusOr<std::vector<std::string>> listDir(const std::string& dir) override;
  absl::Status createDir(const std::string& dir) override;
  absl::Status rename(const std::string& from, const std::string& to) override;
  absl::Status remove(const std::string& path) override;
  absl::Status truncate(const std::string& path, uint64_t size) override;
  absl::Status syncDir(const std::string& dir) override;
  absl::StatusOr<std::unique_ptr<Lock>> lockFile(const std::string& path) override;

 private:
  class File;
  struct FileState {
    std::string path;             // where its bytes are now (a name, or a hidden link)
    uint64_t synced = 0;          // bytes covered by a completed sync
    uint64_t reserved = 0;        // the end of the zeros reserve() asked for
    uint64_t reservedSynced = 0;  // the same, as of the last completed sync
    int durableNames = 0;         // synced directory entries naming it
  };
  using StatePtr = std::shared_ptr<FileState>;
  struct DirState {
    std::map<std::string, StatePtr> current;  // by name
    std::map<std::string, StatePtr> durable;  // as of the last syncDir
  };

  // OK, or the injected or crash error for this call. Counts the call.
  absl::Status check(Op op, const std::string& path, bool* shortWrite = nullptr,
                     size_t* tornBytes = nullptr, size_t appendSize = 0)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  DirState& track(const std::string& dir) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // Keeps a synced name's bytes reachable after its name goes.
  void setAside(const StatePtr& state) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  std::string hiddenPath(const std::string& dir) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);

  // For File.
  absl::Status fileAppend(File* file, std::string_view data);
  absl::Status fileReserve(File* file, uint64_t end);
  absl::Status fileSync(File* file);

  Env* const base_;
  const bool realSync_;
  mutable Mutex mutex_;
  std::vector<Fault> faults_ ABSL_GUARDED_BY(mutex_);
  std::map<std::string, DirState> dirs_ ABSL_GUARDED_BY(mutex_);
  uint64_t opsUntilCrash_ ABSL_GUARDED_BY(mutex_) = 0;  // 0: no crash planned
  bool crashed_ ABSL_GUARDED_BY(mutex_) = false;
  std::mt19937_64 rng_ ABSL_GUARDED_BY(mutex_);
  uint64_t mutatingOps_ ABSL_GUARDED_BY(mutex_) = 0;
  uint64_t failures_ ABSL_GUARDED_BY(mutex_) = 0;
  uint64_t fileSyncs_ ABSL_GUARDED_BY(mutex_) = 0;
  std::function<void(const std::string& path)> syncHook_ ABSL_GUARDED_BY(mutex_);
  uint64_t hiddenCounter_ ABSL_GUARDED_BY(mutex_) = 0;
  int openFiles_ ABSL_GUARDED_BY(mutex_) = 0;
};

}  // namespace muduo::kv

#endif  // SERVICES_KV_TESTING_FAULTINJECTIONENV_H_
