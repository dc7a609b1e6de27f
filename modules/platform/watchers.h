// Live listeners by key: who hears of what was just committed (a user's new
// notification, a new event). Listeners run on the publishing thread and must
// not block; what they hear of is already durable, so a listener only has to
// wake whoever reads it back.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"

namespace rentwave::platform {

template <typename Key, typename Value>
class Watchers {
 public:
  using Listener = std::function<void(const Value&)>;

  // A live registration; destroying it removes the listener, waiting for a
  // call to it in progress. Must not outlive the Watchers that made it.
  class Handle {
   public:
    ~Handle() { owner_.Remove(key_, id_); }
    Handle(const Handle&) = delete;
    Handle& operator=(const Handle&) = delete;

   private:
    friend class Watchers;
    Handle(Watchers& owner, Key key, int64_t id)
        : owner_(owner), key_(std::move(key)), id_(id) {}
    Watchers& owner_;
    Key key_;
    int64_t id_;
  };

  // Calls `listener` with every value published under `key` from now on,
  // until the handle is destroyed. Thread-safe.
  std::unique_ptr<Handle> Add(Key key, Listener listener) {
    std::lock_guard<std::mutex> lock(mu_);
    const int64_t id = ++next_id_;
    listeners_[key].emplace(id, std::move(listener));
    return std::unique_ptr<Handle>(new Handle(*this, std::move(key), id));
  }

  // Calls the listeners of `key` with `value`. Thread-safe.
  void Publish(const Key& key, const Value& value) {
    // Under the lock, so that a handle destroyed meanwhile waits for a call
    // in progress rather than racing it.
    std::lock_guard<std::mutex> lock(mu_);
    auto it = listeners_.find(key);
    if (it == listeners_.end()) return;
    for (const auto& [id, listener] : it->second) listener(value);
  }

 private:
  void Remove(const Key& key, int64_t id) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = listeners_.find(key);
    if (it == listeners_.end()) return;
    it->second.erase(id);
    if (it->second.empty()) listeners_.erase(it);
  }

  std::mutex mu_;
  int64_t next_id_ ABSL_GUARDED_BY(mu_) = 0;
  absl::flat_hash_map<Key, absl::flat_hash_map<int64_t, Listener>> listeners_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace rentwave::platform
