#include "rpc/compiler/RpcGenerator.h"

#include <memory>
#include <set>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "google/protobuf/compiler/cpp/names.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/io/printer.h"
#include "google/protobuf/io/zero_copy_stream.h"

namespace muduo::rpc {
namespace {

namespace pb = google::protobuf;

// clang-format's limit for this repository; generated code stays within it
// where names allow, so that formatting it changes little.
constexpr size_t kColumns = 100;

// Builds the text of one generated file: lines at an indentation level, and
// calls or declarations wrapped the way clang-format would.
class CodeWriter {
 public:
  void indent() { indent_ += 2; }
  void outdent() { indent_ -= 2; }

  // One or more '\n'-separated lines; blank lines stay empty.
  void print(absl::string_view text) {
    for (absl::string_view line : absl::StrSplit(text, '\n')) {
      if (!line.empty()) absl::StrAppend(&out_, std::string(indent_, ' '), line);
      out_.push_back('\n');
    }
  }

  // Prints `head(arg, arg, ...)tail`. Too long for one line, the arguments
  // are packed onto lines aligned after the '('; when even that cannot fit
  // an argument, they start on the next line, indented four more.
  void printCall(absl::string_view head, const std::vector<std::string>& args,
                 absl::string_view tail) {
    const std::string joined = absl::StrJoin(args, ", ");
    if (indent_ + head.size() + 1 + joined.size() + 1 + tail.size() <= kColumns) {
      print(absl::StrCat(head, "(", joined, ")", tail));
      return;
    }
    size_t column = indent_ + head.size() + 1;
    std::string line = absl::StrCat(head, "(");
    bool fits = true;
    for (size_t i = 0; i < args.size(); ++i) {
      const size_t suffix = i + 1 == args.size() ? 1 + tail.size() : 1;
      if (column + args[i].size() + suffix > kColumns) fits = false;
    }
    if (!fits) {
      print(line);
      line.clear();
      column = indent_ + 4;
    }
    const std::string pad(column - indent_, ' ');
    size_t width = indent_ + line.size();
    bool first = true;
    for (size_t i = 0; i < args.size(); ++i) {
      const bool last = i + 1 == args.size();
      const size_t need = (first ? 0 : 1) + args[i].size() + (last ? 1 + tail.size() : 1);
      if (!first && width + need > kColumns) {
        print(line);
        line = pad;
        width = column;
        first = true;
      }
      if (first && line.empty()) {
        line = pad;
        width = column;
      }
      const std::string piece = absl::StrCat(first ? "" : " ", args[i], last ? "" : ",");
      line += piece;
      width += piece.size();
      first = false;
    }
    absl::StrAppend(&line, ")", tail);
    print(line);
  }

  // Prints `lhs = rhs;`, breaking after the '=' when it does not fit.
  void printAssignment(absl::string_view lhs, absl::string_view rhs) {
    if (indent_ + lhs.size() + 3 + rhs.size() + 1 <= kColumns) {
      print(absl::StrCat(lhs, " = ", rhs, ";"));
      return;
    }
    print(absl::StrCat(lhs, " ="));
    print(absl::StrCat("    ", rhs, ";"));
  }

  void blank() { out_.push_back('\n'); }
  [[nodiscard]] const std::string& text() const { return out_; }

 private:
  std::string out_;
  size_t indent_ = 0;
};

// Keywords of C++20: a service or method named like one cannot be spelled.
const std::set<absl::string_view>& cppKeywords() {
  static const auto* const keywords = new std::set<absl::string_view>{
      "alignas",       "alignof",     "and",
      "and_eq",        "asm",         "auto",
      "bitand",        "bitor",       "bool",
      "break",         "case",        "catch",
      "char",          "char8_t",     "char16_t",
      "char32_t",      "class",       "compl",
      "concept",       "const",       "consteval",
      "constexpr",     "constinit",   "const_cast",
      "continue",      "co_await",    "co_return",
      "co_yield",      "decltype",    "default",
      "delete",        "do",          "double",
      "dynamic_cast",  "else",        "enum",
      "explicit",      "export",      "extern",
      "false",         "float",       "for",
      "friend",        "goto",        "if",
      "inline",        "int",         "long",
      "mutable",       "namespace",   "new",
      "noexcept",      "not",         "not_eq",
      "nullptr",       "operator",    "or",
      "or_eq",         "private",     "protected",
      "public",        "register",    "reinterpret_cast",
      "requires",      "return",      "short",
      "signed",        "sizeof",      "static",
      "static_assert", "static_cast", "struct",
      "switch",        "template",    "this",
      "thread_local",  "throw",       "true",
      "try",           "typedef",     "typeid",
      "typename",      "union",       "unsigned",
      "using",         "virtual",     "void",
      "volatile",      "wchar_t",     "while",
      "xor",           "xor_eq",
  };
  return *keywords;
}

std::string stripProto(const std::string& fileName) {
  return std::string(absl::StripSuffix(fileName, ".proto"));
}

std::string includeGuard(const pb::FileDescriptor* file) {
  std::string guard = absl::StrCat(stripProto(file->name()), "_rpc_h_");
  for (char& c : guard) {
    c = absl::ascii_isalnum(c) ? absl::ascii_toupper(c) : '_';
  }
  return guard;
}

// The C++ type of a message, from the global namespace, exactly as
// protoc's C++ generator names it (nested messages, keywords).
std::string cppType(const pb::Descriptor* message) {
  return pb::compiler::cpp::QualifiedClassName(message);
}

// A descriptor's leading comment from the .proto, as `//` lines.
template <typename Descriptor>
std::string comment(const Descriptor* descriptor) {
  pb::SourceLocation location;
  if (!descriptor->GetSourceLocation(&location) || location.leading_comments.empty()) return "";
  std::string text;
  absl::string_view comments = absl::StripSuffix(location.leading_comments, "\n");
  for (absl::string_view line : absl::StrSplit(comments, '\n')) {
    absl::StrAppend(&text, "//", absl::StripTrailingAsciiWhitespace(line), "\n");
  }
  text.pop_back();
  return text;
}

void printComment(CodeWriter* out, const std::string& text) {
  if (!text.empty()) out->print(text);
}

// The checks that make the generated C++ well-formed; false with *error set
// when the .proto asks for something mrpc cannot generate. protoc prefixes
// the message with the file's name.
bool validate(const pb::FileDescriptor* file, const std::string& parameter, std::string* error) {
  if (!parameter.empty()) {
    *error = absl::StrCat("protoc-gen-mrpc takes no parameters, got \"", parameter, "\"");
    return false;
  }
  if (file->service_count() > 0 && file->options().cc_generic_services()) {
    *error =
        "option cc_generic_services makes protoc's C++ generator emit a class for each service, "
        "clashing with mrpc's; remove the option";
    return false;
  }
  // Names the generated classes already use for their own members.
  static const auto* const kMemberNames = new std::set<absl::string_view>{
      "Service", "Stub", "kServiceName", "serviceName", "callMethod", "channel_"};
  for (int i = 0; i < file->service_count(); ++i) {
    const pb::ServiceDescriptor* service = file->service(i);
    const std::string& serviceName = service->name();
    if (serviceName == "Service" || serviceName == "Stub" || cppKeywords().count(serviceName) > 0) {
      *error = absl::StrCat("service ", service->full_name(), ": mrpc cannot name a C++ class \"",
                            serviceName, "\"; rename the service");
      return false;
    }
    std::set<std::string> methodNames;
    for (int j = 0; j < service->method_count(); ++j) {
      methodNames.insert(service->method(j)->name());
    }
    for (int j = 0; j < service->method_count(); ++j) {
      const pb::MethodDescriptor* method = service->method(j);
      const std::string& name = method->name();
      if (method->client_streaming()) {
        *error = absl::StrCat(method->full_name(), " is ",
                              method->server_streaming() ? "bidirectional" : "client",
                              "-streaming; mrpc supports unary and server-streaming methods only");
        return false;
      }
      if (cppKeywords().count(name) > 0) {
        *error = absl::StrCat(method->full_name(), ": \"", name,
                              "\" is a C++ keyword; rename the method");
        return false;
      }
      if (kMemberNames->count(name) > 0) {
        *error = absl::StrCat(method->full_name(), ": the generated classes already use \"", name,
                              "\"; rename the method");
        return false;
      }
      const std::string async = absl::StrCat("Async", name);
      if (!method->server_streaming() && methodNames.count(async) > 0) {
        *error =
            absl::StrCat(method->full_name(), ": its stub's ", async, "() clashes with method ",
                         service->full_name(), ".", async, "; rename one of them");
        return false;
      }
    }
  }
  return true;
}

// Names shared by the header and the source of one method.
struct MethodNames {
  std::string name;          // Echo
  std::string fullName;      // pkg.Service.Echo
  std::string request;       // ::pkg::EchoRequest
  std::string requestName;   // pkg.EchoRequest
  std::string response;      // ::pkg::EchoResponse
  std::string responseName;  // pkg.EchoResponse
  bool streaming;            // returns (stream EchoResponse)
};

MethodNames namesOf(const pb::MethodDescriptor* method) {
  return MethodNames{
      .name = method->name(),
      .fullName = method->full_name(),
      .request = cppType(method->input_type()),
      .requestName = method->input_type()->full_name(),
      .response = cppType(method->output_type()),
      .responseName = method->output_type()->full_name(),
      .streaming = method->server_streaming(),
  };
}

// Parameter lists, as written in declarations; `named` false leaves the
// names of parameters a default body does not use in comments.
std::vector<std::string> serverParams(const MethodNames& m, bool named) {
  auto param = [named](absl::string_view type, absl::string_view name) {
    return named ? absl::StrCat(type, " ", name) : absl::StrCat(type, " /*", name, "*/");
  };
  std::vector<std::string> params = {
      param("::muduo::rpc::ServerContext*", "context"),
      param(absl::StrCat("const ", m.request, "*"), "request"),
  };
  if (m.streaming) {
    params.push_back(absl::StrCat("::muduo::rpc::ServerWriter<", m.response, "> writer"));
  } else {
    params.push_back(param(absl::StrCat(m.response, "*"), "response"));
    params.push_back("::muduo::rpc::DoneCallback done");
  }
  return params;
}

std::string onMessageType(const MethodNames& m) {
  return absl::StrCat("::absl::AnyInvocable<void(const ", m.response, "&)>");
}

std::string asyncDoneType(const MethodNames& m) {
  return absl::StrCat("::absl::AnyInvocable<void(::absl::Status, ", m.response, "*) &&>");
}

std::vector<std::string> blockingParams(const MethodNames& m, absl::string_view defaultOptions) {
  return {absl::StrCat("const ", m.request, "& request"), absl::StrCat(m.response, "* response"),
          absl::StrCat("const ::muduo::rpc::CallOptions& options", defaultOptions)};
}

std::vector<std::string> asyncParams(const MethodNames& m, absl::string_view defaultOptions) {
  return {absl::StrCat("const ", m.request, "& request"), absl::StrCat(asyncDoneType(m), " done"),
          absl::StrCat("const ::muduo::rpc::CallOptions& options", defaultOptions)};
}

std::vector<std::string> streamParams(const MethodNames& m, absl::string_view defaultOptions) {
  return {absl::StrCat("const ", m.request, "& request"),
          absl::StrCat(onMessageType(m), " onMessage"),
          "::absl::AnyInvocable<void(::absl::Status) &&> onFinish",
          absl::StrCat("const ::muduo::rpc::CallOptions& options", defaultOptions)};
}

std::string banner(const pb::FileDescriptor* file) {
  return absl::StrCat("// Generated by protoc-gen-mrpc from ", file->name(), ". Do not edit.");
}

void openNamespace(CodeWriter* out, const pb::FileDescriptor* file) {
  if (file->package().empty()) return;
  out->print(absl::StrCat("namespace ", absl::StrReplaceAll(file->package(), {{".", "::"}}), " {"));
  out->blank();
}

void closeNamespace(CodeWriter* out, const pb::FileDescriptor* file) {
  if (file->package().empty()) return;
  out->print(absl::StrCat("}  // namespace ", absl::StrReplaceAll(file->package(), {{".", "::"}})));
}

void printServiceDeclaration(CodeWriter* out, const pb::ServiceDescriptor* service) {
  const std::string& name = service->name();
  printComment(out, comment(service));
  out->print(absl::StrCat("class ", name, " final {\n public:"));
  out->indent();
  out->print(absl::StrCat("static constexpr std::string_view kServiceName = \"",
                          service->full_name(), "\";"));
  out->blank();
  out->print(
      "// The server side: derive from it, override the methods and add the object to an\n"
      "// RpcServer. Methods may run concurrently, in I/O threads or on the server's worker\n"
      "// pool. A unary method calls `done` exactly once, from any thread, now or later;\n"
      "// *request and *response live until then. A streaming method may keep `writer` and\n"
      "// use it from any thread; *request lives until the method returns. Methods not\n"
      "// overridden answer UNIMPLEMENTED.");
  out->print("class Service : public ::muduo::rpc::Service {\n public:");
  out->indent();
  out->print(
      "[[nodiscard]] std::string_view serviceName() const override { return kServiceName; }");
  out->printCall(
      "bool callMethod",
      {"std::string_view method", "const std::shared_ptr<::muduo::rpc::ServerCall>& call"},
      " override;");
  for (int i = 0; i < service->method_count(); ++i) {
    const pb::MethodDescriptor* method = service->method(i);
    const MethodNames m = namesOf(method);
    out->blank();
    printComment(out, comment(method));
    out->printCall(absl::StrCat("virtual void ", m.name), serverParams(m, true), ";");
  }
  out->outdent();
  out->print("};");
  out->blank();

  out->print(
      "// The client side, over a channel it does not own and that must outlive it. Any\n"
      "// thread may call; callbacks run in the channel's loop thread. An async call's\n"
      "// response is valid only during `done`, and is empty unless the status is OK.\n"
      "// A stream whose message does not parse delivers no more and finishes INTERNAL.");
  out->print("class Stub {\n public:");
  out->indent();
  out->print(
      "// `channel` is an RpcChannel (one server) or a cluster::ClusterChannel (many).\n"
      "explicit Stub(::muduo::rpc::Channel* channel) : channel_(channel) {}");
  for (int i = 0; i < service->method_count(); ++i) {
    const pb::MethodDescriptor* method = service->method(i);
    const MethodNames m = namesOf(method);
    out->blank();
    printComment(out, comment(method));
    if (m.streaming) {
      out->printCall(absl::StrCat("::muduo::rpc::ClientStream ", m.name), streamParams(m, " = {}"),
                     ";");
    } else {
      out->printCall(absl::StrCat("[[nodiscard]] ::absl::Status ", m.name),
                     blockingParams(m, " = {}"), ";");
      out->printCall(absl::StrCat("void Async", m.name), asyncParams(m, " = {}"), ";");
    }
  }
  out->blank();
  out->outdent();
  out->print(" private:");
  out->indent();
  // With no methods the stub never reads its channel; clang would say so.
  out->print(absl::StrCat(service->method_count() == 0 ? "[[maybe_unused]] " : "",
                          "::muduo::rpc::Channel* channel_;"));
  out->outdent();
  out->print("};");
  out->blank();
  out->print(absl::StrCat(name, "() = delete;"));
  out->outdent();
  out->print("};");
}

void printHeader(CodeWriter* out, const pb::FileDescriptor* file) {
  const std::string guard = includeGuard(file);
  out->print(banner(file));
  out->print(absl::StrCat("#ifndef ", guard, "\n#define ", guard));
  out->blank();
  out->print(
      "#include <memory>\n"
      "#include <string_view>\n"
      "\n"
      "#include \"absl/functional/any_invocable.h\"\n"
      "#include \"absl/status/status.h\"\n"
      "#include \"rpc/CallOptions.h\"\n"
      "#include \"rpc/Channel.h\"\n"
      "#include \"rpc/ClientStream.h\"\n"
      "#include \"rpc/RpcChannel.h\"\n"
      "#include \"rpc/ServerCall.h\"\n"
      "#include \"rpc/Service.h\"");
  out->print(absl::StrCat("#include \"", stripProto(file->name()), ".pb.h\""));
  out->blank();
  openNamespace(out, file);
  for (int i = 0; i < file->service_count(); ++i) {
    printServiceDeclaration(out, file->service(i));
    out->blank();
  }
  closeNamespace(out, file);
  out->blank();
  out->print(absl::StrCat("#endif  // ", guard));
}

// The branch of callMethod that serves one unary method.
void printUnaryDispatch(CodeWriter* out, const MethodNames& m) {
  out->print(absl::StrCat(
      "// Request and response in one allocation, alive until `done` runs.\n"
      "struct State {\n"
      "  ",
      m.request, " request;\n  ", m.response,
      " response;\n"
      "};\n"
      "auto state = std::make_shared<State>();\n"
      "const std::string_view payload = call->requestPayload();\n"
      "if (!state->request.ParseFromArray(payload.data(), static_cast<int>(payload.size()))) {"));
  out->indent();
  out->printCall("call->finish",
                 {absl::StrCat("::absl::InvalidArgumentError(\"request does not parse as ",
                               m.requestName, "\")"),
                  "nullptr"},
                 ";");
  out->print("return true;");
  out->outdent();
  out->print(
      "}\n"
      "::muduo::rpc::DoneCallback done = [call, state](::absl::Status status) {\n"
      "  call->finish(status, &state->response);\n"
      "};");
  out->printCall(absl::StrCat("this->", m.name),
                 {"call.get()", "&state->request", "&state->response", "std::move(done)"}, ";");
  out->print("return true;");
}

// The branch of callMethod that serves one server-streaming method.
void printStreamDispatch(CodeWriter* out, const MethodNames& m) {
  out->print(absl::StrCat(m.request,
                          " request;\n"
                          "const std::string_view payload = call->requestPayload();\n"
                          "if (!request.ParseFromArray(payload.data(), "
                          "static_cast<int>(payload.size()))) {"));
  out->indent();
  out->printCall("call->finishStream(::absl::InvalidArgumentError",
                 {absl::StrCat("\"request does not parse as ", m.requestName, "\"")}, ");");
  out->print("return true;");
  out->outdent();
  out->print("}");
  out->printCall(absl::StrCat("this->", m.name),
                 {"call.get()", "&request",
                  absl::StrCat("::muduo::rpc::ServerWriter<", m.response, ">(call)")},
                 ";");
  out->print("return true;");
}

// Stub::M and Stub::AsyncM. The handlers are written inline as arguments,
// a layout clang-format leaves as it is.
void printStubUnary(CodeWriter* out, const std::string& service, const MethodNames& m) {
  out->printCall(absl::StrCat("::absl::Status ", service, "::Stub::", m.name),
                 blockingParams(m, ""), " {");
  out->indent();
  out->printCall(
      "return channel_->blockingCall",
      {"kServiceName", absl::StrCat("\"", m.name, "\""), "request", "response", "options"}, ";");
  out->outdent();
  out->print("}");
  out->blank();
  out->printCall(absl::StrCat("void ", service, "::Stub::Async", m.name), asyncParams(m, ""), " {");
  out->indent();
  out->print(absl::StrCat(
      "channel_->startCall(\n"
      "    kServiceName, \"",
      m.name,
      "\", request,\n"
      "    [done = std::move(done)](::absl::Status status, std::string_view payload) mutable {\n"
      "      ",
      m.response,
      " response;\n"
      "      if (status.ok() &&\n"
      "          !response.ParseFromArray(payload.data(), static_cast<int>(payload.size()))) {"));
  out->indent();
  out->indent();
  out->indent();
  out->indent();
  out->printAssignment("status", absl::StrCat("::absl::InternalError(\"response does not parse as ",
                                              m.responseName, "\")"));
  out->outdent();
  out->outdent();
  out->outdent();
  out->outdent();
  out->print(
      "      }\n"
      "      std::move(done)(std::move(status), &response);\n"
      "    },\n"
      "    options);");
  out->outdent();
  out->print("}");
}

// Stub::M for a server-streaming method.
void printStubStream(CodeWriter* out, const std::string& service, const MethodNames& m) {
  out->printCall(absl::StrCat("::muduo::rpc::ClientStream ", service, "::Stub::", m.name),
                 streamParams(m, ""), " {");
  out->indent();
  out->print(absl::StrCat(
      "// Shared by both handlers. A message that does not parse ends delivery and\n"
      "// becomes the final status.\n"
      "struct State {\n"
      "  ",
      onMessageType(m),
      " onMessage;\n"
      "  ::absl::Status parseError;\n"
      "};\n"
      "auto state = std::make_shared<State>();\n"
      "state->onMessage = std::move(onMessage);\n"
      "const auto id = channel_->startStream(\n"
      "    kServiceName, \"",
      m.name,
      "\", request,\n"
      "    [state](std::string_view payload) {\n"
      "      // Holds the state even if onMessage cancels the stream, destroying this lambda.\n"
      "      const std::shared_ptr<State> self = state;\n"
      "      if (!self->parseError.ok()) return;\n"
      "      ",
      m.response,
      " message;\n"
      "      if (!message.ParseFromArray(payload.data(), static_cast<int>(payload.size()))) {"));
  out->indent();
  out->indent();
  out->indent();
  out->indent();
  out->printAssignment("self->parseError",
                       absl::StrCat("::absl::InternalError(\"stream message does not parse as ",
                                    m.responseName, "\")"));
  out->outdent();
  out->outdent();
  out->outdent();
  out->outdent();
  out->print(
      "        return;\n"
      "      }\n"
      "      self->onMessage(message);\n"
      "    },\n"
      "    [state, onFinish = std::move(onFinish)](::absl::Status status,\n"
      "                                            std::string_view /*payload*/) mutable {\n"
      "      if (!state->parseError.ok()) status = state->parseError;\n"
      "      std::move(onFinish)(std::move(status));\n"
      "    },\n"
      "    options);\n"
      "return ::muduo::rpc::ClientStream(channel_, id);");
  out->outdent();
  out->print("}");
}

void printServiceDefinition(CodeWriter* out, const pb::ServiceDescriptor* service) {
  const std::string& name = service->name();
  const bool empty = service->method_count() == 0;
  out->printCall(absl::StrCat("bool ", name, "::Service::callMethod"),
                 {empty ? "std::string_view /*method*/" : "std::string_view method",
                  absl::StrCat("const std::shared_ptr<::muduo::rpc::ServerCall>& ",
                               empty ? "/*call*/" : "call")},
                 " {");
  out->indent();
  for (int i = 0; i < service->method_count(); ++i) {
    const MethodNames m = namesOf(service->method(i));
    out->print(absl::StrCat("if (method == \"", m.name, "\") {"));
    out->indent();
    if (m.streaming) {
      printStreamDispatch(out, m);
    } else {
      printUnaryDispatch(out, m);
    }
    out->outdent();
    out->print("}");
  }
  out->print("return false;");
  out->outdent();
  out->print("}");

  // Default bodies: UNIMPLEMENTED.
  for (int i = 0; i < service->method_count(); ++i) {
    const MethodNames m = namesOf(service->method(i));
    const std::string unimplemented = absl::StrCat("\"", m.fullName, " is not implemented\"");
    out->blank();
    out->printCall(absl::StrCat("void ", name, "::Service::", m.name), serverParams(m, false),
                   " {");
    out->indent();
    if (m.streaming) {
      out->printCall("writer.Finish(::absl::UnimplementedError", {unimplemented}, ");");
    } else {
      out->printCall("std::move(done)(::absl::UnimplementedError", {unimplemented}, ");");
    }
    out->outdent();
    out->print("}");
  }

  for (int i = 0; i < service->method_count(); ++i) {
    const MethodNames m = namesOf(service->method(i));
    out->blank();
    if (m.streaming) {
      printStubStream(out, name, m);
    } else {
      printStubUnary(out, name, m);
    }
  }
}

void printSource(CodeWriter* out, const pb::FileDescriptor* file) {
  out->print(banner(file));
  out->print(absl::StrCat("#include \"", stripProto(file->name()), ".rpc.h\""));
  out->blank();
  out->print(
      "#include <memory>\n"
      "#include <string_view>\n"
      "#include <utility>");
  out->blank();
  openNamespace(out, file);
  for (int i = 0; i < file->service_count(); ++i) {
    printServiceDefinition(out, file->service(i));
    out->blank();
  }
  closeNamespace(out, file);
}

void writeFile(pb::compiler::GeneratorContext* context, const std::string& name,
               const std::string& text) {
  std::unique_ptr<pb::io::ZeroCopyOutputStream> stream(context->Open(name));
  pb::io::Printer printer(stream.get(), '$');
  printer.PrintRaw(text);
}

}  // namespace

bool RpcGenerator::Generate(const pb::FileDescriptor* file, const std::string& parameter,
                            pb::compiler::GeneratorContext* context, std::string* error) const {
  if (!validate(file, parameter, error)) return false;
  // Every file gets both outputs, services or not, so that build rules can
  // declare them from the file name alone.
  CodeWriter header;
  printHeader(&header, file);
  CodeWriter source;
  printSource(&source, file);
  writeFile(context, stripProto(file->name()) + ".rpc.h", header.text());
  writeFile(context, stripProto(file->name()) + ".rpc.cc", source.text());
  return true;
}

}  // namespace muduo::rpc
