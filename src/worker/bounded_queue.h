#pragma once
// BoundedQueue<T>: a blocking multi-producer/multi-consumer FIFO with a capacity, the
// backpressure between pipeline stages (a fast lister cannot buffer 100k items ahead of slow
// uploaders: push() blocks while the queue is full, so memory stays flat).
//
// close() wakes everybody: pushes after close are refused, pops drain what is left and then
// return nullopt. Thread-safe.
//
// Wake-ups are what this costs on a busy pipeline (each one is a futex call and usually a context
// switch), so they are rationed: a producer blocked on a full queue is woken once the queue has
// drained to half its capacity, not after every pop (it then refills it without sleeping in
// between), and nobody is notified while the lock is held or when nobody waits. A consumer is
// still woken per pushed value: that value is work for it.

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>

namespace dlexport::worker {

template <typename T>
class BoundedQueue {
 public:
  explicit BoundedQueue(std::size_t capacity)
      : capacity_(capacity == 0 ? 1 : capacity), low_water_(capacity_ / 2) {}

  // Blocks while full; false (value dropped) when the queue is closed.
  bool push(T value) {
    bool wake_consumer = false;
    {
      std::unique_lock<std::mutex> lock(mu_);
      if (!closed_ && items_.size() >= capacity_) {
        ++waiting_producers_;
        not_full_.wait(lock, [&] { return closed_ || items_.size() < capacity_; });
        --waiting_producers_;
      }
      if (closed_) return false;
      items_.push_back(std::move(value));
      wake_consumer = waiting_consumers_ > 0;
    }
    if (wake_consumer) not_empty_.notify_one();
    return true;
  }

  // Blocks while empty and open; nullopt once closed and drained.
  std::optional<T> pop() {
    bool wake_producers = false;
    std::optional<T> value;
    {
      std::unique_lock<std::mutex> lock(mu_);
      if (!closed_ && items_.empty()) {
        ++waiting_consumers_;
        not_empty_.wait(lock, [&] { return closed_ || !items_.empty(); });
        --waiting_consumers_;
      }
      if (items_.empty()) return std::nullopt;
      value.emplace(std::move(items_.front()));
      items_.pop_front();
      // A producer only waits on a full queue, so pops pass the low-water mark before the queue
      // can run dry, and every producer waiting then is woken: none can be left asleep while
      // the queue empties.
      wake_producers = waiting_producers_ > 0 && items_.size() == low_water_;
    }
    if (wake_producers) not_full_.notify_all();
    return value;
  }

  // Never blocks: the front value, or nullopt when the queue is empty right now (open or not).
  std::optional<T> try_pop() {
    bool wake_producers = false;
    std::optional<T> value;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (items_.empty()) return std::nullopt;
      value.emplace(std::move(items_.front()));
      items_.pop_front();
      wake_producers = waiting_producers_ > 0 && items_.size() == low_water_;
    }
    if (wake_producers) not_full_.notify_all();
    return value;
  }

  // True once close() was called and every value has been popped.
  bool drained() const {
    std::lock_guard<std::mutex> lock(mu_);
    return closed_ && items_.empty();
  }

  void close() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      closed_ = true;
    }
    not_full_.notify_all();
    not_empty_.notify_all();
  }

  std::size_t size() const {
    std::lock_guard<std::mutex> lock(mu_);
    return items_.size();
  }
  std::size_t capacity() const { return capacity_; }

 private:
  const std::size_t capacity_;
  const std::size_t low_water_;
  mutable std::mutex mu_;
  std::condition_variable not_full_, not_empty_;
  std::deque<T> items_;                // guarded by mu_
  bool closed_ = false;                // guarded by mu_
  std::size_t waiting_producers_ = 0;  // guarded by mu_
  std::size_t waiting_consumers_ = 0;  // guarded by mu_
};

}  // namespace dlexport::worker
