// What protoc-gen-mrpc generates for testdata/test.proto, checked through the
// C++ it compiles to: names, types and signatures at compile time, and the
// server methods' default and overridden behaviour by calling them directly.
// Nothing here opens a connection; that is GeneratedCode_test.
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "rpc/compiler/testdata/test.rpc.h"

namespace muduo::rpc::test {
namespace {

using ::muduo::rpc::testcommon::Point;

// The names the generator promises.
static_assert(TestService::kServiceName == "muduo.rpc.test.TestService");
static_assert(EmptyService::kServiceName == "muduo.rpc.test.EmptyService");
static_assert(std::is_final_v<TestService>);
static_assert(!std::is_default_constructible_v<TestService>);
static_assert(std::is_base_of_v<::muduo::rpc::Service, TestService::Service>);
static_assert(std::is_base_of_v<::muduo::rpc::Service, EmptyService::Service>);
// Every method has a default, so the base classes are concrete.
static_assert(!std::is_abstract_v<TestService::Service>);
static_assert(!std::is_abstract_v<EmptyService::Service>);

// Server signatures, including types from another package (Point), the
// well-known types (Empty) and nested messages (CountRequest_Range).
static_assert(std::is_same_v<decltype(&TestService::Service::Echo),
                             void (TestService::Service::*)(ServerContext*, const EchoRequest*,
                                                            EchoResponse*, DoneCallback)>);
static_assert(
    std::is_same_v<decltype(&TestService::Service::Mark),
                   void (TestService::Service::*)(ServerContext*, const Point*,
                                                  google::protobuf::Empty*, DoneCallback)>);
static_assert(std::is_same_v<decltype(&TestService::Service::Count),
                             void (TestService::Service::*)(
                                 ServerContext*, const CountRequest_Range*, ServerWriter<Point>)>);

// Client signatures.
static_assert(std::is_constructible_v<TestService::Stub, RpcChannel*>);
static_assert(!std::is_convertible_v<RpcChannel*, TestService::Stub>);  // explicit
static_assert(std::is_same_v<decltype(&TestService::Stub::Echo),
                             absl::Status (TestService::Stub::*)(const EchoRequest&, EchoResponse*,
                                                                 const CallOptions&)>);
static_assert(
    std::is_same_v<decltype(&TestService::Stub::AsyncEcho),
                   void (TestService::Stub::*)(
                       const EchoRequest&, absl::AnyInvocable<void(absl::Status, EchoResponse*) &&>,
                       const CallOptions&)>);
static_assert(std::is_same_v<decltype(&TestService::Stub::Mark),
                             absl::Status (TestService::Stub::*)(
                                 const Point&, google::protobuf::Empty*, const CallOptions&)>);
static_assert(std::is_same_v<decltype(&TestService::Stub::Count),
                             ClientStream (TestService::Stub::*)(
                                 const CountRequest_Range&, absl::AnyInvocable<void(const Point&)>,
                                 absl::AnyInvocable<void(absl::Status) &&>, const CallOptions&)>);

// Overrides every method, as a user's service would.
class TestServiceImpl final : public TestService::Service {
 public:
  void Echo(ServerContext* context, const EchoRequest* request, EchoResponse* response,
            DoneCallback done) override {
    response->set_text(request->text());
    std::move(done)(absl::OkStatus());
  }
  void Mark(ServerContext* context, const Point* request, google::protobuf::Empty* response,
            DoneCallback done) override {
    std::move(done)(request->x() < 0 ? absl::OutOfRangeError("negative x") : absl::OkStatus());
  }
  void Count(ServerContext* context, const CountRequest_Range* request,
             ServerWriter<Point> writer) override {
    writer.Finish(absl::OkStatus());
  }
};

// Records the status a DoneCallback receives.
class DoneRecorder {
 public:
  DoneCallback callback() {
    return [this](absl::Status status) { status_ = std::move(status); };
  }
  [[nodiscard]] const std::optional<absl::Status>& status() const { return status_; }

 private:
  std::optional<absl::Status> status_;
};

TEST(RpcGeneratorTest, ServiceNameIsTheProtoFullName) {
  TestServiceImpl impl;
  EmptyService::Service empty;
  EXPECT_EQ(impl.serviceName(), "muduo.rpc.test.TestService");
  EXPECT_EQ(empty.serviceName(), "muduo.rpc.test.EmptyService");
  // Through the runtime's interface, as RpcServer sees it.
  const ::muduo::rpc::Service& base = impl;
  EXPECT_EQ(base.serviceName(), TestService::kServiceName);
}

TEST(RpcGeneratorTest, OverriddenUnaryMethodAnswersThroughDone) {
  TestServiceImpl impl;
  EchoRequest request;
  request.set_text("hello");
  EchoResponse response;
  DoneRecorder done;
  impl.Echo(nullptr, &request, &response, done.callback());
  ASSERT_TRUE(done.status().has_value());
  EXPECT_TRUE(done.status()->ok()) << *done.status();
  EXPECT_EQ(response.text(), "hello");

  Point point;
  point.set_x(-1);
  google::protobuf::Empty empty;
  DoneRecorder marked;
  impl.Mark(nullptr, &point, &empty, marked.callback());
  ASSERT_TRUE(marked.status().has_value());
  EXPECT_EQ(marked.status()->code(), absl::StatusCode::kOutOfRange);
}

TEST(RpcGeneratorTest, UnaryMethodNotOverriddenAnswersUnimplemented) {
  TestService::Service base;
  EchoRequest request;
  EchoResponse response;
  DoneRecorder done;
  base.Echo(nullptr, &request, &response, done.callback());
  ASSERT_TRUE(done.status().has_value());
  EXPECT_EQ(done.status()->code(), absl::StatusCode::kUnimplemented);
  EXPECT_EQ(done.status()->message(), "muduo.rpc.test.TestService.Echo is not implemented");

  Point point;
  google::protobuf::Empty empty;
  DoneRecorder marked;
  base.Mark(nullptr, &point, &empty, marked.callback());
  ASSERT_TRUE(marked.status().has_value());
  EXPECT_EQ(marked.status()->code(), absl::StatusCode::kUnimplemented);
}

}  // namespace
}  // namespace muduo::rpc::test
