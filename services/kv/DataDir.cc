#include "services/kv/DataDir.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace muduo::kv {
namespace {

constexpr char kLogPrefix[] = "log-";
constexpr char kSnapshotPrefix[] = "snapshot-";
constexpr char kTempSuffix[] = ".tmp";

absl::Status ioError(const char* what, const std::string& path, int err) {
  return absl::InternalError(absl::StrCat(what, " ", path, ": ", strerror(err)));
}

// mkdir -p.
absl::Status makeDirectories(const std::string& path) {
  for (size_t slash = path.find('/', 1);; slash = path.find('/', slash + 1)) {
    const std::string prefix = path.substr(0, slash);
    if (!prefix.empty() && ::mkdir(prefix.c_str(), 0755) != 0 && errno != EEXIST) {
      return ioError("cannot create directory", prefix, errno);
    }
    if (slash == std::string::npos) break;
  }
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return ioError("cannot stat", path, errno);
  if (!S_ISDIR(st.st_mode)) return absl::FailedPreconditionError(path + " is not a directory");
  return absl::OkStatus();
}

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

absl::StatusOr<std::unique_ptr<DataDir>> DataDir::open(const std::string& path) {
  if (path.empty()) return absl::InvalidArgumentError("empty data directory path");
  if (absl::Status s = makeDirectories(path); !s.ok()) return s;
  const std::string lockPath = path + "/LOCK";
  const int fd = ::open(lockPath.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return ioError("cannot open", lockPath, errno);
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    ::close(fd);
    if (err == EWOULDBLOCK) {
      return absl::FailedPreconditionError(
          absl::StrCat(path, " is in use by another process (", lockPath, " is locked)"));
    }
    return ioError("cannot lock", lockPath, err);
  }
  return std::unique_ptr<DataDir>(new DataDir(path, fd));
}

DataDir::~DataDir() { ::close(lockFd_); }

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
  DIR* dir = ::opendir(path_.c_str());
  if (dir == nullptr) return ioError("cannot list", path_, errno);
  Listing listing;
  while (struct dirent* entry = ::readdir(dir)) {
    const std::string_view name = entry->d_name;
    uint64_t generation = 0;
    if (parseGeneration(name, kLogPrefix, &generation)) {
      listing.logs.push_back(generation);
    } else if (parseGeneration(name, kSnapshotPrefix, &generation)) {
      listing.snapshots.push_back(generation);
    } else if (name.starts_with(kSnapshotPrefix) && name.ends_with(kTempSuffix)) {
      listing.temporaries.emplace_back(name);
    }
  }
  ::closedir(dir);
  std::sort(listing.logs.begin(), listing.logs.end());
  std::sort(listing.snapshots.begin(), listing.snapshots.end());
  return listing;
}

absl::Status DataDir::sync() const {
  const int fd = ::open(path_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ioError("cannot open", path_, errno);
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) return ioError("cannot sync", path_, err);
  return absl::OkStatus();
}

absl::Status DataDir::remove(const std::string& path) const {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) return ioError("cannot remove", path, errno);
  return absl::OkStatus();
}

absl::Status DataDir::rename(const std::string& from, const std::string& to) const {
  if (::rename(from.c_str(), to.c_str()) != 0) {
    return ioError("cannot rename", from + " to " + to, errno);
  }
  return absl::OkStatus();
}

absl::Status DataDir::truncate(const std::string& path, uint64_t size) const {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return ioError("cannot open", path, errno);
  int rc = ::ftruncate(fd, static_cast<off_t>(size));
  if (rc == 0) rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) return ioError("cannot truncate", path, err);
  return absl::OkStatus();
}

}  // namespace muduo::kv
