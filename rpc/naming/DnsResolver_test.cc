// DnsResolver with a scripted lookup: pushes on change only, keeps the last
// list through failures, reports an error only without a list, never looks
// up on the loop, and is silent after stop().
#include "rpc/naming/DnsResolver.h"

#include <gtest/gtest.h>

#include <deque>
#include <mutex>
#include <thread>

#include "muduo/net/EventLoop.h"
#include "muduo/net/EventLoopThread.h"
#include "rpc/naming/Naming.h"
#include "rpc/naming/testing/Inbox.h"
#include "rpc/naming/testing/LogCapture.h"

namespace muduo::rpc::naming {
namespace {

using testing::Inbox;
using Pushed = absl::StatusOr<EndpointList>;
using Answer = absl::StatusOr<std::vector<net::InetAddress>>;

// Answers lookups from a script; after the script, repeats the last answer.
class ScriptedDns {
 public:
  explicit ScriptedDns(std::vector<Answer> script) : script_(script.begin(), script.end()) {}

  DnsResolver::Lookup lookup() {
    return [this](const std::string& host, uint16_t port) {
      std::lock_guard<std::mutex> lock(mutex_);
      threads_.push_back(std::this_thread::get_id());
      ++calls_;
      Answer answer = script_.front();
      if (script_.size() > 1) script_.pop_front();
      return answer;
    };
  }
  int calls() {
    std::lock_guard<std::mutex> lock(mutex_);
    return calls_;
  }
  std::vector<std::thread::id> threads() {
    std::lock_guard<std::mutex> lock(mutex_);
    return threads_;
  }

 private:
  std::mutex mutex_;
  std::deque<Answer> script_;
  int calls_ = 0;
  std::vector<std::thread::id> threads_;
};

Answer addresses(std::vector<uint16_t> ports) {
  std::vector<net::InetAddress> result;
  for (uint16_t port : ports) result.emplace_back("127.0.0.1", port);
  return result;
}

std::vector<uint16_t> ports(const Pushed& pushed) {
  std::vector<uint16_t> result;
  if (pushed.ok()) {
    for (const Endpoint& e : *pushed) result.push_back(e.address.port());
  }
  return result;
}

class DnsResolverTest : public ::testing::Test {
 protected:
  void SetUp() override { loop_ = loopThread_.startLoop(); }

  std::unique_ptr<DnsResolver> start(ScriptedDns& dns, Inbox<Pushed>* pushed) {
    DnsResolver::Options options;
    options.refresh = std::chrono::milliseconds(5);
    options.retry = std::chrono::milliseconds(5);
    options.lookup = dns.lookup();
    auto resolver = std::make_unique<DnsResolver>("service.example", 9000, options);
    loop_->runInLoop([this, pushed, r = resolver.get()] {
      loopThreadId_ = std::this_thread::get_id();
      r->start(loop_, [pushed](const Pushed& p) { pushed->put(p); });
    });
    return resolver;
  }
  void stop(std::unique_ptr<DnsResolver> resolver) {
    Inbox<bool> done;
    loop_->runInLoop([&] {
      resolver.reset();  // stops
      done.put(true);
    });
    ASSERT_TRUE(done.waitForAny());
  }

  net::EventLoopThread loopThread_;
  net::EventLoop* loop_ = nullptr;
  std::thread::id loopThreadId_;
};

TEST_F(DnsResolverTest, PushesTheFirstListThenOnlyChangesAndLooksUpOffTheLoop) {
  ScriptedDns dns({addresses({2, 1}), addresses({1, 2}), addresses({1, 2, 3}), addresses({3})});
  Inbox<Pushed> pushed;
  auto resolver = start(dns, &pushed);
  ASSERT_TRUE(pushed.waitFor(
      [](auto& v) { return !v.empty() && ports(v.back()) == std::vector<uint16_t>{3}; }));
  const std::vector<Pushed> all = pushed.values();
  ASSERT_EQ(all.size(), 3u);  // {2,1} and {1,2} are the same list
  EXPECT_EQ(ports(all[0]), (std::vector<uint16_t>{1, 2}));
  EXPECT_EQ(ports(all[1]), (std::vector<uint16_t>{1, 2, 3}));
  stop(std::move(resolver));
  for (std::thread::id id : dns.threads()) EXPECT_NE(id, loopThreadId_);
}

TEST_F(DnsResolverTest, FailuresKeepTheLastListAndAreLoggedOncePerRun) {
  testing::LogCapture log;
  const Answer failure = absl::UnavailableError("SERVFAIL");
  ScriptedDns dns(
      {addresses({1}), failure, failure, failure, addresses({1}), failure, addresses({1, 2})});
  Inbox<Pushed> pushed;
  auto resolver = start(dns, &pushed);
  ASSERT_TRUE(pushed.waitFor([](auto& v) { return v.size() == 2; }));
  stop(std::move(resolver));
  for (const Pushed& p : pushed.values()) EXPECT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(ports(pushed.last()), (std::vector<uint16_t>{1, 2}));
  EXPECT_EQ(log.count("keeping the last list of 1 address(es)"), 2) << log.text();
}

TEST_F(DnsResolverTest, WithoutAnyListTheErrorIsPushedOnceThenTheListWhenItComes) {
  const Answer failure = absl::UnavailableError("NXDOMAIN");
  ScriptedDns dns({failure, failure, failure, addresses({7})});
  Inbox<Pushed> pushed;
  auto resolver = start(dns, &pushed);
  ASSERT_TRUE(pushed.waitFor([](auto& v) { return v.size() == 2; }));
  stop(std::move(resolver));
  const std::vector<Pushed> all = pushed.values();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].status().code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(all[0].status().message().find("dns://service.example:9000: NXDOMAIN"),
            std::string_view::npos)
      << all[0].status();
  EXPECT_EQ(ports(all[1]), std::vector<uint16_t>{7});
}

TEST_F(DnsResolverTest, NothingIsPushedAfterStopEvenFromALookupInFlight) {
  std::mutex gate;
  gate.lock();
  Inbox<bool> looking;
  // Destroyed with the last copy of the lookup function: when the worker has
  // finished and dropped the resolver's state.
  Inbox<bool> workerDone;
  std::shared_ptr<void> sentinel(nullptr, [&](void*) { workerDone.put(true); });
  DnsResolver::Options options;
  options.lookup = [&, sentinel](const std::string&, uint16_t) -> Answer {
    looking.put(true);
    std::lock_guard<std::mutex> wait(gate);  // held until the resolver is stopped
    return addresses({1});
  };
  auto resolver = std::make_unique<DnsResolver>("h", 1, options);
  Inbox<Pushed> pushed;
  loop_->runInLoop(
      [&, r = resolver.get()] { r->start(loop_, [&](const Pushed& p) { pushed.put(p); }); });
  ASSERT_TRUE(looking.waitForAny());
  stop(std::move(resolver));
  options.lookup = nullptr;
  sentinel.reset();
  gate.unlock();
  ASSERT_TRUE(workerDone.waitForAny());
  // Anything the worker queued runs before this.
  Inbox<bool> flushed;
  loop_->queueInLoop([&] { flushed.put(true); });
  ASSERT_TRUE(flushed.waitForAny());
  EXPECT_EQ(pushed.size(), 0u);
}

TEST(DnsResolverParseTest, ReadsHostPortAndRefreshAndRefusesTheRest) {
  auto resolver = DnsResolver::parse("localhost:80?refresh=5");
  ASSERT_TRUE(resolver.ok()) << resolver.status();
  EXPECT_EQ((*resolver)->host(), "localhost");
  EXPECT_EQ((*resolver)->port(), 80);
  EXPECT_EQ((*resolver)->options().refresh, std::chrono::seconds(5));
  EXPECT_EQ((*DnsResolver::parse("[::1]:80"))->options().refresh, DnsResolver::kDefaultRefresh);
  for (const char* bad : {"", "localhost", "localhost:0", "localhost:80?refresh=0",
                          "localhost:80?refresh=x", "localhost:80?ttl=5"}) {
    EXPECT_FALSE(DnsResolver::parse(bad).ok()) << bad;
  }
  EXPECT_TRUE(makeResolver("dns://localhost:80").ok());
  EXPECT_FALSE(makeResolver("dns://localhost").ok());
}

TEST(DnsResolverSystemTest, LocalhostResolvesWithoutANetwork) {
  Answer answer = DnsResolver::systemLookup("localhost", 8080);
  ASSERT_TRUE(answer.ok()) << answer.status();
  ASSERT_FALSE(answer->empty());
  for (const net::InetAddress& address : *answer) EXPECT_EQ(address.port(), 8080);
  EXPECT_FALSE(DnsResolver::systemLookup("no-such-host.invalid", 1).ok());
}

}  // namespace
}  // namespace muduo::rpc::naming
