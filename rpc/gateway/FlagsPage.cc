#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/flags/commandlineflag.h"
#include "absl/flags/reflection.h"
#include "absl/strings/str_cat.h"
#include "muduo/net/http/HttpResponse.h"
#include "rpc/gateway/HttpText.h"
#include "rpc/gateway/Pages.h"

namespace muduo::rpc::gateway {

void flagsPage(const ServiceHost& /*host*/, const net::HttpRequest& /*request*/,
               net::HttpResponse* response) {
  std::vector<std::pair<std::string, std::string>> all;
  for (const auto& [name, flag] : absl::GetAllFlags()) {
    all.emplace_back(std::string(name), flag->CurrentValue());
  }
  std::sort(all.begin(), all.end());
  std::string body;
  for (const auto& [name, value] : all) absl::StrAppend(&body, "--", name, "=", value, "\n");
  textResponse(response, 200, std::move(body));
}

}  // namespace muduo::rpc::gateway
