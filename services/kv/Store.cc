#include "services/kv/Store.h"

#include <algorithm>
#include <chrono>
#include <random>

#include "absl/strings/str_cat.h"
#include "muduo/base/Logging.h"
#include "services/kv/BackgroundSyncer.h"
#include "services/kv/Compactor.h"
#include "services/kv/DataDir.h"
#include "services/kv/Env.h"
#include "services/kv/ExpirySweeper.h"
#include "services/kv/Limits.h"
#include "services/kv/LogFormat.h"
#include "services/kv/LogWriter.h"
#include "services/kv/Recovery.h"
#include "services/kv/Repair.h"

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

}  // namespace

Store::Store(Options options, std::unique_ptr<DataDir> dir)
    : options_(std::move(options)), dir_(std::move(dir)) {}

absl::StatusOr<std::unique_ptr<Store>> Store::open(Options options) {
  if (options.env == nullptr) options.env = Env::posix();
  absl::StatusOr<std::unique_ptr<DataDir>> dir = DataDir::open(options.env, options.dir);
  if (!dir.ok()) return dir.status();
  const auto started = std::chrono::steady_clock::now();
  absl::StatusOr<RecoveredState> recovered = recoverDirectory(options.env, **dir);
  if (!recovered.ok()) return recovered.status();
  const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
  LOG_INFO << "kv store: " << (*dir)->path() << ": " << recovered->table.size() << " keys ("
           << recovered->table.bytes() << " bytes) from "
           << (recovered->snapshot ? absl::StrCat("snapshot ", *recovered->snapshot)
                                   : std::string("no snapshot"))
           << " and " << recovered->records << " log records in " << recovered->logs.size()
           << " log(s), " << elapsed.count() << " ms; sync=" << syncModeName(options.sync)
           << " (appendfsync " << appendfsyncName(options.sync) << ")";

  std::unique_ptr<Store> store(new Store(std::move(options), std::move(*dir)));
  Store* const s = store.get();
  LogWriter::Options logOptions;
  logOptions.reserveBytes = s->options_.logReserveBytes;
  s->log_ = std::make_unique<LogWriter>(s->dir_.get(), s->options_.sync, std::move(recovered->log),
                                        recovered->snapshot, std::move(recovered->logs),
                                        recovered->logBytes, std::move(logOptions));
  s->compactor_ = std::make_unique<Compactor>(
      s->dir_.get(), s->log_.get(),
      CompactionPolicy(s->options_.compactionMinBytes, s->options_.compactionRatio));
  {
    MutexLock lock(&s->commitMutex_);
    {
      WriterMutexLock tableLock(&s->tableMutex_);
      s->liveBytes_ = recovered->table.bytes();
      s->table_ = std::move(recovered->table);
    }
    // The trigger runs after each write; a server restarted over large logs
    // (a crash loop, a read-mostly load) must not wait for one, or every
    // restart replays them again.
    s->compactor_->maybeStart(s->liveBytes_);
  }
  s->queue_ = std::make_unique<GroupCommitQueue>(
      s->options_.sync, [s](Group group) { s->commitGroup(group); },
      [s] { return s->log_->recentSyncMicros(); }, s->options_.syncInLoop);
  if (s->options_.sync == SyncMode::kEverySec) {
    // A failure is logged, and fails the store, inside syncWritten().
    s->syncer_ = std::make_unique<BackgroundSyncer>(s->options_.everysecInterval,
                                                    [s] { (void)s->log_->syncWritten(); });
  }
  if (s->options_.expiryInterval.count() > 0) {
    s->sweeper_ = std::make_unique<ExpirySweeper>(
        s->options_.expiryInterval,
        [s](size_t limit, std::vector<std::string>* keys) { s->collectExpired(limit, keys); },
        [s](WriteBatch batch, WriteCallback done) { s->write(std::move(batch), std::move(done)); });
  }
  return store;
}

Store::~Store() { close(); }

absl::StatusOr<std::string> Store::repair(Options options) {
  return repairDataDir(options.env != nullptr ? options.env : Env::posix(), options.dir);
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
    if (visited == limit) return std::string(it->first);
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
    if (at == 0 || at > time) return std::string(it->first);
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
    if (end && it->first >= *end) break;
    if (const int64_t at = table_.expireAt(it->first); at != 0 && at <= time) continue;
    if (out.size() >= limit || (bytes >= maxBytes && !out.empty())) {
      *more = true;
      break;
    }
    bytes += it->first.size() + it->second->size();
    out.emplace_back(it->first, *it->second);
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

void Store::write(WriteBatch batch, WriteCallback done, Caller caller) {
  if (absl::Status s = batch.validate(); !s.ok()) {
    std::move(done)(s, batch);
    return;
  }
  queue_->submit(std::move(batch), std::move(done), caller);
}

void Store::commitGroup(Group group) {
  absl::Status status;
  {
    MutexLock lock(&commitMutex_);
    status = log_->writable();
    if (status.ok()) {
      evaluateGroup(group);
      if (!logBuffer_.empty()) status = log_->append(logBuffer_);
      if (status.ok() && evaluator_.effects() > 0) {
        WriterMutexLock tableLock(&tableMutex_);
        evaluator_.apply(&table_);
        liveBytes_ = table_.bytes();
      }
      if (status.ok()) {
        ++groups_;
        batches_ += group.size();
        compactor_->maybeStart(liveBytes_);
      }
      evaluator_.clear();
      if (logBuffer_.capacity() > kKeptLogBufferBytes) {
        std::string().swap(logBuffer_);
      } else {
        logBuffer_.clear();
      }
    }
  }
  for (GroupCommitQueue::Pending& pending : group) {
    std::move(pending.done)(status.ok() ? pending.refused : status, pending.batch);
  }
}

void Store::evaluateGroup(Group group) {
  const int64_t time = now();
  ReaderMutexLock tableLock(&tableMutex_);
  for (GroupCommitQueue::Pending& pending : group) {
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

void Store::collectExpired(size_t limit, std::vector<std::string>* keys) const {
  ReaderMutexLock lock(&tableMutex_);
  if (table_.hasExpiries()) table_.collectExpired(now(), limit, keys);
}

absl::Status Store::health() const { return log_->health(); }

void Store::waitForCompaction() { compactor_->waitForCompaction(); }

void Store::close() {
  if (closed_.exchange(true)) return;
  queue_->close();  // refuses new writes, then drains the accepted ones
  if (sweeper_ != nullptr) sweeper_->stop();
  compactor_->close();
  {
    // Waits for a commit in progress, which under kEverySec may be waiting
    // for the background sync: so the syncer stops only after this.
    MutexLock lock(&commitMutex_);
  }
  if (syncer_ != nullptr) syncer_->stop();
  (void)log_->close();  // its final sync is counted below
  const LogWriter::Stats log = log_->stats();
  MutexLock lock(&commitMutex_);
  LOG_INFO << "kv store: closing; " << batches_ << " write batches in " << groups_
           << " log writes and " << log.syncs << " fdatasyncs"
           << (log.syncs > 0 ? absl::StrCat(" (", log.syncMicros / log.syncs, " us each)")
                             : std::string())
           << (options_.sync == SyncMode::kEverySec
                   ? absl::StrCat(", ", log.backgroundSyncs, " in the background, ",
                                  log.postponedAppends, " writes postponed behind one")
                   : std::string())
           << ", " << compactor_->compactions() << " compactions"
           << (syncsBeforeAcknowledging(options_.sync)
                   ? absl::StrCat("; ", queue_->callerCommits(), " groups committed by I/O loops")
                   : std::string());
}

Store::Stats Store::stats() const {
  Stats stats;
  {
    MutexLock lock(&commitMutex_);
    stats.groups = groups_;
    stats.batches = batches_;
    ReaderMutexLock tableLock(&tableMutex_);
    stats.keys = table_.size();
    stats.liveBytes = table_.bytes();
    stats.expiringKeys = table_.expiringKeys();
  }
  const LogWriter::Stats log = log_->stats();
  stats.logBytes = log.logBytes;
  stats.syncs = log.syncs;
  stats.syncMicros = log.syncMicros;
  stats.backgroundSyncsStarted = log.backgroundSyncsStarted;
  stats.backgroundSyncs = log.backgroundSyncs;
  stats.postponedWrites = log.postponedAppends;
  stats.generation = log.generation;
  stats.compactions = compactor_->compactions();
  stats.expiredKeys = sweeper_ != nullptr ? sweeper_->expiredKeys() : 0;
  return stats;
}

}  // namespace muduo::kv
