#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "muduo/base/Logging.h"
#include "muduo/net/http/HttpRequest.h"
#include "muduo/net/http/HttpResponse.h"
#include "rpc/RpcStats.h"
#include "rpc/ServiceHost.h"
#include "rpc/gateway/HttpText.h"
#include "rpc/gateway/Pages.h"

namespace muduo::rpc::gateway {
namespace {

double micros(int64_t ns) { return static_cast<double>(ns) / 1000.0; }

}  // namespace

void statusPage(const ServiceHost& host, const net::HttpRequest& request,
                net::HttpResponse* response) {
  const std::shared_ptr<RpcStats> stats = host.sharedStats();
  const auto methods = stats->snapshot();
  const bool html = request.header("Accept").find("text/html") != std::string_view::npos;
  const absl::Status health = host.health();
  const std::string healthText = health.ok() ? "ok" : health.ToString();
  std::string body;
  if (html) {
    body = absl::StrCat(
        "<!doctype html><html><head><title>MRPC status</title></head><body>"
        "<h1>MRPC server</h1><p>uptime ",
        stats->uptime().count(), " s, ", stats->connections(), " connections</p><p>health ",
        htmlEscape(healthText), "</p><p>log lines dropped ", Logger::droppedLines(),
        "</p><table border=1 cellpadding=4><tr><th>method</th><th>calls</th>"
        "<th>errors</th><th>p50 us</th><th>p99 us</th><th>p99.9 us</th><th>max us</th></tr>");
    for (const auto& [name, m] : methods) {
      absl::StrAppendFormat(&body,
                            "<tr><td>%s</td><td>%d</td><td>%d</td><td>%.1f</td><td>%.1f</td>"
                            "<td>%.1f</td><td>%.1f</td></tr>",
                            htmlEscape(name), m.calls, m.errors,
                            micros(m.latencyNs.percentile(0.5)),
                            micros(m.latencyNs.percentile(0.99)),
                            micros(m.latencyNs.percentile(0.999)), micros(m.latencyNs.max()));
    }
    body += "</table>";
    if (const std::string app = host.applicationStatus(); !app.empty()) {
      absl::StrAppend(&body, "<pre>", htmlEscape(app), "</pre>");
    }
    body += "</body></html>\n";
    response->setStatusCode(200);
    response->setContentType("text/html; charset=utf-8");
    response->setBody(std::move(body));
    return;
  }
  body = absl::StrFormat(
      "uptime %d s\nconnections %d\nhealth %s\nlog_dropped_lines %d\n\n%-48s %10s %8s %10s %10s "
      "%10s %10s\n",
      stats->uptime().count(), stats->connections(), healthText, Logger::droppedLines(), "method",
      "calls", "errors", "p50_us", "p99_us", "p99.9_us", "max_us");
  for (const auto& [name, m] : methods) {
    absl::StrAppendFormat(&body, "%-48s %10d %8d %10.1f %10.1f %10.1f %10.1f\n", name, m.calls,
                          m.errors, micros(m.latencyNs.percentile(0.5)),
                          micros(m.latencyNs.percentile(0.99)),
                          micros(m.latencyNs.percentile(0.999)), micros(m.latencyNs.max()));
  }
  if (const std::string app = host.applicationStatus(); !app.empty()) {
    absl::StrAppend(&body, "\n", app);
  }
  textResponse(response, 200, std::move(body));
}

}  // namespace muduo::rpc::gateway
