// KvServiceImpl through the generated stub over loopback: an RpcServer on
// port 0 serving a Store in $TEST_TMPDIR.
#include "services/kv/KvServiceImpl.h"

#include <atomic>
#include <filesystem>
#include <future>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "muduo/net/EventLoop.h"
#include "muduo/net/EventLoopThread.h"
#include "muduo/net/InetAddress.h"
#include "rpc/RpcChannel.h"
#include "rpc/RpcServer.h"
#include "services/kv/Limits.h"
#include "services/kv/Store.h"

namespace muduo::kv {
namespace {

using namespace std::chrono_literals;
constexpr auto kWait = 10s;

template <typename F>
void runAndWait(net::EventLoop* loop, F f) {
  std::promise<void> ran;
  loop->runInLoop([&] {
    f();
    ran.set_value();
  });
  ASSERT_EQ(ran.get_future().wait_for(kWait), std::future_status::ready);
}

class KvServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* tmp = ::getenv("TEST_TMPDIR");
    dir_ = absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/kv_service_test_",
                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    openServer();
  }

  void openServer() {
    Store::Options options;
    options.dir = dir_;
    options.clock = [this] { return now_.load(); };
    auto store = Store::open(options);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    service_ = std::make_unique<KvServiceImpl>(store_.get());
    serverLoop_ = serverThread_.startLoop();
    runAndWait(serverLoop_, [this] {
      rpc::RpcServer::Options options;
      options.ioThreads = 2;
      server_ = std::make_unique<rpc::RpcServer>(serverLoop_, net::InetAddress(0, true), options);
      server_->addService(service_.get());
      server_->start();
    });
    clientLoop_ = clientThread_.startLoop();
    channel_ = std::make_unique<rpc::RpcChannel>(clientLoop_, server_->listenAddress());
    channel_->connect();
    stub_ = std::make_unique<KvService::Stub>(channel_.get());
  }

  void TearDown() override {
    stub_.reset();
    channel_.reset();
    runAndWait(serverLoop_, [this] { server_.reset(); });
    for (net::EventLoop* loop : {clientLoop_, serverLoop_, clientLoop_, serverLoop_}) {
      runAndWait(loop, [] {});
    }
    store_.reset();
  }

  absl::Status put(const std::string& key, const std::string& value) {
    PutRequest request;
    request.set_key(key);
    request.set_value(value);
    PutResponse response;
    return stub_->Put(request, &response);
  }

  std::optional<std::string> get(const std::string& key) {
    GetRequest request;
    request.set_key(key);
    GetResponse response;
    const absl::Status status = stub_->Get(request, &response);
    EXPECT_TRUE(status.ok()) << status;
    if (!response.found()) return std::nullopt;
    return response.value();
  }

  std::string dir_;
  std::atomic<int64_t> now_{1'800'000'000'000};
  std::unique_ptr<Store> store_;
  std::unique_ptr<KvServiceImpl> service_;
  net::EventLoopThread serverThread_;
  net::EventLoop* serverLoop_ = nullptr;
  std::unique_ptr<rpc::RpcServer> server_;
  net::EventLoopThread clientThread_;
  net::EventLoop* clientLoop_ = nullptr;
  std::unique_ptr<rpc::RpcChannel> channel_;
  std::unique_ptr<KvService::Stub> stub_;
};

TEST_F(KvServiceTest, PutThenGetThenDelete) {
  EXPECT_EQ(get("k"), std::nullopt);
  ASSERT_TRUE(put("k", "v").ok());
  EXPECT_EQ(get("k"), "v");
  DeleteRequest request;
  request.set_key("k");
  DeleteResponse response;
  ASSERT_TRUE(stub_->Delete(request, &response).ok());
  EXPECT_TRUE(response.existed());
  ASSERT_TRUE(stub_->Delete(request, &response).ok());
  EXPECT_FALSE(response.existed());
  EXPECT_EQ(get("k"), std::nullopt);
}

TEST_F(KvServiceTest, APutWithATtlExpiresAndExpireSetsOrRemovesTheTime) {
  PutRequest request;
  request.set_key("session");
  request.set_value("v");
  request.set_ttl_ms(1500);
  PutResponse putResponse;
  ASSERT_TRUE(stub_->Put(request, &putResponse).ok());
  GetRequest getRequest;
  getRequest.set_key("session");
  GetResponse getResponse;
  ASSERT_TRUE(stub_->Get(getRequest, &getResponse).ok());
  EXPECT_TRUE(getResponse.found());
  EXPECT_EQ(getResponse.ttl_ms(), 1500);

  ExpireRequest expire;
  expire.set_key("session");
  expire.set_ttl_ms(0);  // persist
  ExpireResponse expireResponse;
  ASSERT_TRUE(stub_->Expire(expire, &expireResponse).ok());
  EXPECT_TRUE(expireResponse.found());
  ASSERT_TRUE(stub_->Get(getRequest, &getResponse).ok());
  EXPECT_EQ(getResponse.ttl_ms(), -1);

  expire.set_ttl_ms(10);
  ASSERT_TRUE(stub_->Expire(expire, &expireResponse).ok());
  now_ += 10;
  EXPECT_EQ(get("session"), std::nullopt);
  ASSERT_TRUE(stub_->Expire(expire, &expireResponse).ok());
  EXPECT_FALSE(expireResponse.found()) << "an expired key is not there to expire";

  ASSERT_TRUE(put("plain", "v").ok());
  getRequest.set_key("plain");
  ASSERT_TRUE(stub_->Get(getRequest, &getResponse).ok());
  EXPECT_EQ(getResponse.ttl_ms(), -1);
}

TEST_F(KvServiceTest, ScanByPrefixAndRangeInKeyOrderWithPaging) {
  for (const char* key : {"user:3", "user:1", "user:2", "users", "apple", "zebra"}) {
    ASSERT_TRUE(put(key, absl::StrCat("v-", key)).ok());
  }
  ScanRequest request;
  request.set_prefix("user:");
  ScanResponse response;
  ASSERT_TRUE(stub_->Scan(request, &response).ok());
  ASSERT_EQ(response.entries_size(), 3);
  EXPECT_EQ(response.entries(0).key(), "user:1");
  EXPECT_EQ(response.entries(0).value(), "v-user:1");
  EXPECT_EQ(response.entries(2).key(), "user:3");
  EXPECT_FALSE(response.more());

  request.Clear();
  request.set_start("b");
  request.set_end("users");
  request.set_limit(2);
  ASSERT_TRUE(stub_->Scan(request, &response).ok());
  ASSERT_EQ(response.entries_size(), 2);
  EXPECT_EQ(response.entries(1).key(), "user:2");
  EXPECT_TRUE(response.more());
  request.set_start(response.entries(1).key() + std::string(1, '\0'));
  ASSERT_TRUE(stub_->Scan(request, &response).ok());
  ASSERT_EQ(response.entries_size(), 1);
  EXPECT_EQ(response.entries(0).key(), "user:3");
  EXPECT_FALSE(response.more());
}

TEST_F(KvServiceTest, CompareAndSetSwapsOnlyOnTheExpectedValue) {
  CompareAndSetRequest request;
  request.set_key("k");
  request.set_new_value("1");  // expected absent
  CompareAndSetResponse response;
  ASSERT_TRUE(stub_->CompareAndSet(request, &response).ok());
  EXPECT_TRUE(response.swapped());

  ASSERT_TRUE(stub_->CompareAndSet(request, &response).ok());
  EXPECT_FALSE(response.swapped());
  EXPECT_TRUE(response.found());
  EXPECT_EQ(response.current(), "1");

  request.set_expected("1");
  request.set_new_value("2");
  ASSERT_TRUE(stub_->CompareAndSet(request, &response).ok());
  EXPECT_TRUE(response.swapped());
  EXPECT_EQ(get("k"), "2");

  request.set_expected("2");
  request.clear_new_value();  // delete
  ASSERT_TRUE(stub_->CompareAndSet(request, &response).ok());
  EXPECT_TRUE(response.swapped());
  EXPECT_EQ(get("k"), std::nullopt);
}

TEST_F(KvServiceTest, OversizedKeysAndValuesAreInvalidArguments) {
  EXPECT_EQ(put(std::string(kMaxKeySize + 1, 'k'), "v").code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(put("k", std::string(kMaxValueSize + 1, 'v')).code(),
            absl::StatusCode::kInvalidArgument);
  GetRequest request;
  request.set_key(std::string(kMaxKeySize + 1, 'k'));
  GetResponse response;
  EXPECT_EQ(stub_->Get(request, &response).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(put("k", std::string(kMaxValueSize, 'v')).ok()) << "the limit itself is fine";
  EXPECT_EQ(get("k")->size(), kMaxValueSize);
}

TEST_F(KvServiceTest, ManyConcurrentAsyncPutsAreAllAcknowledgedAndReadable) {
  constexpr int kCalls = 2000;
  std::atomic<int> ok{0};
  std::atomic<int> finished{0};
  std::promise<void> allDone;
  for (int i = 0; i < kCalls; ++i) {
    PutRequest request;
    request.set_key(absl::StrCat("key", i));
    request.set_value(absl::StrCat("value", i));
    stub_->AsyncPut(request, [&](absl::Status status, PutResponse*) {
      if (status.ok()) ok.fetch_add(1);
      if (finished.fetch_add(1) + 1 == kCalls) allDone.set_value();
    });
  }
  ASSERT_EQ(allDone.get_future().wait_for(kWait), std::future_status::ready);
  EXPECT_EQ(ok.load(), kCalls);
  for (int i = 0; i < kCalls; i += 97)
    EXPECT_EQ(get(absl::StrCat("key", i)), absl::StrCat("value", i));
  EXPECT_LT(store_->stats().groups, static_cast<uint64_t>(kCalls)) << "puts shared fsyncs";
}

}  // namespace
}  // namespace muduo::kv
