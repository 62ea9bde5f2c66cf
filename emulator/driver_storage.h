#pragma once
// DriverStorage: the emulator's stand-in for the customer buckets behind storage drivers.
//
// A driver-backed dataset's uploaded file lands at
//   <root>/<bucket>/<driver.path>/<item filename without its leading '/'>
// where bucket is the driver's `bucketName` (s3), `bucket` (gcs) or `containerName` (azure),
// and an empty or missing `path` drops that segment (WIRE.md §2.1, §6.5). Tests look at these
// files to check what the exporter left in the "bucket".
//
// Writes are atomic (temp file in the target directory, then rename), so readers never see a
// torn file and concurrent writers of one key end with one complete version. Keys never
// escape the root: '..' segments are rejected and the joined path is checked.
// Thread-safe; lock_for() lets callers order a write with their own bookkeeping per key.

#include <array>
#include <filesystem>
#include <mutex>
#include <string>
#include <string_view>

#include "common/json.h"
#include "common/result.h"

namespace dlexport::emulator {

class DriverStorage {
 public:
  explicit DriverStorage(std::filesystem::path root);

  const std::filesystem::path& root() const { return root_; }

  // "<bucket>/<path>/<filename without leading slash>" (UTF-8, '/' separated).
  static Result<std::string> object_key(const Json& driver, std::string_view filename);
  Result<std::filesystem::path> object_path(const Json& driver, std::string_view filename) const;

  // Creates directories as needed and replaces the object atomically.
  Status write(const Json& driver, std::string_view filename, std::string_view content);
  // Removes the object; a missing object is fine.
  Status remove(const Json& driver, std::string_view filename);

  // A mutex shared by every caller working on `key` (striped; distinct keys may share one).
  std::mutex& lock_for(std::string_view key);

 private:
  std::filesystem::path root_;
  std::array<std::mutex, 64> stripes_;
};

}  // namespace dlexport::emulator
