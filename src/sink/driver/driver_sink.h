#pragma once
// The storage-driver sink: put() uploads the file into the driver's hidden staging dataset at
// `path` (mode=overwrite), which makes the platform write `<driver path>/<path>` into the
// customer's bucket. The receipt carries the staged item id so the cleanup handler can delete the
// staged item later (the object stays, because the driver has allowExternalDelete: false — the
// controller checked that before this sink was built).

#include <string>

#include "dataloop/client.h"
#include "sink/sink.h"

namespace dlexport::sink {

struct DriverSinkOptions {
  std::string driver_id;
  std::string staging_dataset_id;
};

// `client` must outlive the sink.
SinkPtr make_driver_sink(const dataloop::Client& client, DriverSinkOptions options);

}  // namespace dlexport::sink
