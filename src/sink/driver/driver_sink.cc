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
    if (!item) return item.error().annotate(fmt::format("item {}", request.item_id));
    return PutReceipt{request.path, item->id};
  }

 private:
  const dataloop::Client& client_;
  const DriverSinkOptions options_;
};

}  // namespace

SinkPtr make_driver_sink(const dataloop::Client& client, DriverSinkOptions options) {
  return std::make_unique<DriverSink>(client, std::move(options));
}

}  // namespace dlexport::sink
