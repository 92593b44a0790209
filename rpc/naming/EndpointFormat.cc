#include "rpc/naming/EndpointFormat.h"

#include <charconv>
#include <set>

#include "muduo/net/HostPort.h"

namespace muduo::rpc::naming {
namespace {

constexpr std::string_view kMetaPrefix = "meta.";

bool validMetadataName(std::string_view name) {
  if (name.empty() || name.size() > 128) return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-' || c == '.';
    if (!ok) return false;
  }
  return true;
}

bool validMetadataValue(std::string_view value) {
  if (value.size() > kMaxMetadataValueBytes) return false;
  for (char c : value) {
    if (c == '\n' || c == '\r' || c == '\0') return false;
  }
  return true;
}

absl::Status lineError(size_t line, std::string_view what) {
  return absl::InvalidArgumentError("line " + std::to_string(line) + ": " + std::string(what));
}

}  // namespace

absl::StatusOr<std::string> encodeEndpoint(const Endpoint& endpoint) {
  if (endpoint.weight > kMaxWeight) {
    return absl::InvalidArgumentError("weight " + std::to_string(endpoint.weight) + " over " +
                                      std::to_string(kMaxWeight));
  }
  if (endpoint.address.port() == 0) return absl::InvalidArgumentError("address without a port");
  if (endpoint.metadata.size() > kMaxMetadataEntries) {
    return absl::InvalidArgumentError("more than " + std::to_string(kMaxMetadataEntries) +
                                      " metadata entries");
  }
  std::string data(kEndpointFormatHeader);
  data += "\naddress=" + endpoint.address.toIpPort() + "\n";
  data += "weight=" + std::to_string(endpoint.weight) + "\n";
  for (const auto& [name, value] : endpoint.metadata) {
    if (!validMetadataName(name)) {
      return absl::InvalidArgumentError("metadata name \"" + name +
                                        "\" (want 1-128 of A-Z a-z 0-9 _ - .)");
    }
    if (!validMetadataValue(value)) {
      return absl::InvalidArgumentError("metadata value of \"" + name +
                                        "\" (no newline, CR or NUL; at most 1024 bytes)");
    }
    data += std::string(kMetaPrefix) + name + "=" + value + "\n";
  }
  if (data.size() > kMaxEndpointDataBytes) return absl::InvalidArgumentError("endpoint too large");
  return data;
}

absl::StatusOr<Endpoint> parseEndpoint(std::string_view data) {
  if (data.size() > kMaxEndpointDataBytes) {
    return absl::InvalidArgumentError(std::to_string(data.size()) + " bytes, over the limit of " +
                                      std::to_string(kMaxEndpointDataBytes));
  }
  if (data.empty() || data.back() != '\n') {
    return absl::InvalidArgumentError("empty, or the last line does not end in a newline");
  }
  Endpoint endpoint;
  bool haveAddress = false;
  bool haveWeight = false;
  size_t lineNumber = 0;
  for (size_t start = 0; start < data.size();) {
    const size_t end = data.find('\n', start);
    const std::string_view line = data.substr(start, end - start);
    start = end + 1;
    ++lineNumber;
    if (lineNumber == 1) {
      if (line != kEndpointFormatHeader) {
        return lineError(1, "want \"" + std::string(kEndpointFormatHeader) + "\"");
      }
      continue;
    }
    const size_t eq = line.find('=');
    if (eq == std::string_view::npos) return lineError(lineNumber, "no '='");
    const std::string_view key = line.substr(0, eq);
    const std::string_view value = line.substr(eq + 1);
    if (key == "address") {
      if (haveAddress) return lineError(lineNumber, "a second address");
      absl::StatusOr<net::HostPort> hostPort = net::HostPort::parse(value);
      std::optional<net::InetAddress> address;
      if (hostPort.ok()) address = net::InetAddress::parse(hostPort->host(), hostPort->port());
      if (!address) {
        return lineError(lineNumber, "address wants a numeric ip:port or [ipv6]:port, not \"" +
                                         std::string(value) + "\"");
      }
      endpoint.address = *address;
      haveAddress = true;
    } else if (key == "weight") {
      if (haveWeight) return lineError(lineNumber, "a second weight");
      uint32_t weight = 0;
      const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), weight);
      if (value.empty() || ec != std::errc() || end != value.data() + value.size() ||
          weight > kMaxWeight || (value.size() > 1 && value[0] == '0')) {
        return lineError(lineNumber, "weight wants a decimal 0-" + std::to_string(kMaxWeight) +
                                         ", not \"" + std::string(value) + "\"");
      }
      endpoint.weight = weight;
      haveWeight = true;
    } else if (key.starts_with(kMetaPrefix)) {
      const std::string name(key.substr(kMetaPrefix.size()));
      if (!validMetadataName(name)) return lineError(lineNumber, "bad metadata name");
      if (!validMetadataValue(value)) return lineError(lineNumber, "bad metadata value");
      if (!endpoint.metadata.emplace(name, std::string(value)).second) {
        return lineError(lineNumber, "metadata \"" + name + "\" twice");
      }
      if (endpoint.metadata.size() > kMaxMetadataEntries) {
        return lineError(lineNumber, "too many metadata entries");
      }
    } else {
      return lineError(lineNumber, "unknown key \"" + std::string(key) + "\"");
    }
  }
  if (!haveAddress) return absl::InvalidArgumentError("no address");
  return endpoint;
}

}  // namespace muduo::rpc::naming
