#pragma once
// The libcurl implementation of HttpClient.
//
// Design: a pool of reusable CURL easy handles. A thread borrows a handle for one exchange and
// returns it; each handle keeps its live connections between exchanges (keep-alive), so N
// concurrent workers settle on N warm connections. DNS results and TLS sessions are shared
// between handles through a CURLSH guarded by mutexes. Connections themselves are not shared
// (CURL_LOCK_DATA_CONNECT) because the pooled-handle approach needs no cross-thread connection
// handover and avoids that code path's history of bugs in older libcurl releases.
// TLS verification is always on; HTTP/2 is negotiated only over TLS.
//
// One libcurl behaviour callers should know: when a *reused* keep-alive connection turns out to
// be dead before any response byte arrives, libcurl resends the request once on a fresh
// connection. That is the only resend below this interface; every Dataloop write we make is
// idempotent (overwrite uploads, deletes that tolerate 404), so it is harmless.

#include <cstddef>
#include <memory>

#include "http/http_client.h"

namespace dlexport::http {

struct CurlHttpClientOptions {
  // Idle easy handles kept for reuse; extra handles beyond this are cleaned up on return.
  std::size_t max_idle_handles = 32;
  // Sent as User-Agent.
  std::string user_agent = "dlexport/0.1";
  // Optional latency hook (not owned; must outlive the client).
  RequestObserver* observer = nullptr;
  // CA bundle override (tests with a private CA); empty = system default.
  std::string ca_file;
};

// Creates the client; initialises libcurl globally on first use (thread-safe).
Result<HttpClientPtr> make_curl_http_client(CurlHttpClientOptions options = {});

}  // namespace dlexport::http
