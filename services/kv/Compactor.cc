#include "services/kv/Compactor.h"

#include <chrono>
#include <utility>

#include "absl/strings/str_cat.h"
#include "muduo/base/Logging.h"
#include "muduo/base/Thread.h"
#include "services/kv/DataDir.h"
#include "services/kv/Recovery.h"
#include "services/kv/Table.h"

namespace muduo::kv {

Compactor::Compactor(const DataDir* dir, LogWriter* log, CompactionPolicy policy)
    : dir_(dir), log_(log), policy_(policy) {}

Compactor::~Compactor() { close(); }

void Compactor::maybeStart(uint64_t liveBytes) {
  MutexLock lock(&mutex_);
  if (compacting_ || cancel_.load(std::memory_order_relaxed)) return;
  if (!policy_.due(log_->logBytes(), liveBytes)) return;
  absl::StatusOr<LogWriter::CompactionJob> job = log_->rotate();
  if (!job.ok()) {
    policy_.failed(log_->logBytes());
    return;
  }
  compacting_ = true;
  LOG_INFO << "kv store: compacting " << job->logBytes << " bytes of log over " << liveBytes
           << " live bytes into snapshot " << job->newGeneration;
  if (thread_ != nullptr) thread_->join();  // the previous one, finished
  thread_ = std::make_unique<Thread>(
      [this, job = std::move(*job)]() mutable { run(std::move(job)); }, "kv-compact");
  thread_->start();
}

absl::Status Compactor::build(const LogWriter::CompactionJob& job, bool* dirSyncFailed) {
  const auto started = std::chrono::steady_clock::now();
  Env* const env = dir_->env();
  const std::string target = dir_->snapshotPath(job.newGeneration);
  const std::string temp = dir_->tempSnapshotPath(job.newGeneration);
  Table table;
  absl::Status status;
  if (job.snapshot) status = loadSnapshot(env, dir_->snapshotPath(*job.snapshot), &table);
  for (size_t i = 0; status.ok() && i < job.logs.size(); ++i) {
    absl::StatusOr<ReplayResult> result = replayLog(env, dir_->logPath(job.logs[i]), &table);
    if (!result.ok()) {
      status = result.status();
    } else if (!result->clean) {
      status = absl::DataLossError(
          absl::StrCat(dir_->logPath(job.logs[i]), " changed under compaction: ", result->problem));
    }
  }
  if (status.ok()) status = writeSnapshot(env, table, temp, &cancel_);
  // Only a synced snapshot is renamed into place, and only a durable rename
  // lets the files it replaces go.
  if (status.ok()) status = dir_->rename(temp, target);
  if (status.ok()) {
    status = dir_->sync();
    *dirSyncFailed = !status.ok();
  }
  if (!status.ok()) {
    (void)dir_->remove(temp);
    return status;
  }
  if (job.snapshot) (void)dir_->remove(dir_->snapshotPath(*job.snapshot));
  for (uint64_t g : job.logs) (void)dir_->remove(dir_->logPath(g));
  (void)dir_->sync();
  const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
  LOG_INFO << "kv store: wrote snapshot " << job.newGeneration << " (" << table.size() << " keys, "
           << table.bytes() << " bytes) in " << elapsed.count() << " ms";
  return absl::OkStatus();
}

void Compactor::run(LogWriter::CompactionJob job) {
  bool dirSyncFailed = false;
  const absl::Status status = build(job, &dirSyncFailed);
  if (!status.ok() && !absl::IsCancelled(status)) {
    LOG_ERROR << "kv store: compaction into snapshot " << job.newGeneration
              << " failed: " << status.ToString();
  }
  // Either the snapshot's name is durable or not, and the logs it replaces
  // are still there: a restart is fine both ways. Writing on is not (see
  // LogWriter::fail()).
  if (dirSyncFailed) log_->fail(status);
  if (status.ok()) log_->compacted(job);
  MutexLock lock(&mutex_);
  if (status.ok()) {
    ++compactions_;
  } else {
    policy_.failed(log_->logBytes());
  }
  compacting_ = false;
  done_.notifyAll();
}

void Compactor::waitForCompaction() {
  MutexLock lock(&mutex_);
  while (compacting_) done_.wait(&mutex_);
}

uint64_t Compactor::compactions() const {
  MutexLock lock(&mutex_);
  return compactions_;
}

void Compactor::close() {
  cancel_.store(true);
  std::unique_ptr<Thread> thread;
  {
    MutexLock lock(&mutex_);
    thread = std::move(thread_);
  }
  if (thread != nullptr) thread->join();
}

}  // namespace muduo::kv
