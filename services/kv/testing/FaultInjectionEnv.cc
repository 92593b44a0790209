#include "services/kv/testing/FaultInjectionEnv.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <set>

#include "absl/strings/str_cat.h"

namespace muduo::kv {
namespace {

namespace fs = std::filesystem;

constexpr char kHiddenPrefix[] = ".fi-";

const char* opName(FaultInjectionEnv::Op op) {
  switch (op) {
    case FaultInjectionEnv::Op::kOpen:
      return "open";
    case FaultInjectionEnv::Op::kAppend:
      return "write";
    case FaultInjectionEnv::Op::kReserve:
      return "reserve space in";
    case FaultInjectionEnv::Op::kSync:
      return "sync";
    case FaultInjectionEnv::Op::kRename:
      return "rename";
    case FaultInjectionEnv::Op::kRemove:
      return "remove";
    case FaultInjectionEnv::Op::kTruncate:
      return "truncate";
    case FaultInjectionEnv::Op::kSyncDir:
      return "sync directory";
    case FaultInjectionEnv::Op::kRead:
      return "read";
  }
  return "?";
}

std::string dirOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? std::string(".") : path.substr(0, slash);
}

std::string nameOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

// What the store writes through: the real file, with every call checked.
class FaultInjectionEnv::File final : public WritableFile {
 public:
  File(FaultInjectionEnv* env, StatePtr state, std::unique_ptr<WritableFile> base)
      : env_(env), state_(std::move(state)), base_(std::move(base)) {}
  ~File() override {
    base_.reset();
    MutexLock lock(&env_->mutex_);
    --env_->openFiles_;
  }

  absl::Status append(std::string_view data) override { return env_->fileAppend(this, data); }
  absl::Status reserve(uint64_t end) override { return env_->fileReserve(this, end); }
  absl::Status sync() override { return env_->fileSync(this); }
  absl::Status close() override { return base_->close(); }
  uint64_t size() const override { return base_->size(); }
  const std::string& path() const override { return base_->path(); }

 private:
  friend class FaultInjectionEnv;
  FaultInjectionEnv* const env_;
  const StatePtr state_;
  std::unique_ptr<WritableFile> base_;
};

FaultInjectionEnv::FaultInjectionEnv(Options options)
    : base_(options.base != nullptr ? options.base : Env::posix()), realSync_(options.realSync) {}

FaultInjectionEnv::~FaultInjectionEnv() = default;

void FaultInjectionEnv::inject(Fault fault) {
  MutexLock lock(&mutex_);
  faults_.push_back(std::move(fault));
}

void FaultInjectionEnv::clearFaults() {
  MutexLock lock(&mutex_);
  faults_.clear();
}

void FaultInjectionEnv::crashAfter(uint64_t n, uint64_t seed) {
  MutexLock lock(&mutex_);
  opsUntilCrash_ = n;
  crashed_ = n == 0;
  rng_.seed(seed);
}

bool FaultInjectionEnv::crashed() const {
  MutexLock lock(&mutex_);
  return crashed_;
}

uint64_t FaultInjectionEnv::mutatingOps() const {
  MutexLock lock(&mutex_);
  return mutatingOps_;
}

uint64_t FaultInjectionEnv::failuresInjected() const {
  MutexLock lock(&mutex_);
  return failures_;
}

absl::Status FaultInjectionEnv::check(Op op, const std::string& path, bool* shortWrite,
                                      size_t* tornBytes, size_t appendSize) {
  if (op != Op::kRead) {
    ++mutatingOps_;
    if (opsUntilCrash_ > 0 && --opsUntilCrash_ == 0) crashed_ = true;
    if (crashed_) {
      ++failures_;
      if (tornBytes != nullptr) *tornBytes = static_cast<size_t>(rng_() % (appendSize + 1));
      return absl::InternalError(absl::StrCat("cannot ", opName(op), " ", path, ": ", strerror(EIO),
                                              " (simulated crash)"));
    }
  }
  for (auto it = faults_.begin(); it != faults_.end(); ++it) {
    if (it->op != op || (it->match && !it->match(path))) continue;
    if (it->skip > 0) {
      --it->skip;
      continue;
    }
    const int error = it->error;
    if (shortWrite != nullptr) *shortWrite = it->shortWrite;
    if (it->once) faults_.erase(it);
    ++failures_;
    return absl::InternalError(
        absl::StrCat("cannot ", opName(op), " ", path, ": ", strerror(error), " (injected)"));
  }
  return absl::OkStatus();
}

FaultInjectionEnv::DirState& FaultInjectionEnv::track(const std::string& dir) {
  auto [it, inserted] = dirs_.try_emplace(dir);
  if (!inserted) return it->second;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename();
    if (name.starts_with(kHiddenPrefix) || !entry.is_regular_file()) continue;
    auto state = std::make_shared<FileState>();
    state->path = entry.path();
    state->synced = entry.file_size();
    state->durableNames = 1;
    it->second.current[name] = state;
    it->second.durable[name] = state;
  }
  return it->second;
}

std::string FaultInjectionEnv::hiddenPath(const std::string& dir) {
  return absl::StrCat(dir, "/", kHiddenPrefix, ++hiddenCounter_);
}

void FaultInjectionEnv::setAside(const StatePtr& state) {
  const std::string hidden = hiddenPath(dirOf(state->path));
  std::error_code ec;
  fs::create_hard_link(state->path, hidden, ec);
  if (!ec) state->path = hidden;
}

absl::StatusOr<std::unique_ptr<WritableFile>> FaultInjectionEnv::openWritable(
    const std::string& path, WritableFile::Mode mode) {
  MutexLock lock(&mutex_);
  DirState& dir = track(dirOf(path));
  if (absl::Status s = check(Op::kOpen, path); !s.ok()) return s;
  absl::StatusOr<std::unique_ptr<WritableFile>> file = base_->openWritable(path, mode);
  if (!file.ok()) return file.status();
  StatePtr& state = dir.current[nameOf(path)];
  if (state == nullptr) {
    state = std::make_shared<FileState>();
    state->path = path;
  }
  ++openFiles_;
  return std::unique_ptr<WritableFile>(new File(this, state, std::move(*file)));
}

absl::Status FaultInjectionEnv::fileAppend(File* file, std::string_view data) {
  MutexLock lock(&mutex_);
  bool shortWrite = false;
  size_t torn = 0;
  absl::Status status = check(Op::kAppend, file->state_->path, &shortWrite, &torn, data.size());
  if (status.ok()) return file->base_->append(data);
  if (shortWrite) torn = data.size() / 2;
  if (torn > 0) (void)file->base_->append(data.substr(0, torn));
  return status;
}

absl::Status FaultInjectionEnv::fileReserve(File* file, uint64_t end) {
  MutexLock lock(&mutex_);
  bool shortWrite = false;
  absl::Status status = check(Op::kReserve, file->state_->path, &shortWrite);
  if (!status.ok()) {
    if (shortWrite) {
      // A full disk: part of the zeros went in before the error.
      const uint64_t from = std::max(file->base_->size(), file->state_->reserved);
      if (end > from) (void)file->base_->reserve(from + (end - from) / 2);
    }
    return status;
  }
  if (absl::Status s = file->base_->reserve(end); !s.ok()) return s;
  file->state_->reserved = std::max(file->state_->reserved, end);
  return absl::OkStatus();
}

absl::Status FaultInjectionEnv::fileSync(File* file) {
  uint64_t covered = 0;
  uint64_t coveredReserve = 0;
  std::function<void(const std::string& path)> hook;
  {
    MutexLock lock(&mutex_);
    if (absl::Status s = check(Op::kSync, file->state_->path); !s.ok()) return s;
    covered = file->base_->size();
    coveredReserve = file->state_->reserved;
    hook = syncHook_;
  }
  if (hook) hook(file->base_->path());
  if (realSync_) {
    if (absl::Status s = file->base_->sync(); !s.ok()) return s;
  }
  MutexLock lock(&mutex_);
  if (crashed_) {
    // The machine stopped while this sync was held: it never completed.
    ++failures_;
    return absl::InternalError(absl::StrCat("cannot sync ", file->base_->path(), ": ",
                                            strerror(EIO), " (simulated crash)"));
  }
  file->state_->synced = std::max(file->state_->synced, covered);
  file->state_->reservedSynced = std::max(file->state_->reservedSynced, coveredReserve);
  ++fileSyncs_;
  return absl::OkStatus();
}

uint64_t FaultInjectionEnv::fileSyncs() const {
  MutexLock lock(&mutex_);
  return fileSyncs_;
}

void FaultInjectionEnv::setSyncHook(std::function<void(const std::string& path)> hook) {
  MutexLock lock(&mutex_);
  syncHook_ = std::move(hook);
}

absl::StatusOr<std::unique_ptr<ReadableFile>> FaultInjectionEnv::openReadable(
    const std::string& path) {
  MutexLock lock(&mutex_);
  if (absl::Status s = check(Op::kRead, path); !s.ok()) return s;
  return base_->openReadable(path);
}

absl::StatusOr<std::vector<std::string>> FaultInjectionEnv::listDir(const std::string& dir) {
  MutexLock lock(&mutex_);
  track(dir);
  absl::StatusOr<std::vector<std::string>> names = base_->listDir(dir);
  if (!names.ok()) return names;
  std::erase_if(*names, [](const std::string& n) { return n.starts_with(kHiddenPrefix); });
  return names;
}

absl::Status FaultInjectionEnv::createDir(const std::string& dir) { return base_->createDir(dir); }

absl::Status FaultInjectionEnv::rename(const std::string& from, const std::string& to) {
  MutexLock lock(&mutex_);
  DirState& dir = track(dirOf(from));
  if (dirOf(to) != dirOf(from)) {
    return absl::UnimplementedError("FaultInjectionEnv renames only within a directory");
  }
  if (absl::Status s = check(Op::kRename, from); !s.ok()) return s;
  auto replaced = dir.current.find(nameOf(to));
  if (replaced != dir.current.end() && replaced->second->durableNames > 0) {
    setAside(replaced->second);
  }
  if (absl::Status s = base_->rename(from, to); !s.ok()) return s;
  StatePtr moved = dir.current[nameOf(from)];
  dir.current.erase(nameOf(from));
  if (moved == nullptr) {
    dir.current.erase(nameOf(to));
    return absl::OkStatus();
  }
  moved->path = to;
  dir.current[nameOf(to)] = moved;
  return absl::OkStatus();
}

absl::Status FaultInjectionEnv::remove(const std::string& path) {
  MutexLock lock(&mutex_);
  DirState& dir = track(dirOf(path));
  if (absl::Status s = check(Op::kRemove, path); !s.ok()) return s;
  auto it = dir.current.find(nameOf(path));
  if (it != dir.current.end() && it->second->durableNames > 0) {
    // The synced name still refers to these bytes: keep them reachable.
    const std::string hidden = hiddenPath(dirOf(path));
    if (absl::Status s = base_->rename(path, hidden); !s.ok()) return s;
    it->second->path = hidden;
  } else if (absl::Status s = base_->remove(path); !s.ok()) {
    return s;
  }
  if (it != dir.current.end()) dir.current.erase(it);
  return absl::OkStatus();
}

absl::Status FaultInjectionEnv::truncate(const std::string& path, uint64_t size) {
  MutexLock lock(&mutex_);
  DirState& dir = track(dirOf(path));
  if (absl::Status s = check(Op::kTruncate, path); !s.ok()) return s;
  if (realSync_) {
    if (absl::Status s = base_->truncate(path, size); !s.ok()) return s;
  } else {
    // Durable by the model, like sync() without realSync: no fsync, so the
    // trims of reserved space do not slow a run of thousands of crashes.
    std::error_code ec;
    fs::resize_file(path, size, ec);
    if (ec) {
      const std::string why = absl::StrCat("cannot truncate ", path, ": ", ec.message());
      return ec == std::errc::no_such_file_or_directory ? absl::NotFoundError(why)
                                                        : absl::InternalError(why);
    }
  }
  auto it = dir.current.find(nameOf(path));
  if (it != dir.current.end()) {
    FileState& state = *it->second;
    state.synced = size;  // truncate() syncs
    state.reserved = std::min(state.reserved, size);
    state.reservedSynced = std::min(state.reservedSynced, size);
  }
  return absl::OkStatus();
}

absl::Status FaultInjectionEnv::syncDir(const std::string& path) {
  MutexLock lock(&mutex_);
  DirState& dir = track(path);
  if (absl::Status s = check(Op::kSyncDir, path); !s.ok()) return s;
  if (realSync_) {
    if (absl::Status s = base_->syncDir(path); !s.ok()) return s;
  }
  std::vector<StatePtr> before;
  for (auto& [name, state] : dir.durable) {
    --state->durableNames;
    before.push_back(state);
  }
  dir.durable = dir.current;
  for (auto& [name, state] : dir.durable) ++state->durableNames;
  // Bytes kept aside only for a synced name that no longer exists can go.
  for (const StatePtr& state : before) {
    if (state->durableNames == 0 && nameOf(state->path).starts_with(kHiddenPrefix)) {
      (void)base_->remove(state->path);
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<Env::Lock>> FaultInjectionEnv::lockFile(const std::string& path) {
  return base_->lockFile(path);
}

absl::Status FaultInjectionEnv::simulatePowerLoss() {
  MutexLock lock(&mutex_);
  if (openFiles_ > 0) {
    return absl::FailedPreconditionError("simulatePowerLoss() with files still open");
  }
  for (auto& [dirPath, dir] : dirs_) {
    std::set<StatePtr> states;
    for (auto& [name, state] : dir.current) states.insert(state);
    for (auto& [name, state] : dir.durable) states.insert(state);
    std::error_code ec;
    for (const StatePtr& state : states) {
      const uintmax_t size = fs::file_size(state->path, ec);
      if (ec) return absl::InternalError(absl::StrCat("lost track of ", state->path));
      if (size > state->synced) fs::resize_file(state->path, state->synced, ec);
      if (ec) return absl::InternalError(absl::StrCat("cannot cut ", state->path));
      // Durably reserved zeros stay; whatever unsynced appends wrote over
      // them reverts to zeros.
      if (state->reservedSynced > state->synced) {
        fs::resize_file(state->path, state->reservedSynced, ec);
        if (ec)
          return absl::InternalError(absl::StrCat("cannot restore the zeros of ", state->path));
      }
      state->synced = std::min<uint64_t>(size, state->synced);
      state->reserved = state->reservedSynced;
    }
    // Names not synced go; synced names come back to the bytes they named.
    for (auto& [name, state] : dir.current) {
      auto durable = dir.durable.find(name);
      if (durable != dir.durable.end() && durable->second == state) continue;
      const std::string hidden = hiddenPath(dirPath);
      fs::rename(state->path, hidden, ec);
      if (ec) return absl::InternalError(absl::StrCat("cannot move ", state->path));
      state->path = hidden;
    }
    for (auto& [name, state] : dir.durable) {
      const std::string target = absl::StrCat(dirPath, "/", name);
      if (state->path == target) continue;
      fs::rename(state->path, target, ec);
      if (ec) return absl::InternalError(absl::StrCat("cannot restore ", target));
      state->path = target;
    }
    for (const auto& entry : fs::directory_iterator(dirPath, ec)) {
      if (entry.path().filename().string().starts_with(kHiddenPrefix)) fs::remove(entry.path(), ec);
    }
    dir.current = dir.durable;
  }
  faults_.clear();
  crashed_ = false;
  opsUntilCrash_ = 0;
  return absl::OkStatus();
}

}  // namespace muduo::kv
