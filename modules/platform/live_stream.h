// A server stream that replays what is stored and then follows what commits,
// like a consumer resuming from an offset: the reactor behind
// WatchNotifications and TailEvents. It holds no thread while it waits: it
// reads a batch on a worker thread, writes it message by message, reads
// again, and when it has caught up sleeps until its feed's watch wakes it.
#pragma once

#include <grpcpp/server_context.h>
#include <grpcpp/support/server_callback.h>

#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "modules/platform/status.h"

namespace rentwave::platform {

// Initial metadata a live stream sends as soon as it is open, before it
// has anything else to send, so that a relay (the REST facade) can tell an
// open stream from one refused with an error.
inline constexpr char kStreamOpenKey[] = "rentwave-stream-open";

// What a live stream sends.
template <typename Message>
struct Feed {
  // The messages after those it returned before (it keeps its own
  // position), a batch at a time; none once caught up. Runs on a worker
  // thread, one call at a time; it may read the database.
  std::function<absl::StatusOr<std::vector<Message>>()> next;
  // Registers `wake`, to be called from any thread (without blocking)
  // whenever `next` may have more, and returns the registration, released
  // when the stream ends. Called once, before the first `next`, so that
  // nothing committed between the replay and the live part is missed.
  std::function<std::shared_ptr<void>(std::function<void()> wake)> watch;
};

// One streaming call as the server sees it.
struct StreamCall {
  grpc::CallbackServerContext* context;
  std::string method;  // "/pkg.Service/Method"
  std::string user_id;
  absl::Time start;
};

class LiveStreamBase;

// What a live stream needs of the server.
class StreamHost {
 public:
  virtual ~StreamHost() = default;
  // Runs `work` on a worker thread.
  virtual void RunOnWorker(std::function<void()> work) const = 0;
  // Registers a stream, so that shutdown can end it; false if the server
  // is shutting down (the stream must end at once).
  virtual bool Attach(LiveStreamBase* stream) const = 0;
  virtual void Detach(LiveStreamBase* stream) const = 0;
  // Records the end of a stream (metrics, access log).
  virtual void Ended(const StreamCall& call, const absl::Status& status,
                     int64_t messages) const = 0;
};

class LiveStreamBase {
 public:
  virtual ~LiveStreamBase() = default;
  // Ends the stream with UNAVAILABLE soon (the server is shutting down).
  // Thread-safe; never finishes the call on the calling thread.
  virtual void Stop() = 0;
};

template <typename Message>
class LiveStream final : public grpc::ServerWriteReactor<Message>,
                         public LiveStreamBase {
 public:
  // Starts streaming `feed`, or ends the call with its error at once.
  LiveStream(const StreamHost& host, StreamCall call,
             absl::StatusOr<Feed<Message>> feed)
      : host_(host), call_(std::move(call)) {
    if (!feed.ok()) {
      ending_ = feed.status();
    } else if (!host_.Attach(this)) {
      ending_ = absl::UnavailableError("the server is shutting down");
    } else {
      feed_ = *std::move(feed);
      call_.context->AddInitialMetadata(kStreamOpenKey, "1");
      this->StartSendInitialMetadata();
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      fetching_ = true;  // a wake-up from here on only marks itself pending
    }
    if (feed_.watch) watch_ = feed_.watch([this] { Wake(); });
    host_.RunOnWorker([this] { Fetch(); });
  }

  void Stop() override {
    End(absl::UnavailableError("the server is shutting down"));
  }

  void OnCancel() override { End(absl::CancelledError("cancelled")); }

  void OnWriteDone(bool ok) override {
    std::optional<absl::Status> finish;
    {
      std::lock_guard<std::mutex> lock(mu_);
      writing_ = false;
      if (ok) ++sent_;
      if (!ok && !ending_) {
        ending_ = absl::CancelledError("the client is gone");
      }
      if (ending_) {
        finish = *ending_;
      } else if (!queue_.empty()) {
        WriteNextLocked();
      } else {
        FetchLocked();  // the batch may not have been all there is
      }
    }
    if (finish) EndWith(*finish);
  }

  void OnDone() override {
    watch_.reset();  // waits for a wake-up in progress
    host_.Detach(this);
    delete this;
  }

 private:
  // Reads the next batch (on a worker thread), then writes it, reads again,
  // or goes idle until woken.
  void Fetch() {
    std::optional<absl::Status> finish;
    absl::StatusOr<std::vector<Message>> batch;
    {
      std::lock_guard<std::mutex> lock(mu_);
      woken_ = false;
      finish = ending_;
    }
    if (!finish) batch = feed_.next();
    {
      std::lock_guard<std::mutex> lock(mu_);
      fetching_ = false;
      if (ending_) {
        finish = ending_;
      } else if (!batch.ok()) {
        finish = ending_ = batch.status();
      } else if (!batch->empty()) {
        for (Message& m : *batch) queue_.push_back(std::move(m));
        WriteNextLocked();
      } else if (woken_) {
        FetchLocked();
      }
    }
    if (finish) EndWith(*finish);
  }

  void Wake() {
    std::lock_guard<std::mutex> lock(mu_);
    woken_ = true;
    if (!writing_ && !fetching_ && !ending_) FetchLocked();
  }

  // Ends the stream with `status` unless it is ending already: soon if
  // idle, else when the read or write in progress completes.
  void End(absl::Status status) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (ending_) return;
      ending_ = std::move(status);
      if (writing_ || fetching_) return;
      fetching_ = true;  // Fetch sees ending_ and finishes, off this thread
    }
    host_.RunOnWorker([this] { Fetch(); });
  }

  void FetchLocked() {
    fetching_ = true;
    host_.RunOnWorker([this] { Fetch(); });
  }

  void WriteNextLocked() {
    current_ = std::move(queue_.front());
    queue_.pop_front();
    writing_ = true;
    this->StartWrite(&current_);
  }

  // Finishes the call: the last thing done with `this`, which OnDone may
  // delete at any time after.
  void EndWith(const absl::Status& status) {
    int64_t sent;
    {
      std::lock_guard<std::mutex> lock(mu_);
      sent = sent_;
    }
    host_.Ended(call_, status, sent);
    this->Finish(ToGrpcStatus(status));
  }

  const StreamHost& host_;
  const StreamCall call_;
  Feed<Message> feed_;
  std::shared_ptr<void> watch_;
  std::mutex mu_;
  // At most one of writing_ and fetching_ is set; neither: idle.
  bool writing_ = false;
  bool fetching_ = false;
  bool woken_ = false;                  // woken since the last read began
  std::optional<absl::Status> ending_;  // set once: how the call ends
  std::deque<Message> queue_;
  Message current_;  // the message being written
  int64_t sent_ = 0;
};

}  // namespace rentwave::platform
