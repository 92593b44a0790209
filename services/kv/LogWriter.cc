#include "services/kv/LogWriter.h"

#include <chrono>
#include <utility>

#include "absl/strings/str_cat.h"
#include "muduo/base/Logging.h"
#include "services/kv/DataDir.h"
#include "services/kv/Recovery.h"
#include "services/kv/WritableFile.h"

namespace muduo::kv {

LogWriter::LogWriter(const DataDir* dir, SyncMode sync, std::unique_ptr<WritableFile> log,
                     std::optional<uint64_t> snapshot, std::vector<uint64_t> logs,
                     uint64_t logBytes, Options options)
    : dir_(dir),
      sync_(sync),
      maxLag_(options.maxLag),
      clock_(options.clock ? std::move(options.clock) : Clock(&std::chrono::steady_clock::now)),
      reserveBytes_(options.reserveBytes),
      log_(std::move(log)),
      generation_(logs.back()),
      snapshot_(snapshot),
      logs_(std::move(logs)),
      logBytes_(logBytes),
      reservedEnd_(log_->size()) {}

LogWriter::LogWriter(const DataDir* dir, SyncMode sync, std::unique_ptr<WritableFile> log,
                     std::optional<uint64_t> snapshot, std::vector<uint64_t> logs,
                     uint64_t logBytes)
    : LogWriter(dir, sync, std::move(log), snapshot, std::move(logs), logBytes, Options()) {}

LogWriter::~LogWriter() { (void)close(); }

absl::Status LogWriter::writable() const {
  MutexLock lock(&mutex_);
  if (!failure_.ok()) return failure_;
  if (closed_) return absl::UnavailableError("the store is closed");
  return absl::OkStatus();
}

absl::Status LogWriter::append(std::string_view records) {
  MutexLock lock(&mutex_);
  if (!failure_.ok()) return failure_;
  if (closed_) return absl::UnavailableError("the store is closed");
  const uint64_t sizeBefore = log_->size();
  absl::Status appended = log_->append(records);
  if (appended.ok()) appended = reserveAhead();
  if (!appended.ok()) {
    // Part of the group may be in the file, and a restart would replay any
    // whole record of it: cut it back, so "not applied" is the truth (with
    // any zeros reserved since: a full disk may have let in some of them).
    const absl::Status cut = dir_->truncate(log_->path(), sizeBefore);
    failLocked(appended);
    if (!cut.ok()) {
      return absl::UnknownError(absl::StrCat(
          "the log write failed (", appended.message(), ") and cutting it back failed (",
          cut.message(), "): the outcome is unknown, the batch may be applied after a restart"));
    }
    return absl::InternalError(
        absl::StrCat("the log write failed (", appended.message(), "): the batch was not applied"));
  }
  if (syncsBeforeAcknowledging(sync_)) {
    if (const absl::Status synced = syncLog(); !synced.ok()) {
      // The bytes are in the page cache and may reach the disk later, or
      // may not (the kernel can drop dirty pages after a failed writeback):
      // neither "applied" nor "not applied" would be honest.
      failLocked(synced);
      return absl::UnknownError(absl::StrCat(
          "the log's fdatasync failed (", synced.message(),
          "): the outcome is unknown, the batch may or may not be applied after a restart"));
    }
  }
  logBytes_ += records.size();
  if (sync_ == SyncMode::kEverySec) {
    if (!unsyncedSince_) unsyncedSince_ = clock_();
    return waitWhileSyncLags();
  }
  return absl::OkStatus();
}

absl::Status LogWriter::reserveAhead() {
  // After the append, not before: a record larger than what is left is
  // written once, not as zeros first and then over them.
  if (reserveBytes_ == 0 || log_->size() + reserveBytes_ / 2 <= reservedEnd_) {
    return absl::OkStatus();
  }
  constexpr uint64_t kBlock = 4096;
  const uint64_t end = (log_->size() + reserveBytes_ + kBlock - 1) / kBlock * kBlock;
  if (absl::Status s = log_->reserve(end); !s.ok()) return s;
  reservedEnd_ = end;
  return absl::OkStatus();
}

absl::Status LogWriter::trimLog() {
  if (reservedEnd_ <= log_->size()) return absl::OkStatus();
  if (absl::Status s = dir_->truncate(log_->path(), log_->size()); !s.ok()) return s;
  reservedEnd_ = log_->size();
  return absl::OkStatus();
}

absl::Status LogWriter::waitWhileSyncLags() {
  bool postponed = false;
  while (failure_.ok()) {
    const std::optional<std::chrono::steady_clock::time_point> oldest =
        inFlightSince_ ? inFlightSince_ : unsyncedSince_;
    if (!oldest || clock_() - *oldest <= maxLag_ || closed_) return absl::OkStatus();
    if (!postponed) {
      postponed = true;
      // Logged at the 1st, 2nd, 4th, 8th ... postponement: a disk that
      // keeps stalling shows in the log without flooding it.
      ++postponedAppends_;
      if ((postponedAppends_ & (postponedAppends_ - 1)) == 0) {
        LOG_WARN << "kv store: the background fdatasync lags more than " << maxLag_.count()
                 << " ms; acknowledgements wait for it (" << postponedAppends_
                 << " writes postponed so far)";
      }
    }
    syncDone_.wait(&mutex_);
  }
  return absl::UnknownError(absl::StrCat(
      "the background fdatasync failed while this write waited for it (", failure_.message(),
      "): the outcome is unknown, the batch may or may not be applied after a "
      "restart"));
}

absl::Status LogWriter::timedSync(WritableFile* file, uint64_t* micros) {
  const auto started = std::chrono::steady_clock::now();
  absl::Status synced = file->sync();
  *micros = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                      std::chrono::steady_clock::now() - started)
                                      .count());
  return synced;
}

void LogWriter::countSync(uint64_t micros) {
  ++syncs_;
  syncMicros_ += micros;
  const uint64_t ewma = syncMicrosEwma_.load(std::memory_order_relaxed);
  syncMicrosEwma_.store(ewma == 0 ? micros : (ewma * 7 + micros) / 8, std::memory_order_relaxed);
}

absl::Status LogWriter::syncLog() {
  uint64_t micros = 0;
  absl::Status synced = timedSync(log_.get(), &micros);
  countSync(micros);
  if (synced.ok()) {
    // Every byte written is covered: nothing lags any more.
    unsyncedSince_.reset();
    inFlightSince_.reset();
  }
  syncDone_.notifyAll();
  return synced;
}

absl::Status LogWriter::syncWritten() {
  MutexLock syncLock(&syncMutex_);
  WritableFile* file = nullptr;
  {
    MutexLock lock(&mutex_);
    if (!failure_.ok()) return failure_;
    if (closed_) return absl::UnavailableError("the store is closed");
    if (!unsyncedSince_) return absl::OkStatus();
    inFlightSince_ = unsyncedSince_;
    unsyncedSince_.reset();
    ++backgroundSyncsStarted_;
    file = log_.get();  // stays: rotate() and close() wait for syncMutex_
  }
  // Without mutex_: appends go on while the disk works, and this sync
  // covers at least every one that returned before it started.
  uint64_t micros = 0;
  const absl::Status synced = timedSync(file, &micros);
  MutexLock lock(&mutex_);
  countSync(micros);
  if (!synced.ok()) {
    failLocked(absl::Status(
        synced.code(),
        absl::StrCat("the background fdatasync failed (", synced.message(),
                     "); writes acknowledged since the last completed one may be lost if "
                     "the machine loses power")));
  } else {
    inFlightSince_.reset();
    ++backgroundSyncs_;
  }
  syncDone_.notifyAll();
  return synced.ok() ? synced : failure_;
}

absl::StatusOr<LogWriter::CompactionJob> LogWriter::rotate() {
  MutexLock syncLock(&syncMutex_);
  MutexLock lock(&mutex_);
  if (!failure_.ok()) return failure_;
  if (closed_) return absl::UnavailableError("the store is closed");
  // The log being finished loses its reserved zeros before the next log
  // exists: recovery takes zeros after the records of any log but the last
  // for damage. A failed trim (it syncs) fails the log like a failed sync.
  if (absl::Status trimmed = trimLog(); !trimmed.ok()) {
    failLocked(trimmed);
    return trimmed;
  }
  // Switch to a fresh log first: the compaction then reads only finished
  // files, and writes carry on meanwhile.
  const uint64_t next = generation_ + 1;
  absl::StatusOr<std::unique_ptr<WritableFile>> file =
      dir_->env()->openWritable(dir_->logPath(next), WritableFile::Mode::kCreateNew);
  absl::Status started = file.status();
  if (started.ok()) started = startLog(file->get());
  if (!started.ok()) {
    LOG_ERROR << "kv store: cannot start a new log for compaction: " << started.ToString();
    if (file.ok()) (void)dir_->remove(dir_->logPath(next));
    return started;
  }
  // Every log but the last is whole on disk, even under kEverySec and kNone:
  // so damage in one is never mistaken for a torn write at start
  // (recoverDirectory()).
  absl::Status synced = syncsBeforeAcknowledging(sync_) ? absl::OkStatus() : syncLog();
  // The new name must be durable before a write in it is acknowledged. A
  // failed directory sync is not retried (see fail()): writes stop here,
  // and the current log, synced into the directory long ago, keeps its data.
  if (synced.ok()) synced = dir_->sync();
  if (!synced.ok()) {
    (void)(*file)->close();
    (void)dir_->remove(dir_->logPath(next));
    failLocked(synced);
    return synced;
  }
  CompactionJob job;
  job.snapshot = snapshot_;
  job.logs = logs_;
  job.logBytes = logBytes_;
  job.newGeneration = next;
  (void)log_->close();  // every byte in it is written and synced
  log_ = std::move(*file);
  reservedEnd_ = log_->size();
  generation_ = next;
  logs_.push_back(next);
  logBytes_ += log_->size();  // its header
  return job;
}

void LogWriter::compacted(const CompactionJob& job) {
  MutexLock lock(&mutex_);
  snapshot_ = job.newGeneration;
  logs_.erase(logs_.begin(), logs_.begin() + static_cast<ptrdiff_t>(job.logs.size()));
  logBytes_ -= job.logBytes;
}

void LogWriter::fail(const absl::Status& cause) {
  MutexLock lock(&mutex_);
  failLocked(cause);
}

void LogWriter::failLocked(const absl::Status& cause) {
  if (!failure_.ok()) return;
  LOG_ERROR << "kv store: " << cause.ToString() << "; refusing writes until restarted";
  failure_ = absl::UnavailableError(
      absl::StrCat("the store failed (", cause.message(), ") and is read-only until restarted"));
  syncDone_.notifyAll();  // appends waiting for a background sync give up
  MutexLock lock(&healthMutex_);
  health_ = failure_;
}

absl::Status LogWriter::health() const {
  MutexLock lock(&healthMutex_);
  return health_;
}

uint64_t LogWriter::logBytes() const {
  MutexLock lock(&mutex_);
  return logBytes_;
}

LogWriter::Stats LogWriter::stats() const {
  MutexLock lock(&mutex_);
  Stats stats;
  stats.logBytes = logBytes_;
  stats.syncs = syncs_;
  stats.syncMicros = syncMicros_;
  stats.generation = generation_;
  stats.backgroundSyncsStarted = backgroundSyncsStarted_;
  stats.backgroundSyncs = backgroundSyncs_;
  stats.postponedAppends = postponedAppends_;
  return stats;
}

bool LogWriter::close() {
  MutexLock syncLock(&syncMutex_);
  MutexLock lock(&mutex_);
  if (closed_) return false;
  if (log_ != nullptr) {
    if (failure_.ok()) {
      if (absl::Status s = syncLog(); !s.ok()) failLocked(s);
    }
    // A cleanly closed log ends on its last record (recovery would trim
    // the zeros too; this spares it and leaves exact files behind).
    if (failure_.ok()) {
      if (absl::Status s = trimLog(); !s.ok()) {
        LOG_WARN << "kv store: cannot trim the log's reserved space at close: " << s.ToString()
                 << "; the next start trims it";
      }
    }
    (void)log_->close();
  }
  closed_ = true;
  syncDone_.notifyAll();
  return true;
}

}  // namespace muduo::kv
