#include "rpc/naming/testing/ExpireSession.h"

#include <zookeeper/zookeeper.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <thread>

#include "rpc/naming/testing/Inbox.h"

namespace muduo::rpc::naming::testing {

bool expireSession(const std::string& connectString, int64_t sessionId,
                   const std::string& password) {
  clientid_t id{};
  id.client_id = sessionId;
  std::memcpy(id.passwd, password.data(), std::min(password.size(), sizeof id.passwd));
  zhandle_t* zh = zookeeper_init(connectString.c_str(), nullptr, 10000, &id, nullptr, 0);
  if (zh == nullptr) return false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (zoo_state(zh) != ZOO_CONNECTED_STATE && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  const bool connected = zoo_state(zh) == ZOO_CONNECTED_STATE;
  zookeeper_close(zh);
  return connected;
}

bool expireAndWait(const std::shared_ptr<ZkSession>& session) {
  Inbox<ZkSession::Event> events;
  const uint64_t listener =
      session->addSessionListener([&events](ZkSession::Event event) { events.put(event); });
  const ZkSession::Credentials credentials = session->credentialsForTesting();
  bool expired = false;
  for (int attempt = 0; attempt < 10 && !expired && credentials.id != 0; ++attempt) {
    (void)expireSession(session->connectString(), credentials.id, credentials.password);
    expired = events.waitFor(
        [](const std::vector<ZkSession::Event>& v) {
          return contains(v, ZkSession::Event::kExpired);
        },
        std::chrono::seconds(3));
  }
  session->removeSessionListener(listener);
  return expired;
}

}  // namespace muduo::rpc::naming::testing
