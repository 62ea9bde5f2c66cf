#include "emulator/driver_storage.h"

#include <atomic>
#include <cstdio>
#include <fstream>
#include <functional>
#include <system_error>

#include "emulator/dql.h"
#include "emulator/entities.h"

namespace dlexport::emulator {
namespace {

namespace fs = std::filesystem;

std::string trim_slashes(std::string_view s) {
  while (!s.empty() && s.front() == '/') s.remove_prefix(1);
  while (!s.empty() && s.back() == '/') s.remove_suffix(1);
  return std::string(s);
}

bool has_dot_segment(std::string_view key) {
  std::size_t start = 0;
  while (start <= key.size()) {
    std::size_t slash = key.find('/', start);
    std::string_view seg =
        key.substr(start, slash == std::string_view::npos ? key.npos : slash - start);
    if (seg == ".." || seg == ".") return true;
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return false;
}

std::string bucket_of(const Json& driver) {
  for (const char* key : {"bucketName", "bucket", "containerName"}) {
    const Json* value = find_path(driver, key);
    if (value != nullptr && value->is_string() && !value->get_ref<const std::string&>().empty()) {
      return value->get<std::string>();
    }
  }
  return "";
}

}  // namespace

DriverStorage::DriverStorage(fs::path root)
    : root_(fs::absolute(std::move(root)).lexically_normal()) {}

Result<std::string> DriverStorage::object_key(const Json& driver, std::string_view filename) {
  std::string bucket = trim_slashes(bucket_of(driver));
  if (bucket.empty()) {
    return failed_precondition("driver " + string_field(driver, "id", "?") +
                               " has no bucketName, bucket or containerName");
  }
  std::string key = bucket;
  auto path = driver.find("path");
  if (path != driver.end() && path->is_string()) {
    std::string middle = trim_slashes(path->get<std::string>());
    if (!middle.empty()) key += "/" + middle;
  }
  std::string name = trim_slashes(filename);
  if (name.empty()) return invalid_argument("empty item filename");
  key += "/" + name;
  if (has_dot_segment(key) || key.find('\0') != std::string::npos) {
    return invalid_argument("object key '" + key + "' has '.' or '..' segments");
  }
  return key;
}

Result<fs::path> DriverStorage::object_path(const Json& driver, std::string_view filename) const {
  DLX_ASSIGN_OR_RETURN(std::string key, object_key(driver, filename));
  fs::path full = (root_ / fs::path(key)).lexically_normal();
  auto rel = full.lexically_relative(root_);
  if (rel.empty() || *rel.begin() == "..") {
    return invalid_argument("object key '" + key + "' escapes the storage root");
  }
  return full;
}

Status DriverStorage::write(const Json& driver, std::string_view filename,
                            std::string_view content) {
  static std::atomic<unsigned long> counter{0};
  DLX_ASSIGN_OR_RETURN(fs::path target, object_path(driver, filename));
  std::error_code ec;
  fs::create_directories(target.parent_path(), ec);
  if (ec)
    return internal_error("cannot create " + target.parent_path().string() + ": " + ec.message());
  fs::path temp = target.parent_path() /
                  ("." + target.filename().string() + ".tmp-" + std::to_string(++counter));
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    out.close();
    if (!out) {
      fs::remove(temp, ec);
      return internal_error("cannot write " + temp.string());
    }
  }
  fs::rename(temp, target, ec);
  if (ec) {
    std::error_code ignored;
    fs::remove(temp, ignored);
    return internal_error("cannot rename into " + target.string() + ": " + ec.message());
  }
  return Status::ok();
}

Status DriverStorage::remove(const Json& driver, std::string_view filename) {
  DLX_ASSIGN_OR_RETURN(fs::path target, object_path(driver, filename));
  std::error_code ec;
  fs::remove(target, ec);
  if (ec) return internal_error("cannot remove " + target.string() + ": " + ec.message());
  return Status::ok();
}

std::mutex& DriverStorage::lock_for(std::string_view key) {
  return stripes_[std::hash<std::string_view>()(key) % stripes_.size()];
}

}  // namespace dlexport::emulator
