#include "services/kv/ClientCommand.h"

#include "absl/strings/numbers.h"

namespace muduo::kv {
namespace {

constexpr int kOk = 0;
constexpr int kNo = 1;
constexpr int kError = 2;

int usage(std::ostream& err, const std::string& message) {
  err << "kv_client: " << message << "\n"
      << "usage: kv_client [--server=host:port] put K V | get K | del K | scan PREFIX | "
         "cas K OLD NEW | expire K MS | ttl K\n";
  return kError;
}

int failed(std::ostream& err, const absl::Status& status) {
  err << "kv_client: " << status.ToString() << "\n";
  return kError;
}

class StubCalls final : public KvCalls {
 public:
  explicit StubCalls(KvService::Stub& stub) : stub_(stub) {}
  absl::Status Get(const GetRequest& request, GetResponse* response) override {
    return stub_.Get(request, response);
  }
  absl::Status Put(const PutRequest& request, PutResponse* response) override {
    return stub_.Put(request, response);
  }
  absl::Status Delete(const DeleteRequest& request, DeleteResponse* response) override {
    return stub_.Delete(request, response);
  }
  absl::Status Scan(const ScanRequest& request, ScanResponse* response) override {
    return stub_.Scan(request, response);
  }
  absl::Status CompareAndSet(const CompareAndSetRequest& request,
                             CompareAndSetResponse* response) override {
    return stub_.CompareAndSet(request, response);
  }
  absl::Status Expire(const ExpireRequest& request, ExpireResponse* response) override {
    return stub_.Expire(request, response);
  }

 private:
  KvService::Stub& stub_;
};

}  // namespace

int runCommand(KvService::Stub& stub, const std::vector<std::string>& args,
               const CommandOptions& options, std::ostream& out, std::ostream& err) {
  StubCalls calls(stub);
  return runCommand(calls, args, options, out, err);
}

int runCommand(KvCalls& stub, const std::vector<std::string>& args, const CommandOptions& options,
               std::ostream& out, std::ostream& err) {
  if (args.empty()) return usage(err, "no command");
  const std::string& command = args[0];

  if (command == "put") {
    if (args.size() != 3) return usage(err, "put takes a key and a value");
    PutRequest request;
    request.set_key(args[1]);
    request.set_value(args[2]);
    request.set_ttl_ms(options.ttlMs);
    PutResponse response;
    if (absl::Status s = stub.Put(request, &response); !s.ok()) return failed(err, s);
    out << "OK\n";
    return kOk;
  }

  if (command == "get" || command == "ttl") {
    if (args.size() != 2) return usage(err, command + " takes a key");
    GetRequest request;
    request.set_key(args[1]);
    GetResponse response;
    if (absl::Status s = stub.Get(request, &response); !s.ok()) return failed(err, s);
    if (!response.found()) {
      err << "(not found)\n";
      return kNo;
    }
    if (command == "get") {
      out << response.value() << "\n";
    } else if (response.ttl_ms() < 0) {
      out << "never\n";
    } else {
      out << response.ttl_ms() << " ms\n";
    }
    return kOk;
  }

  if (command == "expire") {
    uint64_t ms = 0;
    if (args.size() != 3 || !absl::SimpleAtoi(args[2], &ms)) {
      return usage(err, "expire takes a key and milliseconds (0: never expire)");
    }
    ExpireRequest request;
    request.set_key(args[1]);
    request.set_ttl_ms(ms);
    ExpireResponse response;
    if (absl::Status s = stub.Expire(request, &response); !s.ok()) return failed(err, s);
    if (!response.found()) {
      err << "(not found)\n";
      return kNo;
    }
    out << "OK\n";
    return kOk;
  }

  if (command == "del") {
    if (args.size() != 2) return usage(err, "del takes a key");
    DeleteRequest request;
    request.set_key(args[1]);
    DeleteResponse response;
    if (absl::Status s = stub.Delete(request, &response); !s.ok()) return failed(err, s);
    out << (response.existed() ? "deleted" : "not found") << "\n";
    return kOk;
  }

  if (command == "scan") {
    if (args.size() > 2) return usage(err, "scan takes at most a prefix");
    ScanRequest request;
    if (args.size() == 2) request.set_prefix(args[1]);
    size_t printed = 0;
    while (true) {
      if (options.scanLimit > 0) {
        request.set_limit(
            static_cast<uint32_t>(std::min<size_t>(options.scanLimit - printed, 10000)));
      }
      ScanResponse response;
      if (absl::Status s = stub.Scan(request, &response); !s.ok()) return failed(err, s);
      for (const KeyValue& entry : response.entries()) {
        out << entry.key() << "\t" << entry.value() << "\n";
      }
      printed += static_cast<size_t>(response.entries_size());
      if (!response.more() || response.entries_size() == 0 ||
          (options.scanLimit > 0 && printed >= options.scanLimit)) {
        break;
      }
      request.set_start(response.entries(response.entries_size() - 1).key() + std::string(1, '\0'));
    }
    return kOk;
  }

  if (command == "cas") {
    const size_t want = 2 + (options.expectAbsent ? 0 : 1) + (options.remove ? 0 : 1);
    if (args.size() != want) {
      return usage(err,
                   "cas takes a key, the expected value (unless --cas_absent) and the new "
                   "value (unless --cas_delete)");
    }
    CompareAndSetRequest request;
    request.set_key(args[1]);
    size_t next = 2;
    if (!options.expectAbsent) request.set_expected(args[next++]);
    if (!options.remove) request.set_new_value(args[next++]);
    CompareAndSetResponse response;
    if (absl::Status s = stub.CompareAndSet(request, &response); !s.ok()) return failed(err, s);
    if (response.swapped()) {
      out << "swapped\n";
      return kOk;
    }
    if (response.found()) {
      out << "not swapped: the value is " << response.current() << "\n";
    } else {
      out << "not swapped: the key does not exist\n";
    }
    return kNo;
  }

  return usage(err, "unknown command '" + command + "'");
}

}  // namespace muduo::kv
