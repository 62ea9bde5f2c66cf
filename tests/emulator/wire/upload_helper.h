#pragma once
// Sends a multipart body the way the SDK's aiohttp path does (WIRE.md §6.1): exact part
// headers, no Content-Length, Transfer-Encoding: chunked, in several chunks.

#include <httplib.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <string>
#include <vector>

namespace dlexport::emulator::wire_test {

struct Part {
  std::string name;
  std::string content;
  std::string filename;  // set for the file part (percent-encoded, as aiohttp does)
  std::string content_type = "text/plain; charset=utf-8";
};

// aiohttp percent-encodes the filename parameter (WIRE.md §6.1).
inline std::string percent_encode(const std::string& text) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 15]);
    }
  }
  return out;
}

inline std::string multipart_body(const std::string& boundary, const std::vector<Part>& parts) {
  std::string body;
  for (const Part& p : parts) {
    body += "--" + boundary + "\r\n";
    body += "Content-Type: " + p.content_type + "\r\n";
    body += "Content-Disposition: form-data; name=\"" + p.name + "\"";
    if (!p.filename.empty()) body += "; filename=\"" + p.filename + "\"";
    body += "\r\n\r\n" + p.content + "\r\n";
  }
  body += "--" + boundary + "--\r\n";
  return body;
}

// POSTs `body` with Transfer-Encoding: chunked, one chunk per line (cut after each CRLF), so
// that like aiohttp's stream there are many small chunks, some only 2 bytes ("\r\n").
inline httplib::Result post_chunked(httplib::Client& client, const std::string& path,
                                    const httplib::Headers& headers, std::string body,
                                    const std::string& content_type) {
  auto shared = std::make_shared<std::string>(std::move(body));
  return client.Post(
      path, headers,
      [shared](std::size_t offset, httplib::DataSink& sink) {
        if (offset >= shared->size()) {
          sink.done();
          return true;
        }
        const std::size_t eol = shared->find("\r\n", offset);
        const std::size_t end = eol == std::string::npos ? shared->size() : eol + 2;
        sink.write(shared->data() + offset, end - offset);
        return true;
      },
      content_type);
}

inline httplib::Result upload(httplib::Client& client, const std::string& dataset_id,
                              const std::string& token, const std::string& path,
                              const std::string& content, const std::string& mode = "skip",
                              std::vector<Part> extra = {}) {
  const std::string boundary = "93acedb1a94e46f189261c5426ceee52";
  std::vector<Part> parts = {{"type", "file", "", "text/plain; charset=utf-8"},
                             {"path", path, "", "text/plain; charset=utf-8"}};
  for (Part& p : extra) parts.push_back(std::move(p));
  std::string name = path.substr(path.rfind('/') + 1);
  parts.push_back({"file", content, percent_encode(name), "application/json"});
  return post_chunked(client, "/api/v1/datasets/" + dataset_id + "/items?mode=" + mode,
                      {{"authorization", "Bearer " + token}}, multipart_body(boundary, parts),
                      "multipart/form-data; boundary=" + boundary);
}

}  // namespace dlexport::emulator::wire_test
