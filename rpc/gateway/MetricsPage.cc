#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "muduo/base/Histogram.h"
#include "muduo/base/Logging.h"
#include "muduo/net/http/HttpResponse.h"
#include "rpc/RpcStats.h"
#include "rpc/ServiceHost.h"
#include "rpc/gateway/HttpText.h"
#include "rpc/gateway/Pages.h"

namespace muduo::rpc::gateway {

void metricsPage(const ServiceHost& host, const net::HttpRequest& /*request*/,
                 net::HttpResponse* response) {
  const std::shared_ptr<RpcStats> stats = host.sharedStats();
  const auto methods = stats->snapshot();
  std::string body = absl::StrCat(
      "# HELP mrpc_uptime_seconds Time since the server started.\n"
      "# TYPE mrpc_uptime_seconds gauge\nmrpc_uptime_seconds ",
      stats->uptime().count(),
      "\n# HELP mrpc_connections Open connections.\n# TYPE mrpc_connections gauge\n"
      "mrpc_connections ",
      stats->connections(),
      "\n# HELP mrpc_log_dropped_lines_total Log lines shed under --log_overflow=drop.\n"
      "# TYPE mrpc_log_dropped_lines_total counter\nmrpc_log_dropped_lines_total ",
      Logger::droppedLines(),
      "\n# HELP mrpc_calls_total Finished calls.\n# TYPE mrpc_calls_total counter\n");
  std::vector<std::string> labels;
  labels.reserve(methods.size());
  for (const auto& [name, m] : methods) labels.push_back(labelEscape(name));
  for (size_t i = 0; i < methods.size(); ++i) {
    absl::StrAppend(&body, "mrpc_calls_total{method=\"", labels[i], "\"} ", methods[i].second.calls,
                    "\n");
  }
  body +=
      "# HELP mrpc_errors_total Calls finished with a non-OK status.\n"
      "# TYPE mrpc_errors_total counter\n";
  for (size_t i = 0; i < methods.size(); ++i) {
    absl::StrAppend(&body, "mrpc_errors_total{method=\"", labels[i], "\"} ",
                    methods[i].second.errors, "\n");
  }
  body +=
      "# HELP mrpc_latency_seconds Call latency in the server.\n"
      "# TYPE mrpc_latency_seconds summary\n";
  for (size_t i = 0; i < methods.size(); ++i) {
    const std::string& label = labels[i];
    const Histogram& latency = methods[i].second.latencyNs;
    for (double q : {0.5, 0.99, 0.999}) {
      absl::StrAppendFormat(&body, "mrpc_latency_seconds{method=\"%s\",quantile=\"%g\"} %.9f\n",
                            label, q, static_cast<double>(latency.percentile(q)) / 1e9);
    }
    absl::StrAppendFormat(&body, "mrpc_latency_seconds_sum{method=\"%s\"} %.9f\n", label,
                          latency.mean() * static_cast<double>(latency.count()) / 1e9);
    absl::StrAppendFormat(&body, "mrpc_latency_seconds_count{method=\"%s\"} %d\n", label,
                          latency.count());
  }
  response->setStatusCode(200);
  response->setContentType("text/plain; version=0.0.4");
  response->setBody(std::move(body));
}

}  // namespace muduo::rpc::gateway
