#include "services/chat/ChatServiceImpl.h"

#include <utility>

#include "muduo/net/EventLoop.h"

namespace muduo::chat {
namespace {

// A member's events go to its Join stream. Kept here, not in a file of its
// own: it is three lines of glue that only this service uses.
class WriterSink final : public EventSink {
 public:
  explicit WriterSink(rpc::ServerWriter<Event> writer) : writer_(std::move(writer)) {}

  bool write(const Event& event) override { return writer_.Write(event); }
  size_t queuedBytes() const override { return writer_.context()->queuedOutputBytes(); }
  bool cancelled() const override { return writer_.context()->isCancelled(); }
  void finish(const absl::Status& status) override { writer_.Finish(status); }

 private:
  rpc::ServerWriter<Event> writer_;
};

}  // namespace

ChatServiceImpl::ChatServiceImpl(net::EventLoop* loop, Options options)
    : loop_(loop), rooms_(std::make_shared<RoomRegistry>(std::move(options.rooms))) {
  // Weak: the timer may fire once more while this object is going away.
  sweepTimer_ =
      loop_->runEvery(options.sweepInterval, [weak = std::weak_ptr<RoomRegistry>(rooms_)] {
        if (auto rooms = weak.lock()) rooms->sweep();
      });
}

ChatServiceImpl::~ChatServiceImpl() { loop_->cancel(sweepTimer_); }

void ChatServiceImpl::Join(rpc::ServerContext*, const JoinRequest* request,
                           rpc::ServerWriter<Event> writer) {
  std::unique_ptr<EventSink> sink = std::make_unique<WriterSink>(writer);
  const absl::Status status = rooms_->join(request->room(), request->name(), &sink);
  if (!status.ok()) writer.Finish(status);
}

void ChatServiceImpl::Post(rpc::ServerContext*, const PostRequest* request, PostResponse* response,
                           rpc::DoneCallback done) {
  auto result = rooms_->post(request->room(), request->name(), request->text());
  if (result.ok()) *response = std::move(*result);
  std::move(done)(result.status());
}

void ChatServiceImpl::ListRooms(rpc::ServerContext*, const ListRoomsRequest*,
                                ListRoomsResponse* response, rpc::DoneCallback done) {
  for (const auto& [name, members] : rooms_->rooms()) {
    RoomInfo* room = response->add_rooms();
    room->set_name(name);
    room->set_members(static_cast<int32_t>(members));
  }
  std::move(done)(absl::OkStatus());
}

void ChatServiceImpl::ListMembers(rpc::ServerContext*, const ListMembersRequest* request,
                                  ListMembersResponse* response, rpc::DoneCallback done) {
  auto names = rooms_->members(request->room());
  if (names.ok()) {
    for (auto& name : *names) response->add_names(std::move(name));
  }
  std::move(done)(names.status());
}

void ChatServiceImpl::closeAll(const absl::Status& status) { rooms_->closeAll(status); }

}  // namespace muduo::chat
