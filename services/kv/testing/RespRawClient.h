// RespRawClient: a blocking loopback socket that speaks RESP by hand, for
// tests that act as clients the server must survive: pipelining, never
// reading, sending half a command. Every read and write gives up after
// kWait, so a test that goes wrong fails instead of hanging.
//
// Thread contract: one thread at a time.
#ifndef SERVICES_KV_TESTING_RESPRAWCLIENT_H_
#define SERVICES_KV_TESTING_RESPRAWCLIENT_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

namespace muduo::kv::resp_test {

inline constexpr std::chrono::seconds kWait{10};

class RespRawClient {
 public:
  // `wait`: how long one read or write may take (more for requests that
  // are slow under sanitizers).
  explicit RespRawClient(uint16_t port, std::chrono::seconds wait = kWait);
  ~RespRawClient();
  RespRawClient(const RespRawClient&) = delete;
  RespRawClient& operator=(const RespRawClient&) = delete;

  [[nodiscard]] bool connected() const { return connected_; }
  // Shrinks the kernel's receive buffer (before the peer sends), so a client
  // that does not read pushes back on the server early.
  void setReceiveBuffer(int bytes);

  // Sends all of `data` (a gtest failure if the socket refuses).
  void send(std::string_view data);
  // Reads exactly `n` bytes, or what came before EOF / the timeout.
  std::string read(size_t n);
  // Reads until EOF, the timeout or `limit` bytes, whichever comes first.
  std::string readAll(size_t limit);
  // Sends `request` and expects exactly `reply` back.
  void roundTrip(std::string_view request, std::string_view reply);
  // True if the server closed the connection (EOF or reset) within kWait.
  bool readsEof();

 private:
  int fd_;
  bool connected_;
};

// A RESP multibulk request.
std::string command(std::initializer_list<std::string_view> args);
// A RESP bulk string.
std::string bulk(std::string_view value);
// Reads one whole reply (nested arrays included).
std::string readReply(RespRawClient& client);
// Sends one command and reads its reply.
std::string ask(RespRawClient& client, std::initializer_list<std::string_view> args);

}  // namespace muduo::kv::resp_test

#endif  // SERVICES_KV_TESTING_RESPRAWCLIENT_H_
