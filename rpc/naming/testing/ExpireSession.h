// Expiring a ZooKeeper session from outside, as a long partition would: a
// second connection with the same session id and password, closed, ends
// the session on the server; the first client hears of it when it next
// reaches the server.
//
// Test-only. Any thread but ZkSession's loop.
#ifndef RPC_NAMING_TESTING_EXPIRESESSION_H_
#define RPC_NAMING_TESTING_EXPIRESESSION_H_

#include <cstdint>
#include <memory>
#include <string>

#include "rpc/naming/ZkSession.h"

namespace muduo::rpc::naming::testing {

// One attempt. False if the second connection never came up.
bool expireSession(const std::string& connectString, int64_t sessionId,
                   const std::string& password);

// Expires `session`'s current session and waits until `session` has heard
// kExpired. The two clients race for the session (the first reconnects as
// soon as the second takes it over), and the second's close ends the
// session only if it still holds it then; so this tries again until the
// first client hears of the expiry. False if it never did.
bool expireAndWait(const std::shared_ptr<ZkSession>& session);

}  // namespace muduo::rpc::naming::testing

#endif  // RPC_NAMING_TESTING_EXPIRESESSION_H_
