#include "muduo/net/ServerRunner.h"

#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "muduo/base/AsyncLogging.h"
#include "muduo/base/ProgramFlags.h"
#include "muduo/base/Thread.h"
#include "muduo/net/ListenFlags.h"

ABSL_FLAG(int, port, 0, "port to listen on at the --bind address; 0 picks a free one");
ABSL_FLAG(int, threads, 1, "I/O threads; 0 serves every connection in the accepting thread");
ABSL_FLAG(std::string, log_dir, "",
          "directory for rolling log files <dir>/<program>.*.log, created if missing; empty "
          "logs to stderr");
ABSL_FLAG(std::string, log_level, "",
          "TRACE, DEBUG, INFO, WARN or ERROR; empty takes $MUDUO_LOG_LEVEL, else INFO");
ABSL_FLAG(std::string, log_overflow, "block",
          "when the disk falls 100 MB behind the log: 'block' slows the logging threads down "
          "and loses nothing, 'drop' sheds lines and counts them (in the log, and on /status "
          "and /metrics)");
ABSL_FLAG(int, busy_poll_us, 0,
          "after a busy iteration, each event loop polls without sleeping for up to this many "
          "microseconds before it sleeps: lower latency for at most this much CPU per busy "
          "iteration; 0 (the default) is off");
ABSL_FLAG(std::string, port_file, "",
          "once serving, write a '<listener>_port=N' line per listener to this file (for "
          "scripts and tests using --port=0)");

namespace muduo::net {
namespace {

muduo::AsyncLogging* g_log = nullptr;

// A spin longer than a scheduler tick buys nothing a sleep would not.
constexpr int kMaxBusyPollUs = 10000;

void asyncOutput(const char* line, size_t len) { g_log->append(line, len); }

sigset_t stopSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

// mkdir -p: a --log_dir of logs/today should not need a second command.
absl::Status makeLogDir(const std::string& dir) {
  for (size_t slash = dir.find('/', 1);; slash = dir.find('/', slash + 1)) {
    const std::string prefix = dir.substr(0, slash);
    if (::mkdir(prefix.c_str(), 0755) != 0 && errno != EEXIST) {
      return absl::FailedPreconditionError(
          absl::StrCat("cannot create --log_dir=", dir, ": ", prefix, ": ", strerror(errno)));
    }
    if (slash == std::string::npos) break;
  }
  // EEXIST also covers a plain file of that name, and a directory may exist
  // but not be ours to write: both would lose every line silently.
  if (::access(dir.c_str(), W_OK | X_OK) != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot write to --log_dir=", dir, ": ", strerror(errno)));
  }
  return absl::OkStatus();
}

}  // namespace

void setServerFlagDefaults(ServerFlagDefaults defaults) {
  absl::SetFlag(&FLAGS_port, defaults.port);
  absl::SetFlag(&FLAGS_threads, defaults.threads);
}

absl::StatusOr<ServerRunner::Options> ServerRunner::optionsFromFlags() {
  Options options;
  absl::StatusOr<InetAddress> addr = listenAddressFromFlags(absl::GetFlag(FLAGS_port), "port");
  if (!addr.ok()) return addr.status();
  options.listenAddress = *addr;
  options.threads = absl::GetFlag(FLAGS_threads);
  if (options.threads < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("--threads=", options.threads, " is negative (0 serves in one thread)"));
  }
  options.logDir = absl::GetFlag(FLAGS_log_dir);
  if (const std::string level = absl::GetFlag(FLAGS_log_level); !level.empty()) {
    options.logLevel = parseLogLevel(level);
    if (!options.logLevel) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--log_level=", level, " is not one of TRACE, DEBUG, INFO, WARN, ERROR, FATAL"));
    }
  }
  const std::string overflow = absl::GetFlag(FLAGS_log_overflow);
  if (std::optional<AsyncLogging::Overflow> parsed = parseLogOverflow(overflow)) {
    options.logOverflow = *parsed;
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("--log_overflow=", overflow, " is not one of block, drop"));
  }
  const int busyPollUs = absl::GetFlag(FLAGS_busy_poll_us);
  if (busyPollUs < 0 || busyPollUs > kMaxBusyPollUs) {
    return absl::InvalidArgumentError(absl::StrCat("--busy_poll_us=", busyPollUs,
                                                   " is not between 0 (off) and ", kMaxBusyPollUs));
  }
  options.busyPoll = std::chrono::microseconds(busyPollUs);
  options.portFile = absl::GetFlag(FLAGS_port_file);
  return options;
}

namespace {

ServerRunner::Options optionsOrExit(const std::string& name) {
  absl::StatusOr<ServerRunner::Options> options = ServerRunner::optionsFromFlags();
  if (!options.ok()) muduo::exitWithUsageError(name, options.status().message());
  return *std::move(options);
}

}  // namespace

ServerRunner::ServerRunner(std::string name) : ServerRunner(name, optionsOrExit(name)) {
  if (!status_.ok()) muduo::exitWithUsageError(name_, status_.message());
}

ServerRunner::ServerRunner(std::string name, Options options)
    : name_(std::move(name)), options_(std::move(options)) {
  // Before any thread exists, so every thread inherits the mask and only
  // sigwait() below sees the signals.
  const sigset_t set = stopSignals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  if (options_.logLevel) Logger::setLogLevel(*options_.logLevel);
  // Loops made from now on (the servers' I/O threads) and this one.
  EventLoop::setDefaultBusyPoll(options_.busyPoll);
  loop_.setBusyPoll(options_.busyPoll);
  if (!options_.logDir.empty()) {
    status_ = makeLogDir(options_.logDir);
    if (status_.ok()) {
      muduo::AsyncLogging::Options logOptions;
      logOptions.overflow = options_.logOverflow;
      log_ = std::make_unique<muduo::AsyncLogging>(options_.logDir + "/" + name_,
                                                   std::move(logOptions));
      g_log = log_.get();
      log_->start();
      muduo::Logger::setOutput(&asyncOutput);
    }
  }
  signalThread_ = std::make_unique<muduo::Thread>(
      [this] {
        const sigset_t signals = stopSignals();
        int signo = 0;
        while (sigwait(&signals, &signo) != 0) {
        }
        signalled_.store(true);
        LOG_INFO << name_ << ": " << strsignal(signo) << ", shutting down";
        requestStop();
      },
      "signals");
}

ServerRunner::~ServerRunner() {
  if (signalThread_->started()) {
    // Stopped by requestStop(): the signal thread still waits in sigwait().
    if (!signalled_.load()) ::kill(::getpid(), SIGTERM);
    signalThread_->join();
  }
  if (log_ != nullptr) {
    muduo::Logger::setOutput(nullptr);
    log_->stop();  // writes every line accepted
    g_log = nullptr;
  }
}

absl::Status ServerRunner::serving(
    const std::vector<std::pair<std::string, InetAddress>>& listeners) {
  std::string where;
  std::string portLines;
  for (const auto& [label, addr] : listeners) {
    absl::StrAppend(&where, where.empty() ? "" : ", ", addr.toIpPort(),
                    listeners.size() > 1 ? absl::StrCat(" (", label, ")") : "");
    absl::StrAppend(&portLines, label, "_port=", addr.port(), "\n");
  }
  const std::string line = absl::StrCat(name_, " listening on ", where);
  LOG_INFO << line;
  if (log_ != nullptr) {
    LOG_INFO << name_ << ": logs in " << options_.logDir
             << " (--log_overflow=" << logOverflowName(options_.logOverflow) << ")";
  }
  if (options_.busyPoll.count() > 0) {
    LOG_INFO << name_ << ": event loops busy-poll for up to " << options_.busyPoll.count()
             << " us after each busy iteration";
  }
  // The listening line stays alone on its line: scripts read the port from it.
  printf("%s\n", line.c_str());
  if (log_ != nullptr) printf("%s: logs in %s\n", name_.c_str(), options_.logDir.c_str());
  fflush(stdout);
  if (options_.portFile.empty()) return absl::OkStatus();
  const std::string temp = options_.portFile + ".tmp";
  FILE* out = fopen(temp.c_str(), "w");
  bool written = out != nullptr;
  if (written) {
    written = fputs(portLines.c_str(), out) >= 0;
    written = fclose(out) == 0 && written;
  }
  if (!written || ::rename(temp.c_str(), options_.portFile.c_str()) != 0) {
    const absl::Status status = absl::FailedPreconditionError(
        absl::StrCat("cannot write --port_file=", options_.portFile, ": ", strerror(errno)));
    LOG_ERROR << name_ << ": " << std::string(status.message());
    return status;
  }
  return absl::OkStatus();
}

int ServerRunner::run(Shutdown shutdown) {
  shutdown_ = std::move(shutdown);
  signalThread_->start();
  loop_.loop();
  return 0;
}

void ServerRunner::requestStop() {
  loop_.runInLoop([this] { startShutdown(); });
}

void ServerRunner::startShutdown() {
  if (stopping_) return;
  stopping_ = true;
  shutdown_([this] { loop_.runInLoop([this] { loop_.quit(); }); });
}

}  // namespace muduo::net
