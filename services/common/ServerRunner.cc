#include "services/common/ServerRunner.h"

#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "muduo/base/AsyncLogging.h"
#include "muduo/base/Logging.h"
#include "muduo/base/Thread.h"

namespace services {
namespace {

muduo::AsyncLogging* g_log = nullptr;

void asyncOutput(const char* line, size_t len) { g_log->append(line, len); }

sigset_t stopSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

}  // namespace

ServerRunner::ServerRunner(std::string name, const std::string& logDir) : name_(std::move(name)) {
  // Before any thread exists, so every thread inherits the mask and only
  // sigwait() below sees the signals.
  const sigset_t set = stopSignals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  if (!logDir.empty()) {
    if (::mkdir(logDir.c_str(), 0755) != 0 && errno != EEXIST) {
      fprintf(stderr, "%s: cannot create --log_dir %s: %s\n", name_.c_str(), logDir.c_str(),
              strerror(errno));
    } else {
      log_ = std::make_unique<muduo::AsyncLogging>(logDir + "/" + name_);
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

}  // namespace services
