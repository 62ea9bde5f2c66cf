#include "sink/sink.h"

#include <condition_variable>
#include <mutex>

namespace dlexport::sink {
namespace {

// The default stream: each put runs to completion inside start().
class BlockingPutStream final : public PutStream {
 public:
  explicit BlockingPutStream(Sink& sink) : sink_(sink) {}

  void start(const PutRequest& request, Done done) override { done(sink_.put(request)); }

  std::size_t poll(std::chrono::milliseconds timeout) override {
    std::unique_lock<std::mutex> lock(mu_);
    woken_.wait_for(lock, timeout, [this] { return wakeups_ > 0; });
    wakeups_ = 0;
    return 0;
  }

  std::size_t in_flight() const override { return 0; }

  void wakeup() override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++wakeups_;
    }
    woken_.notify_one();
  }

 private:
  Sink& sink_;
  std::mutex mu_;
  std::condition_variable woken_;
  int wakeups_ = 0;  // guarded by mu_
};

}  // namespace

std::unique_ptr<PutStream> Sink::open_stream() {
  return std::make_unique<BlockingPutStream>(*this);
}

}  // namespace dlexport::sink
