#include "modules/platform/metrics.h"

#include <gtest/gtest.h>

namespace rentwave::platform {
namespace {

bool Contains(const std::string& text, const std::string& line) {
  return text.find(line) != std::string::npos;
}

TEST(MetricsTest, CountsAndBucketsByProtocolMethodAndCode) {
  Metrics m;
  m.Record("grpc", "/a.S/M", "OK", absl::Microseconds(300));
  m.Record("grpc", "/a.S/M", "OK", absl::Milliseconds(3));
  m.Record("http", "/a.S/M", "404", absl::Seconds(10));
  std::string text = m.Prometheus();
  const std::string ok = R"(protocol="grpc",method="/a.S/M",code="OK")";
  EXPECT_TRUE(Contains(text, "rentwave_requests_total{" + ok + "} 2\n"));
  EXPECT_TRUE(Contains(text, "rentwave_request_duration_seconds_bucket{" + ok +
                                 R"(,le="0.0005"} 1)"));
  EXPECT_TRUE(Contains(text, "rentwave_request_duration_seconds_bucket{" + ok +
                                 R"(,le="0.0025"} 1)"));
  EXPECT_TRUE(Contains(text, "rentwave_request_duration_seconds_bucket{" + ok +
                                 R"(,le="0.005"} 2)"));
  const std::string slow = R"(protocol="http",method="/a.S/M",code="404")";
  EXPECT_TRUE(Contains(text, "rentwave_request_duration_seconds_bucket{" +
                                 slow + R"(,le="5"} 0)"));
  EXPECT_TRUE(Contains(text, "rentwave_request_duration_seconds_bucket{" +
                                 slow + R"(,le="+Inf"} 1)"));
  EXPECT_TRUE(Contains(
      text, "rentwave_request_duration_seconds_count{" + slow + "} 1\n"));
}

TEST(MetricsTest, EscapesLabelsAndReportsProcessFigures) {
  Metrics m;
  m.Record("http", "un\"matched\\", "400", absl::Milliseconds(1));
  std::string text = m.Prometheus();
  EXPECT_TRUE(Contains(text, R"(method="un\"matched\\")"));
  EXPECT_TRUE(Contains(text, "process_resident_memory_bytes "));
  EXPECT_FALSE(Contains(text, "process_resident_memory_bytes 0\n"));
  EXPECT_TRUE(Contains(text, "process_open_fds "));
  EXPECT_TRUE(Contains(text, "process_start_time_seconds "));
}

}  // namespace
}  // namespace rentwave::platform
