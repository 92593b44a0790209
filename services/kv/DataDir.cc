#include "services/kv/DataDir.h"

#include <algorithm>
#include <charconv>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace muduo::kv {
namespace {

constexpr char kLogPrefix[] = "log-";
constexpr char kSnapshotPrefix[] = "snapshot-";
constexpr char kTempSuffix[] = ".tmp";

// "log-000000000012" -> 12. Only the exact form counts: "log-12.discarded"
// and other strays are not ours to touch.
bool parseGeneration(std::string_view name, std::string_view prefix, uint64_t* generation) {
  if (!name.starts_with(prefix)) return false;
  const std::string_view digits = name.substr(prefix.size());
  if (digits.empty() ||
      !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return false;
  }
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), *generation);
  return ec == std::errc() && end == digits.data() + digits.size();
}

}  // namespace

absl::StatusOr<std::unique_ptr<DataDir>> DataDir::open(Env* env, const std::string& path) {
  if (path.empty()) return absl::InvalidArgumentError("empty data directory path");
  if (absl::Status s = env->createDir(path); !s.ok()) return s;
  const std::string lockPath = path + "/LOCK";
  absl::StatusOr<std::unique_ptr<Env::Lock>> lock = env->lockFile(lockPath);
  if (!lock.ok()) {
    if (absl::IsFailedPrecondition(lock.status())) {
      return absl::FailedPreconditionError(
          absl::StrCat(path, " is in use by another process (", lockPath, " is locked)"));
    }
    return lock.status();
  }
  return std::unique_ptr<DataDir>(new DataDir(env, path, std::move(*lock)));
}

DataDir::~DataDir() = default;

std::string DataDir::logPath(uint64_t generation) const {
  return absl::StrFormat("%s/%s%012d", path_, kLogPrefix, generation);
}

std::string DataDir::snapshotPath(uint64_t generation) const {
  return absl::StrFormat("%s/%s%012d", path_, kSnapshotPrefix, generation);
}

std::string DataDir::tempSnapshotPath(uint64_t generation) const {
  return snapshotPath(generation) + kTempSuffix;
}

absl::StatusOr<DataDir::Listing> DataDir::list() const {
  absl::StatusOr<std::vector<std::string>> names = env_->listDir(path_);
  if (!names.ok()) return names.status();
  Listing listing;
  for (const std::string& name : *names) {
    uint64_t generation = 0;
    if (parseGeneration(name, kLogPrefix, &generation)) {
      listing.logs.push_back(generation);
    } else if (parseGeneration(name, kSnapshotPrefix, &generation)) {
      listing.snapshots.push_back(generation);
    } else if (name.starts_with(kSnapshotPrefix) && name.ends_with(kTempSuffix)) {
      listing.temporaries.push_back(name);
    }
  }
  std::sort(listing.logs.begin(), listing.logs.end());
  std::sort(listing.snapshots.begin(), listing.snapshots.end());
  return listing;
}

absl::Status DataDir::sync() const { return env_->syncDir(path_); }

absl::Status DataDir::remove(const std::string& path) const { return env_->remove(path); }

absl::Status DataDir::rename(const std::string& from, const std::string& to) const {
  return env_->rename(from, to);
}

absl::Status DataDir::truncate(const std::string& path, uint64_t size) const {
  return env_->truncate(path, size);
}

}  // namespace muduo::kv
