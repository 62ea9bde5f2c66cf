#include "sink/driver/driver_sink.h"

#include <fmt/format.h>

namespace dlexport::sink {
namespace {

class DriverSink final : public Sink {
 public:
  DriverSink(const dataloop::Client& client, DriverSinkOptions options)
      : client_(client), options_(std::move(options)) {}

  std::string describe() const override {
    return fmt::format("driver {} via staging dataset {}", options_.driver_id,
                       options_.staging_dataset_id);
  }

  Result<PutReceipt> put(const PutRequest& request) override {
    // The bytes go to the wire without a copy: the client borrows them for the exchange.
    auto item = client_.upload(options_.staging_dataset_id, request.path, request.bytes,
                               dataloop::UploadMode::kOverwrite);
    return receipt(request, std::move(item));
  }

  std::unique_ptr<PutStream> open_stream() override;

  static Result<PutReceipt> receipt(const PutRequest& request, Result<dataloop::Item> item) {
    if (!item) return item.error().annotate(fmt::format("item {}", request.item_id));
    return PutReceipt{request.path, item->id};
  }
  static Result<PutReceipt> receipt(const std::string& path, const std::string& item_id,
                                    Result<std::string> staged_id) {
    if (!staged_id) return staged_id.error().annotate(fmt::format("item {}", item_id));
    return PutReceipt{path, std::move(*staged_id)};
  }

  const dataloop::Client& client() const { return client_; }
  const DriverSinkOptions& options() const { return options_; }

 private:
  const dataloop::Client& client_;
  const DriverSinkOptions options_;
};

// Uploads on the client's multiplexer: many in flight, one thread.
class DriverPutStream final : public PutStream {
 public:
  explicit DriverPutStream(const DriverSink& sink)
      : sink_(sink), mux_(sink.client().multiplexer()) {}

  void start(const PutRequest& request, Done done) override {
    sink_.client().upload_async(*mux_, sink_.options().staging_dataset_id, request.path,
                                request.bytes, dataloop::UploadMode::kOverwrite,
                                [path = request.path, item_id = request.item_id,
                                 done = std::move(done)](Result<std::string> staged_id) {
                                  done(DriverSink::receipt(path, item_id, std::move(staged_id)));
                                });
  }

  std::size_t poll(std::chrono::milliseconds timeout) override { return mux_->poll(timeout); }
  std::size_t in_flight() const override { return mux_->in_flight(); }
  void wakeup() override { mux_->wakeup(); }

 private:
  const DriverSink& sink_;
  std::unique_ptr<http::HttpMultiplexer> mux_;
};

std::unique_ptr<PutStream> DriverSink::open_stream() {
  return std::make_unique<DriverPutStream>(*this);
}

}  // namespace

SinkPtr make_driver_sink(const dataloop::Client& client, DriverSinkOptions options) {
  return std::make_unique<DriverSink>(client, std::move(options));
}

}  // namespace dlexport::sink
