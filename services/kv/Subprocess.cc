#include "services/kv/Subprocess.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include "muduo/base/TestUtil.h"

namespace muduo::kv::test {

Subprocess::Subprocess(const std::vector<std::string>& argv, const std::string& outputPrefix)
    : outputPrefix_(outputPrefix) {
  std::vector<char*> args;
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  const std::string outPath = outputPrefix + ".out";
  const std::string errPath = outputPrefix + ".err";
  pid_ = ::fork();
  if (pid_ == 0) {
    // The child: only async-signal-safe calls until exec.
    const int out = ::open(outPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int err = ::open(errPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (out < 0 || err < 0 || ::dup2(out, 1) < 0 || ::dup2(err, 2) < 0) ::_exit(126);
    // The test's blocked signals would be inherited; a server must see SIGTERM.
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
}

Subprocess::~Subprocess() {
  if (pid_ > 0 && !status_) {
    ::kill(pid_, SIGKILL);
    (void)wait(std::chrono::seconds(10));
  }
}

void Subprocess::kill(int signal) {
  if (pid_ > 0 && !status_) ::kill(pid_, signal);
}

std::optional<int> Subprocess::wait(std::chrono::milliseconds timeout) {
  if (status_ || pid_ <= 0) return status_;
  status_ = muduo::test::reapWithin(pid_, timeout);
  return status_;
}

std::string Subprocess::out() const { return readFile(outputPrefix_ + ".out"); }
std::string Subprocess::err() const { return readFile(outputPrefix_ + ".err"); }

Finished run(const std::vector<std::string>& argv, const std::string& outputPrefix,
             std::chrono::milliseconds timeout) {
  Subprocess process(argv, outputPrefix);
  Finished finished;
  const std::optional<int> code = process.wait(timeout);
  if (!code) {
    process.kill(SIGKILL);
    (void)process.wait(std::chrono::seconds(10));
  }
  finished.code = code.value_or(-1);
  finished.out = process.out();
  finished.err = process.err();
  return finished;
}

std::string runfile(const std::string& path) {
  const char* srcdir = ::getenv("TEST_SRCDIR");
  const char* workspace = ::getenv("TEST_WORKSPACE");
  return std::string(srcdir != nullptr ? srcdir : ".") + "/" +
         (workspace != nullptr ? workspace : "muduo_cpp") + "/" + path;
}

std::string tempPath(const std::string& name) {
  const char* tmp = ::getenv("TEST_TMPDIR");
  return std::string(tmp != nullptr ? tmp : "/tmp") + "/" + name;
}

bool waitForFile(const std::string& path, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  struct stat st;
  while (::stat(path.c_str(), &st) != 0) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

}  // namespace muduo::kv::test
