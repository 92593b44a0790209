// ListResolver and makeResolver's parsing.
#include "rpc/naming/ListResolver.h"

#include <gtest/gtest.h>

#include <vector>

#include "muduo/net/EventLoop.h"
#include "rpc/naming/Naming.h"

namespace muduo::rpc::naming {
namespace {

TEST(ListResolverTest, PushesTheWholeListOnceAfterStartReturns) {
  absl::StatusOr<std::unique_ptr<Resolver>> resolver =
      makeResolver("list://127.0.0.1:9090,[::1]:9091");
  ASSERT_TRUE(resolver.ok()) << resolver.status();
  net::EventLoop loop;
  int calls = 0;
  EndpointList seen;
  (*resolver)->start(&loop, [&](const absl::StatusOr<EndpointList>& endpoints) {
    ++calls;
    ASSERT_TRUE(endpoints.ok());
    seen = *endpoints;
    loop.quit();
  });
  EXPECT_EQ(calls, 0);
  loop.loop();
  EXPECT_EQ(calls, 1);
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].address.toIpPort(), "127.0.0.1:9090");
  EXPECT_EQ(seen[1].address.toIpPort(), "[::1]:9091");
  EXPECT_EQ(seen[0].weight, 1u);
}

TEST(ListResolverTest, StopBeforeTheFirstPushSilencesIt) {
  absl::StatusOr<std::unique_ptr<Resolver>> resolver = makeResolver("list://127.0.0.1:1");
  ASSERT_TRUE(resolver.ok());
  net::EventLoop loop;
  bool called = false;
  (*resolver)->start(&loop, [&](const absl::StatusOr<EndpointList>&) { called = true; });
  (*resolver)->stop();
  loop.queueInLoop([&] { loop.quit(); });
  loop.loop();
  EXPECT_FALSE(called);
}

TEST(ListResolverTest, AnUpdateAfterStartIsPushedBeforeItReturnsAndSupersedesTheFirstList) {
  ListResolver resolver(EndpointList{});
  net::EventLoop loop;
  std::vector<size_t> sizes;
  resolver.start(&loop, [&](const absl::StatusOr<EndpointList>& endpoints) {
    ASSERT_TRUE(endpoints.ok());
    sizes.push_back(endpoints->size());
  });
  // Before the queued first push runs: it is superseded, not delivered late.
  resolver.update(EndpointList{Endpoint{*net::InetAddress::parse("127.0.0.1", 1), 1, {}}});
  EXPECT_EQ(sizes, std::vector<size_t>{1});
  loop.queueInLoop([&] { loop.quit(); });
  loop.loop();
  EXPECT_EQ(sizes, std::vector<size_t>{1});
  resolver.update(EndpointList{});
  EXPECT_EQ(sizes, (std::vector<size_t>{1, 0}));
  resolver.stop();
  resolver.update(EndpointList{});
  EXPECT_EQ(sizes.size(), 2u) << "nothing after stop()";
}

TEST(ListResolverTest, RefusesBadUrlsNamingThem) {
  EXPECT_EQ(makeResolver("list://").status().code(), absl::StatusCode::kInvalidArgument);
  absl::Status name = makeResolver("list://localhost:80").status();
  EXPECT_EQ(name.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(name.message().find("dns://"), std::string_view::npos) << name;
  absl::Status port = makeResolver("list://127.0.0.1:70000").status();
  EXPECT_NE(port.message().find("list://127.0.0.1:70000"), std::string_view::npos) << port;
  absl::Status scheme = makeResolver("etcd://x/y").status();
  EXPECT_NE(scheme.message().find("unknown naming scheme"), std::string_view::npos) << scheme;
}

}  // namespace
}  // namespace muduo::rpc::naming
