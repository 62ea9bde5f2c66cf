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
// open_stream() gives the same puts with many in flight on one thread (PutStream below).
// Thread-safe: one Sink is shared by every uploader thread. Owned by the composition root
// (src/app/), which keeps it alive for the whole run.

#include <chrono>
#include <cstddef>
#include <functional>
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

// PutStream: many puts in flight on ONE thread, which drives them with poll() (for a sink that
// talks HTTP, one wait serves every upload that made progress instead of a blocked thread per
// upload; see http::HttpMultiplexer). Each put behaves exactly like Sink::put() (never retried).
// Not thread-safe, except wakeup(): a stream belongs to the thread that calls start() and
// poll(). The sink must outlive its streams.
class PutStream {
 public:
  using Done = std::function<void(Result<PutReceipt>)>;
  virtual ~PutStream() = default;
  // Starts put(request). `done` receives what put() would have returned: from a later poll() on
  // this thread, or at once (inside start()) when the put cannot even start. `request.bytes`
  // must stay valid until `done` has run.
  virtual void start(const PutRequest& request, Done done) = 0;
  // Waits until a put completes, wakeup() is called or `timeout` passes, then runs the `done`s
  // of every finished put. Returns how many puts are still in flight.
  virtual std::size_t poll(std::chrono::milliseconds timeout) = 0;
  // Puts started whose `done` has not run yet.
  virtual std::size_t in_flight() const = 0;
  // Makes a waiting poll() (or the next one) return early. Thread-safe.
  virtual void wakeup() = 0;
};

class Sink {
 public:
  virtual ~Sink() = default;
  // A short human description, e.g. "driver 66..d1 via staging dataset 66..20".
  virtual std::string describe() const = 0;
  virtual Result<PutReceipt> put(const PutRequest& request) = 0;
  // A stream of puts into this sink. The default runs put() inside start(), one at a time.
  virtual std::unique_ptr<PutStream> open_stream();
};

using SinkPtr = std::unique_ptr<Sink>;

}  // namespace dlexport::sink
