#include "modules/platform/metrics.h"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"

namespace rentwave::platform {
namespace {

// Label values are escaped per the exposition format.
std::string Escape(absl::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(c);
  }
  return out;
}

int64_t ResidentBytes() {
  std::ifstream statm("/proc/self/statm");
  int64_t size = 0, resident = 0;
  statm >> size >> resident;
  return resident * sysconf(_SC_PAGESIZE);
}

int OpenFds() {
  int n = 0;
  if (DIR* dir = opendir("/proc/self/fd")) {
    while (readdir(dir) != nullptr) ++n;
    closedir(dir);
  }
  return n > 2 ? n - 3 : 0;  // ".", ".." and the directory's own fd
}

double CpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return t.tv_sec + t.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

}  // namespace

void Metrics::Record(absl::string_view protocol, absl::string_view method,
                     absl::string_view code, absl::Duration latency) {
  const double seconds = absl::ToDoubleSeconds(latency);
  const size_t bucket =
      std::lower_bound(kBuckets.begin(), kBuckets.end(), seconds) -
      kBuckets.begin();  // kBuckets.size(): only in +Inf
  thread_local std::string key;
  key.clear();
  const absl::string_view separator(&kSeparator, 1);
  absl::StrAppend(&key, protocol, separator, method, separator, code);
  std::lock_guard<std::mutex> lock(mu_);
  auto it = series_.find(key);
  if (it == series_.end()) it = series_.emplace(key, Series{}).first;
  Series& s = it->second;
  if (bucket < kBuckets.size()) ++s.buckets[bucket];
  ++s.count;
  s.sum_seconds += seconds;
}

std::string Metrics::Prometheus() const {
  std::string out =
      "# HELP rentwave_requests_total Requests served, by protocol, method "
      "and code.\n# TYPE rentwave_requests_total counter\n";
  std::string hist =
      "# HELP rentwave_request_duration_seconds Request latency.\n"
      "# TYPE rentwave_request_duration_seconds histogram\n";
  std::vector<std::pair<std::string, Series>> series;
  {
    std::lock_guard<std::mutex> lock(mu_);
    series.assign(series_.begin(), series_.end());
  }
  std::sort(series.begin(), series.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  {
    for (const auto& [key, s] : series) {
      const std::vector<absl::string_view> parts =
          absl::StrSplit(key, kSeparator);
      std::string labels =
          absl::StrFormat("protocol=\"%s\",method=\"%s\",code=\"%s\"",
                          Escape(parts[0]), Escape(parts[1]), Escape(parts[2]));
      absl::StrAppend(&out, "rentwave_requests_total{", labels, "} ", s.count,
                      "\n");
      uint64_t cumulative = 0;
      for (size_t i = 0; i < kBuckets.size(); ++i) {
        cumulative += s.buckets[i];
        absl::StrAppend(&hist, "rentwave_request_duration_seconds_bucket{",
                        labels, ",le=\"", kBuckets[i], "\"} ", cumulative,
                        "\n");
      }
      absl::StrAppend(&hist, "rentwave_request_duration_seconds_bucket{",
                      labels, ",le=\"+Inf\"} ", s.count, "\n",
                      "rentwave_request_duration_seconds_sum{", labels, "} ",
                      s.sum_seconds, "\n",
                      "rentwave_request_duration_seconds_count{", labels, "} ",
                      s.count, "\n");
    }
  }
  absl::StrAppend(
      &out, hist,
      "# TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_"
      "bytes ",
      ResidentBytes(),
      "\n# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total ",
      CpuSeconds(), "\n# TYPE process_open_fds gauge\nprocess_open_fds ",
      OpenFds(),
      "\n# TYPE process_start_time_seconds gauge\nprocess_start_time_seconds ",
      absl::ToUnixSeconds(started_), "\n");
  return out;
}

}  // namespace rentwave::platform
