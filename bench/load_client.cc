#include "bench/load_client.h"

#include <grpcpp/client_context.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/support/slice.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <stdexcept>
#include <vector>

namespace rentwave::bench {
namespace {

using Clock = std::chrono::steady_clock;

void Validate(const std::shared_ptr<grpc::Channel>& channel,
              const LoadOptions& options) {
  if (channel == nullptr) throw std::invalid_argument("channel is null");
  if (options.method.empty()) throw std::invalid_argument("method is empty");
  if (!options.make_request == !options.make_slot_request) {
    throw std::invalid_argument(
        "not exactly one of make_request and make_slot_request is set");
  }
  if (options.inflight < 1) throw std::invalid_argument("inflight < 1");
  if (!options.slot_metadata.empty() &&
      options.slot_metadata.size() != static_cast<size_t>(options.inflight)) {
    throw std::invalid_argument("slot_metadata is not one entry per slot");
  }
  if (options.warmup.count() < 0) throw std::invalid_argument("warmup < 0");
  if (options.duration.count() <= 0) {
    throw std::invalid_argument("duration <= 0");
  }
  if (options.call_timeout.count() <= 0) {
    throw std::invalid_argument("call_timeout <= 0");
  }
}

// Nearest-rank percentile `q` in (0, 1] of ascending `sorted`.
std::chrono::nanoseconds Percentile(const std::vector<Clock::duration>& sorted,
                                    double q) {
  if (sorted.empty()) return std::chrono::nanoseconds(0);
  const auto rank = static_cast<size_t>(std::ceil(q * sorted.size()));
  return sorted[std::clamp<size_t>(rank, 1, sorted.size()) - 1];
}

// One run: `options.inflight` slots, each re-issuing its call on completion
// until the measured window ends.
class ClosedLoop {
 public:
  ClosedLoop(const std::shared_ptr<grpc::Channel>& channel,
             const LoadOptions& options)
      : stub_(channel),
        options_(options),
        slots_(options.inflight),
        active_slots_(options.inflight) {
    for (size_t i = 0; i < slots_.size(); ++i)
      slots_[i].index = static_cast<int>(i);
  }

  LoadResult Run() {
    measure_start_ = Clock::now() + options_.warmup;
    measure_end_ = measure_start_ + options_.duration;
    for (Slot& slot : slots_) Issue(&slot);
    std::unique_lock<std::mutex> lock(mu_);
    all_idle_.wait(lock, [this] { return active_slots_ == 0; });
    return Summarize();
  }

 private:
  // A call in flight. Only one call per slot exists at a time, so its
  // completions are serialized and its statistics need no lock.
  struct Slot {
    int index = 0;
    uint64_t calls = 0;  // issued by this slot
    std::unique_ptr<grpc::ClientContext> context;
    grpc::ByteBuffer request;
    grpc::ByteBuffer response;
    Clock::time_point started;
    std::vector<Clock::duration> latencies;
    uint64_t failed_calls = 0;
  };

  void Issue(Slot* slot) {
    slot->context = std::make_unique<grpc::ClientContext>();
    slot->context->set_deadline(std::chrono::system_clock::now() +
                                options_.call_timeout);
    for (const auto& [key, value] : options_.metadata) {
      slot->context->AddMetadata(key, value);
    }
    if (!options_.slot_metadata.empty()) {
      for (const auto& [key, value] : options_.slot_metadata[slot->index]) {
        slot->context->AddMetadata(key, value);
      }
    }
    slot->request = options_.make_slot_request
                        ? options_.make_slot_request(slot->index, slot->calls++)
                        : options_.make_request(next_call_index_++);
    slot->started = Clock::now();
    stub_.UnaryCall(
        slot->context.get(), options_.method, grpc::StubOptions(),
        &slot->request, &slot->response,
        [this, slot](grpc::Status status) { OnDone(slot, status); });
  }

  void OnDone(Slot* slot, const grpc::Status& status) {
    const Clock::time_point now = Clock::now();
    if (now >= measure_start_ && now < measure_end_) {
      if (status.ok()) {
        slot->latencies.push_back(now - slot->started);
      } else {
        ++slot->failed_calls;
      }
    }
    if (now < measure_end_) {
      Issue(slot);
      return;
    }
    // Notify under the lock: Run() may destroy this object once it wakes.
    std::lock_guard<std::mutex> lock(mu_);
    if (--active_slots_ == 0) all_idle_.notify_one();
  }

  LoadResult Summarize() const {
    std::vector<Clock::duration> latencies;
    LoadResult result;
    for (const Slot& slot : slots_) {
      latencies.insert(latencies.end(), slot.latencies.begin(),
                       slot.latencies.end());
      result.failed_calls += slot.failed_calls;
    }
    std::sort(latencies.begin(), latencies.end());
    result.ok_calls = latencies.size();
    result.calls_per_sec =
        result.ok_calls /
        std::chrono::duration<double>(options_.duration).count();
    result.p50 = Percentile(latencies, 0.50);
    result.p99 = Percentile(latencies, 0.99);
    return result;
  }

  grpc::GenericStub stub_;
  const LoadOptions& options_;
  Clock::time_point measure_start_;
  Clock::time_point measure_end_;
  std::atomic<uint64_t> next_call_index_{0};
  std::vector<Slot> slots_;
  std::mutex mu_;
  std::condition_variable all_idle_;
  int active_slots_;  // Guarded by mu_ once calls are issued.
};

}  // namespace

grpc::ByteBuffer SerializeMessage(const google::protobuf::Message& message) {
  grpc::Slice slice(message.SerializeAsString());
  return grpc::ByteBuffer(&slice, 1);
}

LoadResult RunClosedLoop(const std::shared_ptr<grpc::Channel>& channel,
                         const LoadOptions& options) {
  Validate(channel, options);
  return ClosedLoop(channel, options).Run();
}

std::string FormatResult(const LoadResult& result) {
  using Micros = std::chrono::duration<double, std::micro>;
  char line[160];
  std::snprintf(line, sizeof(line),
                "calls_per_sec=%.0f p50_us=%.0f p99_us=%.0f errors=%llu",
                result.calls_per_sec, Micros(result.p50).count(),
                Micros(result.p99).count(),
                static_cast<unsigned long long>(result.failed_calls));
  return line;
}

}  // namespace rentwave::bench
