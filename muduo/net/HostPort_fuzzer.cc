// Fuzzes what a user types on a command line to name an address or limit a
// connection: HostPort::parse (every client's --server) and the flags every
// server shares for ConnectionOptions (connectionOptionsFromFlags), the
// values parsed from text as abseil parses a command line.
//
// Input: the whole of it is a host:port text; its lines, in order, are
// --request_timeout_ms, --min_request_rate, --idle_timeout_ms and
// --output_budget_kib (a missing line keeps the default, -1).
//
// Beyond "no crash":
//  - HostPort accepts only a non-empty host without stray characters and a
//    port of digits within range (0 only when allowed), refuses everything
//    else with a message quoting the input, and parse(toString()) gives the
//    same value back;
//  - a flag value is either refused, naming its flag, or turned into an
//    option that means what it says: a timeout the clock arithmetic can hold
//    in microseconds, an output budget of exactly that many KiB (not one
//    wrapped around 64 bits) with its low-water mark under it.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/flags/marshalling.h"
#include "absl/strings/escaping.h"
#include "muduo/net/ConnectionFlags.h"
#include "muduo/net/ConnectionOptions.h"
#include "muduo/net/HostPort.h"

ABSL_DECLARE_FLAG(int64_t, request_timeout_ms);
ABSL_DECLARE_FLAG(int64_t, min_request_rate);
ABSL_DECLARE_FLAG(int64_t, idle_timeout_ms);
ABSL_DECLARE_FLAG(int64_t, output_budget_kib);

namespace muduo::net {
namespace {

void require(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "HostPort_fuzzer: property violated: %s\n", what);
    std::abort();
  }
}

bool allDigits(std::string_view s) {
  return !s.empty() && s.find_first_not_of("0123456789") == std::string_view::npos;
}

void checkHostPort(std::string_view text, HostPort::ZeroPort zero) {
  const absl::StatusOr<HostPort> parsed = HostPort::parse(text, zero);
  if (!parsed.ok()) {
    require(parsed.status().code() == absl::StatusCode::kInvalidArgument,
            "a bad host:port is an invalid argument");
    const std::string quoted = "\"" + absl::CEscape(std::string(text)) + "\"";
    const std::string_view message(parsed.status().message().data(),
                                   parsed.status().message().size());
    require(message.substr(0, quoted.size()) == quoted, "the error quotes the input");
    return;
  }
  require(!parsed->host().empty(), "the host is not empty");
  require(parsed->port() != 0 || zero == HostPort::ZeroPort::kAllow, "port 0 only if allowed");
  const size_t colon = text.rfind(':');
  require(colon != std::string_view::npos && allDigits(text.substr(colon + 1)),
          "the port is the digits after the last colon");
  require(parsed->ipv6() == (text.front() == '['), "only a bracketed host is IPv6");
  if (!parsed->ipv6()) {
    require(parsed->host().find_first_of(": \t\r\n[]/@\\\"'%") == std::string::npos &&
                parsed->host().find('\0') == std::string::npos,
            "a host name has no separators, spaces or NULs");
  }
  const absl::StatusOr<HostPort> again = HostPort::parse(parsed->toString(), zero);
  require(again.ok() && *again == *parsed, "parse(toString()) round-trips");
}

constexpr int64_t kUsPerMs = 1000;

void checkTimeout(std::chrono::milliseconds t, int64_t flag, std::chrono::milliseconds dflt) {
  require(t.count() >= 0, "a timeout is not negative");
  require(t.count() <= std::numeric_limits<int64_t>::max() / kUsPerMs,
          "a timeout fits the clock's microseconds");
  require(t.count() == (flag >= 0 ? flag : dflt.count()),
          "a timeout is the flag's, or the default");
}

void checkConnectionFlags(std::string_view input) {
  std::vector<int64_t> values;
  size_t start = 0;
  while (values.size() < 4) {
    const size_t end = input.find('\n', start);
    const std::string_view line =
        start > input.size() ? std::string_view() : input.substr(start, end - start);
    int64_t value = -1;
    std::string error;
    // What abseil does with "--flag=text"; text it refuses never reaches us.
    if (start > input.size() || !absl::ParseFlag(std::string(line), &value, &error)) value = -1;
    values.push_back(value);
    start = end == std::string_view::npos ? input.size() + 1 : end + 1;
  }
  absl::SetFlag(&FLAGS_request_timeout_ms, values[0]);
  absl::SetFlag(&FLAGS_min_request_rate, values[1]);
  absl::SetFlag(&FLAGS_idle_timeout_ms, values[2]);
  absl::SetFlag(&FLAGS_output_budget_kib, values[3]);

  const ConnectionOptions defaults;
  const absl::StatusOr<ConnectionOptions> options = connectionOptionsFromFlags(defaults);
  if (!options.ok()) {
    const std::string_view message(options.status().message().data(),
                                   options.status().message().size());
    require(options.status().code() == absl::StatusCode::kInvalidArgument &&
                message.substr(0, 2) == "--" && message.find(" is out of range") != message.npos,
            "a refused flag value is named, with the range it must be in");
    return;
  }
  checkTimeout(options->requestTimeout, values[0], defaults.requestTimeout);
  checkTimeout(options->idleTimeout, values[2], defaults.idleTimeout);
  if (values[3] > 0) {
    require(options->outputHighWaterMark / 1024 == static_cast<uint64_t>(values[3]) &&
                options->outputHighWaterMark % 1024 == 0,
            "the output budget is exactly the flag's KiB");
  }
  require(options->outputLowWaterMark <= options->outputHighWaterMark,
          "the low-water mark is under the budget");
  require(options->outputHighWaterMark > 0, "a connection may hold some output");
}

}  // namespace
}  // namespace muduo::net

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  muduo::net::checkHostPort(text, muduo::net::HostPort::ZeroPort::kRefuse);
  muduo::net::checkHostPort(text, muduo::net::HostPort::ZeroPort::kAllow);
  muduo::net::checkConnectionFlags(text);
  return 0;
}
