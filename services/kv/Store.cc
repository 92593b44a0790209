#include "services/kv/Store.h"

#include <algorithm>
#include <chrono>
#include <random>

#include "absl/strings/str_cat.h"
#include "muduo/base/Logging.h"
#include "muduo/base/Thread.h"
#include "services/kv/DataDir.h"
#include "services/kv/Env.h"
#include "services/kv/Limits.h"
#include "services/kv/LogFormat.h"
#include "services/kv/Recovery.h"
#include "services/kv/Repair.h"
#include "services/kv/WritableFile.h"

namespace muduo::kv {
namespace {

// A group's log buffer above this is released after the group, so one huge
// batch does not pin its memory for the life of the process.
constexpr size_t kKeptLogBufferBytes = 4 << 20;

int64_t systemMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The expiry sweep deletes at most this many keys per batch.
constexpr size_t kExpiryBatch = 256;

}  // namespace

std::optional<SyncMode> parseSyncMode(std::string_view name) {
  if (name == "always") return SyncMode::kAlways;
  if (name == "batch") return SyncMode::kBatch;
  if (name == "none") return SyncMode::kNone;
  return std::nullopt;
}

const char* syncModeName(SyncMode mode) {
  switch (mode) {
    case SyncMode::kAlways:
      return "always";
    case SyncMode::kBatch:
      return "batch";
    case SyncMode::kNone:
      return "none";
  }
  return "?";
}

Store::Store(Options options, std::unique_ptr<DataDir> dir)
    : options_(std::move(options)), dir_(std::move(dir)) {}

absl::StatusOr<std::unique_ptr<Store>> Store::open(Options options) {
  if (options.env == nullptr) options.env = Env::posix();
  absl::StatusOr<std::unique_ptr<DataDir>> dir = DataDir::open(options.env, options.dir);
  if (!dir.ok()) return dir.status();
  std::unique_ptr<Store> store(new Store(std::move(options), std::move(*dir)));
  if (absl::Status s = store->recover(); !s.ok()) return s;
  {
    // The trigger runs after each write; a server restarted over large logs
    // (a crash loop, a read-mostly load) must not wait for one, or every
    // restart replays them again.
    MutexLock lock(&store->writeMutex_);
    store->maybeStartCompaction();
  }
  if (store->options_.sync != SyncMode::kNone) {
    store->writer_ = std::make_unique<Thread>([s = store.get()] { s->writerLoop(); }, "kv-log");
    store->writer_->start();
  }
  if (store->options_.expiryInterval.count() > 0) {
    store->expirer_ = std::make_unique<Thread>([s = store.get()] { s->expiryLoop(); }, "kv-expire");
    store->expirer_->start();
  }
  return store;
}

Store::~Store() { close(); }

absl::StatusOr<std::string> Store::repair(Options options) {
  return repairDataDir(options.env != nullptr ? options.env : Env::posix(), options.dir);
}

absl::Status Store::recover() {
  const auto started = std::chrono::steady_clock::now();
  absl::StatusOr<DataDir::Listing> listing = dir_->list();
  if (!listing.ok()) return listing.status();
  for (const std::string& name : listing->temporaries) {
    LOG_INFO << "kv store: removing " << name << ", left by an unfinished compaction";
    if (absl::Status s = dir_->remove(dir_->path() + "/" + name); !s.ok()) return s;
  }

  Table table;
  std::optional<uint64_t> snapshot;
  if (!listing->snapshots.empty()) {
    snapshot = listing->snapshots.back();
    if (absl::Status s = loadSnapshot(options_.env, dir_->snapshotPath(*snapshot), &table);
        !s.ok()) {
      // A snapshot is synced before it is renamed into place, so this is
      // damage from outside; starting without it would silently lose data.
      if (!absl::IsDataLoss(s)) return s;
      return absl::DataLossError(absl::StrCat(
          s.message(), "; refusing to start. Run kv_server --repair --data_dir=", dir_->path(),
          " to keep every valid record (the original is kept as <file>.corrupt), or restore "
          "the directory from a backup"));
    }
  }

  std::vector<uint64_t> logs;
  for (uint64_t g : listing->logs) {
    if (!snapshot || g >= *snapshot) logs.push_back(g);
  }
  uint64_t logBytes = 0;
  uint64_t records = 0;
  for (size_t i = 0; i < logs.size(); ++i) {
    const std::string path = dir_->logPath(logs[i]);
    absl::StatusOr<ReplayResult> result = replayLog(options_.env, path, &table);
    if (!result.ok()) return result.status();
    records += result->records;
    if (result->clean) {
      logBytes += result->fileSize;
      continue;
    }
    // A torn write can only be the end of the last log: every earlier one
    // was synced whole before the next began (maybeStartCompaction).
    const bool last = i + 1 == logs.size();
    if (result->validAfter > 0 || !last) {
      return absl::DataLossError(absl::StrCat(
          path, ": ", result->problem, ", after ", result->records, " good records; ",
          result->validAfter, " valid records (", result->validAfterBytes, " bytes) follow it",
          last ? ""
               : absl::StrCat(" and later logs follow this one (", dir_->logPath(logs[i + 1]),
                              " ...)"),
          ". That is damage, not a torn write: refusing to start rather than drop acknowledged "
          "writes. Run kv_server --repair --data_dir=",
          dir_->path(),
          " to keep every valid record (the original is kept as <file>.corrupt), or restore "
          "the directory from a backup"));
    }
    LOG_WARN << "kv store: " << path << ": " << result->problem << "; a torn tail (nothing valid "
             << "follows): keeping the " << result->records
             << " good records before it and cutting off the last "
             << result->fileSize - result->goodBytes << " bytes";
    if (absl::Status s = dir_->truncate(path, result->goodBytes); !s.ok()) return s;
    logBytes += result->goodBytes;
  }

  // What a compaction finished but did not get to delete.
  for (uint64_t g : listing->logs) {
    if (snapshot && g < *snapshot) (void)dir_->remove(dir_->logPath(g));
  }
  for (uint64_t g : listing->snapshots) {
    if (g < *snapshot) (void)dir_->remove(dir_->snapshotPath(g));
  }

  const uint64_t generation = !logs.empty() ? logs.back() : snapshot.value_or(1);
  if (logs.empty()) logs.push_back(generation);
  absl::StatusOr<std::unique_ptr<WritableFile>> log =
      options_.env->openWritable(dir_->logPath(generation), WritableFile::Mode::kAppend);
  if (!log.ok()) return log.status();
  if ((*log)->size() == 0) {
    if (absl::Status s = startLog(log->get()); !s.ok()) return s;
    logBytes += (*log)->size();  // as a reopen counts it
  }
  // The log's name, any truncation and removals above: durable before the
  // first write is acknowledged.
  if (absl::Status s = dir_->sync(); !s.ok()) return s;

  const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
  LOG_INFO << "kv store: " << dir_->path() << ": " << table.size() << " keys (" << table.bytes()
           << " bytes) from "
           << (snapshot ? absl::StrCat("snapshot ", *snapshot) : std::string("no snapshot"))
           << " and " << records << " log records in " << logs.size() << " log(s), "
           << elapsed.count() << " ms; sync=" << syncModeName(options_.sync);

  MutexLock lock(&writeMutex_);
  {
    WriterMutexLock tableLock(&tableMutex_);
    liveBytes_ = table.bytes();
    table_ = std::move(table);
  }
  log_ = std::move(*log);
  generation_ = generation;
  snapshot_ = snapshot;
  logs_ = std::move(logs);
  logBytes_ = logBytes;
  return absl::OkStatus();
}

int64_t Store::now() const { return options_.clock ? options_.clock() : systemMillis(); }

bool Store::get(std::string_view key, std::string* value) const {
  ReaderMutexLock lock(&tableMutex_);
  const std::string* found = table_.findLive(key, [this] { return now(); });
  if (found == nullptr) return false;
  value->assign(*found);
  return true;
}

bool Store::read(std::string_view key, absl::FunctionRef<void(std::string_view)> f) const {
  ReaderMutexLock lock(&tableMutex_);
  const std::string* found = table_.findLive(key, [this] { return now(); });
  if (found == nullptr) return false;
  f(*found);
  return true;
}

bool Store::contains(std::string_view key) const {
  ReaderMutexLock lock(&tableMutex_);
  return table_.findLive(key, [this] { return now(); }) != nullptr;
}

void Store::readEach(std::span<const std::string_view> keys,
                     absl::FunctionRef<void(size_t, const std::string*)> f) const {
  ReaderMutexLock lock(&tableMutex_);
  std::optional<int64_t> time;  // read once, and only if some key expires
  const auto clock = [this, &time] {
    if (!time) time = now();
    return *time;
  };
  for (size_t i = 0; i < keys.size(); ++i) f(i, table_.findLive(keys[i], clock));
}

int64_t Store::ttlMillis(std::string_view key) const {
  const std::optional<int64_t> at = expireAt(key);
  if (!at) return -2;
  if (*at == 0) return -1;
  return std::max<int64_t>(*at - now(), 0);
}

std::optional<int64_t> Store::expireAt(std::string_view key) const {
  const int64_t time = now();
  ReaderMutexLock lock(&tableMutex_);
  if (table_.findLive(key, [time] { return time; }) == nullptr) return std::nullopt;
  return table_.expireAt(key);
}

size_t Store::size() const {
  ReaderMutexLock lock(&tableMutex_);
  return table_.size();
}

std::optional<std::string> Store::keysFrom(std::string_view start, size_t limit,
                                           absl::FunctionRef<void(std::string_view key)> f) const {
  const int64_t time = now();
  ReaderMutexLock lock(&tableMutex_);
  const Table::Map& map = table_.map();
  size_t visited = 0;
  for (auto it = map.lower_bound(start); it != map.end(); ++it) {
    if (visited == limit) return it->first;
    ++visited;
    const int64_t at = table_.expireAt(it->first);
    if (at == 0 || at > time) f(it->first);
  }
  return std::nullopt;
}

std::optional<std::string> Store::randomKey() const {
  thread_local std::mt19937_64 rng(std::random_device{}());
  const int64_t time = now();
  ReaderMutexLock lock(&tableMutex_);
  const Table::Map& map = table_.map();
  if (map.empty()) return std::nullopt;
  // Land at a random point of the key space, then take the next live key;
  // a bounded walk, so a table of mostly expired keys cannot stall a reader.
  std::string probe(8, '\0');
  const uint64_t bits = rng();
  for (int i = 0; i < 8; ++i) probe[i] = static_cast<char>(bits >> (56 - 8 * i));
  auto it = map.lower_bound(probe);
  for (int step = 0; step < 128; ++step, ++it) {
    if (it == map.end()) it = map.begin();
    const int64_t at = table_.expireAt(it->first);
    if (at == 0 || at > time) return it->first;
  }
  return std::nullopt;
}

std::vector<std::pair<std::string, std::string>> Store::scan(std::string_view start,
                                                             std::optional<std::string_view> end,
                                                             size_t limit, size_t maxBytes,
                                                             bool* more) const {
  std::vector<std::pair<std::string, std::string>> out;
  size_t bytes = 0;
  *more = false;
  const int64_t time = now();
  ReaderMutexLock lock(&tableMutex_);
  const Table::Map& map = table_.map();
  for (auto it = map.lower_bound(start); it != map.end(); ++it) {
    if (end && std::string_view(it->first) >= *end) break;
    if (const int64_t at = table_.expireAt(it->first); at != 0 && at <= time) continue;
    if (out.size() >= limit || (bytes >= maxBytes && !out.empty())) {
      *more = true;
      break;
    }
    bytes += it->first.size() + it->second.size();
    out.emplace_back(it->first, it->second);
  }
  return out;
}

std::optional<std::string> Store::prefixEnd(std::string_view prefix) {
  std::string end(prefix);
  while (!end.empty()) {
    if (static_cast<uint8_t>(end.back()) != 0xff) {
      end.back() = static_cast<char>(static_cast<uint8_t>(end.back()) + 1);
      return end;
    }
    end.pop_back();
  }
  return std::nullopt;
}

void Store::write(WriteBatch batch, WriteCallback done) {
  if (absl::Status s = batch.validate(); !s.ok()) {
    std::move(done)(s, batch);
    return;
  }
  if (options_.sync == SyncMode::kNone) {
    if (closing_.load(std::memory_order_acquire)) {
      std::move(done)(absl::UnavailableError("the store is closed"), batch);
      return;
    }
    Pending pending{std::move(batch), std::move(done), absl::OkStatus()};
    commitGroup(Group(&pending, 1));
    return;
  }
  {
    MutexLock lock(&queueMutex_);
    if (!closing_.load(std::memory_order_relaxed)) {
      queuedOps_ += batch.size();
      queue_.push_back(Pending{std::move(batch), std::move(done), absl::OkStatus()});
      if (queue_.size() == 1 || gathering_) queueNotEmpty_.notify();
      return;
    }
  }
  std::move(done)(absl::UnavailableError("the store is closed"), batch);
}

void Store::writerLoop() {
  std::vector<Pending> group;
  size_t lastGroupOps = 0;
  while (true) {
    {
      MutexLock lock(&queueMutex_);
      while (queue_.empty() && !closing_.load(std::memory_order_relaxed)) {
        queueNotEmpty_.wait(&queueMutex_);
      }
      if (queue_.empty()) return;  // closing, and everything accepted is done
      group.swap(queue_);
      size_t ops = queuedOps_;
      queuedOps_ = 0;
      // Group commit's weak spot: clients acknowledged together send their
      // next writes together, but not at the same instant; a sync started on
      // the first few makes the rest wait a whole sync more, and the load
      // splits into cohorts that each get half the syncs. So when far fewer
      // writes wait than went into the last sync, wait briefly (at most half
      // a sync) for the others to catch up.
      const auto gatherFor = std::chrono::microseconds(
          std::min<uint64_t>(syncMicrosEwma_.load(std::memory_order_relaxed) / 2, 1000));
      if (options_.sync == SyncMode::kBatch && lastGroupOps >= 8 && ops < lastGroupOps / 2 &&
          gatherFor.count() > 0) {
        const auto deadline = std::chrono::steady_clock::now() + gatherFor;
        gathering_ = true;
        while (ops + queuedOps_ < lastGroupOps * 3 / 4 &&
               !closing_.load(std::memory_order_relaxed)) {
          const auto now = std::chrono::steady_clock::now();
          if (now >= deadline) break;
          (void)queueNotEmpty_.waitFor(&queueMutex_, deadline - now);
        }
        gathering_ = false;
        for (Pending& pending : queue_) group.push_back(std::move(pending));
        queue_.clear();
        ops += queuedOps_;
        queuedOps_ = 0;
      }
      lastGroupOps = ops;
    }
    if (options_.sync == SyncMode::kAlways) {
      for (Pending& pending : group) commitGroup(Group(&pending, 1));
    } else {
      commitGroup(Group(group));
    }
    group.clear();
  }
}

void Store::commitGroup(Group group) {
  absl::Status status;
  {
    MutexLock lock(&writeMutex_);
    if (!failure_.ok()) {
      status = failure_;
    } else if (logClosed_) {
      status = absl::UnavailableError("the store is closed");
    } else {
      evaluateGroup(group);
      if (!logBuffer_.empty()) status = writeLog();
      if (status.ok() && evaluator_.effects() > 0) {
        WriterMutexLock tableLock(&tableMutex_);
        evaluator_.apply(&table_);
        liveBytes_ = table_.bytes();
      }
      if (status.ok()) {
        ++groups_;
        batches_ += group.size();
        maybeStartCompaction();
      }
      evaluator_.clear();
      if (logBuffer_.capacity() > kKeptLogBufferBytes) {
        std::string().swap(logBuffer_);
      } else {
        logBuffer_.clear();
      }
    }
  }
  for (Pending& pending : group) {
    std::move(pending.done)(status.ok() ? pending.refused : status, pending.batch);
  }
}

absl::Status Store::startLog(WritableFile* file) {
  std::string header;
  log::appendFileHeader(&header);
  if (absl::Status s = file->append(header); !s.ok()) return s;
  return file->sync();
}

absl::Status Store::writeLog() {
  const uint64_t sizeBefore = log_->size();
  if (absl::Status appended = log_->append(logBuffer_); !appended.ok()) {
    // Part of the group may be in the file, and a restart would replay any
    // whole record of it: cut it back, so "not applied" is the truth.
    const absl::Status cut = dir_->truncate(log_->path(), sizeBefore);
    fail(appended);
    if (!cut.ok()) {
      return absl::UnknownError(absl::StrCat(
          "the log write failed (", appended.message(), ") and cutting it back failed (",
          cut.message(), "): the outcome is unknown, the batch may be applied after a restart"));
    }
    return absl::InternalError(
        absl::StrCat("the log write failed (", appended.message(), "): the batch was not applied"));
  }
  if (options_.sync != SyncMode::kNone) {
    const auto started = std::chrono::steady_clock::now();
    const absl::Status synced = log_->sync();
    const auto micros = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                                  std::chrono::steady_clock::now() - started)
                                                  .count());
    syncMicros_ += micros;
    const uint64_t ewma = syncMicrosEwma_.load(std::memory_order_relaxed);
    syncMicrosEwma_.store(ewma == 0 ? micros : (ewma * 7 + micros) / 8, std::memory_order_relaxed);
    if (!synced.ok()) {
      // The bytes are in the page cache and may reach the disk later, or
      // may not (the kernel can drop dirty pages after a failed writeback):
      // neither "applied" nor "not applied" would be honest.
      fail(synced);
      return absl::UnknownError(absl::StrCat(
          "the log's fdatasync failed (", synced.message(),
          "): the outcome is unknown, the batch may or may not be applied after a restart"));
    }
  }
  logBytes_ += logBuffer_.size();
  return absl::OkStatus();
}

void Store::fail(const absl::Status& cause) {
  if (!failure_.ok()) return;
  LOG_ERROR << "kv store: " << cause.ToString() << "; refusing writes until restarted";
  // Retrying is not safe: after a failed fsync Linux may report the next one
  // as a success although the dropped pages are gone.
  failure_ = absl::UnavailableError(
      absl::StrCat("the store failed (", cause.message(), ") and is read-only until restarted"));
  MutexLock lock(&healthMutex_);
  health_ = failure_;
}

absl::Status Store::health() const {
  MutexLock lock(&healthMutex_);
  return health_;
}

void Store::evaluateGroup(Group group) {
  const int64_t time = now();
  ReaderMutexLock tableLock(&tableMutex_);
  for (Pending& pending : group) {
    const size_t start = log::beginRecord(&logBuffer_);
    const size_t firstEffect = evaluator_.effects();
    if (!evaluator_.evaluate(pending.batch.ops(), table_, time)) {
      logBuffer_.resize(start);
      pending.refused = absl::ResourceExhaustedError(
          absl::StrCat("the batch would write more than ", kMaxBatchEffectBytes,
                       " bytes to the log (each APPEND, SETRANGE or RENAME logs its whole value)"));
      continue;
    }
    if (evaluator_.effects() == firstEffect) {
      logBuffer_.resize(start);  // nothing changes: no record
      continue;
    }
    evaluator_.encode(firstEffect, &logBuffer_);
    log::finishRecord(&logBuffer_, start, log::RecordType::kMutations);
  }
}

void Store::maybeStartCompaction() {
  if (compacting_ || cancelCompaction_.load(std::memory_order_relaxed)) return;
  if (logBytes_ < options_.compactionMinBytes || logBytes_ < compactionRetryBytes_ ||
      static_cast<double>(logBytes_) < options_.compactionRatio * static_cast<double>(liveBytes_)) {
    return;
  }
  // Switch to a fresh log first: the compaction then reads only finished
  // files, and writes carry on meanwhile.
  const uint64_t next = generation_ + 1;
  absl::StatusOr<std::unique_ptr<WritableFile>> file =
      options_.env->openWritable(dir_->logPath(next), WritableFile::Mode::kCreateNew);
  absl::Status started = file.status();
  if (started.ok()) started = startLog(file->get());
  if (!started.ok()) {
    LOG_ERROR << "kv store: cannot start a new log for compaction: " << started.ToString();
    if (file.ok()) (void)dir_->remove(dir_->logPath(next));
    compactionRetryBytes_ = logBytes_ * 2;
    return;
  }
  // Every log but the last is whole on disk, even under kNone: so damage in
  // one is never mistaken for a torn write at start (recover()).
  if (options_.sync == SyncMode::kNone) {
    if (absl::Status s = log_->sync(); !s.ok()) {
      (void)(*file)->close();
      (void)dir_->remove(dir_->logPath(next));
      fail(s);
      return;
    }
  }
  // The new name must be durable before a write in it is acknowledged. A
  // failed directory sync is not retried (see fail()): writes stop here,
  // and the current log, synced into the directory long ago, keeps its data.
  if (absl::Status s = dir_->sync(); !s.ok()) {
    (void)(*file)->close();
    (void)dir_->remove(dir_->logPath(next));
    fail(s);
    return;
  }
  CompactionJob job;
  job.snapshot = snapshot_;
  job.logs = logs_;
  job.logBytes = logBytes_;
  job.newGeneration = next;
  (void)log_->close();  // every byte in it is already written (and synced, unless kNone)
  log_ = std::move(*file);
  generation_ = next;
  logs_.push_back(next);
  logBytes_ += log_->size();  // its header
  compacting_ = true;
  LOG_INFO << "kv store: compacting " << job.logBytes << " bytes of log over " << liveBytes_
           << " live bytes into snapshot " << next;
  if (compactor_ != nullptr) compactor_->join();  // the previous one, finished
  compactor_ = std::make_unique<Thread>(
      [this, job = std::move(job)]() mutable { runCompaction(std::move(job)); }, "kv-compact");
  compactor_->start();
}

void Store::runCompaction(CompactionJob job) {
  const auto started = std::chrono::steady_clock::now();
  const std::string target = dir_->snapshotPath(job.newGeneration);
  const std::string temp = dir_->tempSnapshotPath(job.newGeneration);
  Table table;
  absl::Status status;
  if (job.snapshot) status = loadSnapshot(options_.env, dir_->snapshotPath(*job.snapshot), &table);
  for (size_t i = 0; status.ok() && i < job.logs.size(); ++i) {
    absl::StatusOr<ReplayResult> result =
        replayLog(options_.env, dir_->logPath(job.logs[i]), &table);
    if (!result.ok()) {
      status = result.status();
    } else if (!result->clean) {
      status = absl::DataLossError(
          absl::StrCat(dir_->logPath(job.logs[i]), " changed under compaction: ", result->problem));
    }
  }
  if (status.ok()) status = writeSnapshot(options_.env, table, temp, &cancelCompaction_);
  // Only a synced snapshot is renamed into place, and only a durable rename
  // lets the files it replaces go.
  if (status.ok()) status = dir_->rename(temp, target);
  bool dirSyncFailed = false;
  if (status.ok()) {
    status = dir_->sync();
    dirSyncFailed = !status.ok();
  }
  if (status.ok()) {
    if (job.snapshot) (void)dir_->remove(dir_->snapshotPath(*job.snapshot));
    for (uint64_t g : job.logs) (void)dir_->remove(dir_->logPath(g));
    (void)dir_->sync();
    const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started);
    LOG_INFO << "kv store: wrote snapshot " << job.newGeneration << " (" << table.size()
             << " keys, " << table.bytes() << " bytes) in " << elapsed.count() << " ms";
  } else {
    (void)dir_->remove(temp);
    if (!absl::IsCancelled(status)) {
      LOG_ERROR << "kv store: compaction into snapshot " << job.newGeneration
                << " failed: " << status.ToString();
    }
  }
  MutexLock lock(&writeMutex_);
  // Either the snapshot's name is durable or not, and the logs it replaces
  // are still there: a restart is fine both ways. Writing on is not (see fail()).
  if (dirSyncFailed) fail(status);
  if (status.ok()) {
    snapshot_ = job.newGeneration;
    logs_.erase(logs_.begin(), logs_.begin() + static_cast<ptrdiff_t>(job.logs.size()));
    logBytes_ -= job.logBytes;
    ++compactions_;
  } else {
    compactionRetryBytes_ = logBytes_ * 2;
  }
  compacting_ = false;
  compactionDone_.notifyAll();
}

void Store::expiryLoop() {
  // Like Redis's active expiry: lazy expiry alone (reads hiding keys) would
  // keep every key nobody reads again. Deletions go through the log like any
  // write, conditional on the key still being expired when the writer gets
  // to them, so a key set again meanwhile survives.
  std::vector<std::string> keys;
  while (!closing_.load(std::memory_order_acquire)) {
    {
      MutexLock lock(&expiryMutex_);
      if (closing_.load(std::memory_order_acquire)) break;
      (void)expiryWake_.waitFor(&expiryMutex_, options_.expiryInterval);
    }
    // Bounded work per wake-up, so a mass expiry spreads over several.
    for (int round = 0; round < 16 && !closing_.load(std::memory_order_acquire); ++round) {
      keys.clear();
      {
        ReaderMutexLock lock(&tableMutex_);
        if (!table_.hasExpiries()) break;
        table_.collectExpired(now(), kExpiryBatch, &keys);
      }
      if (keys.empty()) break;
      WriteBatch batch;
      for (std::string& key : keys)
        batch.remove(std::move(key)).condition = WriteOp::Condition::kExpired;
      Mutex doneMutex;
      Condition done;
      bool finished = false;
      bool ok = false;
      write(std::move(batch), [&](absl::Status status, WriteBatch& b) {
        uint64_t deleted = 0;
        for (const WriteOp& op : b.ops()) deleted += op.outcome == WriteOp::Outcome::kApplied;
        expiredKeys_.fetch_add(deleted, std::memory_order_relaxed);
        MutexLock lock(&doneMutex);
        ok = status.ok();
        finished = true;
        done.notify();
      });
      MutexLock lock(&doneMutex);
      while (!finished) done.wait(&doneMutex);
      if (!ok || keys.size() < kExpiryBatch) break;
    }
  }
}

void Store::waitForCompaction() {
  MutexLock lock(&writeMutex_);
  while (compacting_) compactionDone_.wait(&writeMutex_);
}

void Store::close() {
  {
    MutexLock lock(&queueMutex_);
    if (closing_.exchange(true)) return;
    queueNotEmpty_.notifyAll();
  }
  if (expirer_ != nullptr) {
    {
      MutexLock lock(&expiryMutex_);
      expiryWake_.notifyAll();
    }
    expirer_->join();
  }
  if (writer_ != nullptr) writer_->join();  // it drains the queue first
  cancelCompaction_.store(true);
  std::unique_ptr<Thread> compactor;
  {
    MutexLock lock(&writeMutex_);
    compactor = std::move(compactor_);
  }
  if (compactor != nullptr) compactor->join();
  MutexLock lock(&writeMutex_);
  if (logClosed_) return;
  logClosed_ = true;
  LOG_INFO << "kv store: closing; " << batches_ << " write batches in " << groups_ << " log writes"
           << (groups_ > 0 && options_.sync != SyncMode::kNone
                   ? absl::StrCat(", ", syncMicros_ / groups_, " us per fdatasync")
                   : std::string())
           << ", " << compactions_ << " compactions";
  if (log_ != nullptr) {
    if (failure_.ok()) {
      if (absl::Status s = log_->sync(); !s.ok()) LOG_ERROR << "kv store: " << s.ToString();
    }
    (void)log_->close();
  }
}

Store::Stats Store::stats() const {
  Stats stats;
  MutexLock lock(&writeMutex_);
  {
    ReaderMutexLock tableLock(&tableMutex_);
    stats.keys = table_.size();
    stats.liveBytes = table_.bytes();
  }
  stats.logBytes = logBytes_;
  stats.groups = groups_;
  stats.batches = batches_;
  stats.syncMicros = syncMicros_;
  stats.compactions = compactions_;
  stats.generation = generation_;
  {
    ReaderMutexLock tableLock(&tableMutex_);
    stats.expiringKeys = table_.expiringKeys();
  }
  stats.expiredKeys = expiredKeys_.load(std::memory_order_relaxed);
  return stats;
}

}  // namespace muduo::kv
