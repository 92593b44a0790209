// ChatServiceImpl: muduo.chat.ChatService over a RoomRegistry.
//
// Each Join stream becomes a room member whose events are written to the
// stream; see ChatRoom for ordering and for how members that do not read are
// bounded and dropped. A member whose stream is cancelled or whose
// connection drops leaves at the room's next event, or at the next sweep: a
// timer on `loop` every Options::sweepInterval, so the others hear of it
// even in a quiet room.
//
// Owns the registry, shared with the sweep timer. Thread contract: the RPC
// methods run concurrently in any I/O thread; closeAll() may be called from
// any thread; construct and destroy while `loop` runs (or before it starts).
// It must outlive the RpcServer it is added to.
#ifndef SERVICES_CHAT_CHATSERVICEIMPL_H_
#define SERVICES_CHAT_CHATSERVICEIMPL_H_

#include <chrono>
#include <memory>

#include "absl/status/status.h"
#include "muduo/net/TimerId.h"
#include "services/chat/RoomRegistry.h"
#include "services/chat/chat.rpc.h"

namespace muduo::net {
class EventLoop;
}  // namespace muduo::net

namespace muduo::chat {

class ChatServiceImpl final : public ChatService::Service {
 public:
  struct Options {
    RoomRegistry::Options rooms;
    std::chrono::milliseconds sweepInterval{250};
  };

  ChatServiceImpl(net::EventLoop* loop, Options options);
  ~ChatServiceImpl() override;
  ChatServiceImpl(const ChatServiceImpl&) = delete;
  ChatServiceImpl& operator=(const ChatServiceImpl&) = delete;

  void Join(rpc::ServerContext* context, const JoinRequest* request,
            rpc::ServerWriter<Event> writer) override;
  void Post(rpc::ServerContext* context, const PostRequest* request, PostResponse* response,
            rpc::DoneCallback done) override;
  void ListRooms(rpc::ServerContext* context, const ListRoomsRequest* request,
                 ListRoomsResponse* response, rpc::DoneCallback done) override;
  void ListMembers(rpc::ServerContext* context, const ListMembersRequest* request,
                   ListMembersResponse* response, rpc::DoneCallback done) override;

  // Ends every member's stream with `status` and refuses later joins, so a
  // graceful shutdown does not wait for streams that never end by
  // themselves. Any thread.
  void closeAll(const absl::Status& status);

  [[nodiscard]] RoomRegistry& rooms() { return *rooms_; }

 private:
  net::EventLoop* const loop_;
  const std::shared_ptr<RoomRegistry> rooms_;
  net::TimerId sweepTimer_;
};

}  // namespace muduo::chat

#endif  // SERVICES_CHAT_CHATSERVICEIMPL_H_
