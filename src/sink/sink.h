#pragma once
// Sink: where export files are written.
//
// A Sink stores one export file per put(): `path` is the object path the PathTemplate produced
// (always starting with "/"), `bytes` the encoded file, `content_type` its MIME type and
// `item_id` the platform item it was exported from (for error messages and receipts). A put
// overwrites whatever is at `path` (delivery is at-least-once with idempotent writes), and
// reports success only once the object is written.
//
// Implementations: driver/ (upload into the hidden staging dataset of a Dataloop storage driver,
// which makes the platform write the object into the customer's bucket); later fs/, s3/, azure/.
// A Sink never retries and never sleeps: failures come back as Status values whose code says
// whether a retry can help, and the caller (the export worker) applies the RetryPolicy.
// Thread-safe: one Sink is shared by every uploader thread. Owned by the composition root
// (src/app/), which keeps it alive for the whole run.

#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"

namespace dlexport::sink {

struct PutRequest {
  std::string path;
  std::string_view bytes;  // not owned; valid for the duration of put()
  std::string_view content_type;
  std::string item_id;
};

struct PutReceipt {
  std::string path;
  // The id of the staged platform item that carries the file (driver sink), which the cleanup
  // handler deletes later; "" for sinks without staging.
  std::string staged_item_id;
};

class Sink {
 public:
  virtual ~Sink() = default;
  // A short human description, e.g. "driver 66..d1 via staging dataset 66..20".
  virtual std::string describe() const = 0;
  virtual Result<PutReceipt> put(const PutRequest& request) = 0;
};

using SinkPtr = std::unique_ptr<Sink>;

}  // namespace dlexport::sink
