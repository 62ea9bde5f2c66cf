#pragma once
// Large buffers reused per thread. A query page is a megabyte of text and several of nodes
// (common/json_doc.h); freshly mapped memory costs a page fault at the first touch of every 4 KiB
// page (about 270 per megabyte), which was a visible share of an export's CPU. A thread done with
// such a buffer hands it back here, and the next large buffer the same thread needs reuses its
// memory. Small buffers are not kept (ordinary allocations are cheap); a thread keeps at most one
// buffer of each kind (the largest, up to a cap), freed when the thread ends. Thread-local, so no
// locking; a buffer recycled on one thread is reused only by that thread.

#include <cstddef>
#include <string>
#include <vector>

namespace dlexport {

// Keeps `buffer` for the calling thread's next take_buffer() when it is large and larger than the
// one kept.
void recycle_buffer(std::string buffer);
// An empty string with room for `size` bytes, reusing the thread's kept buffer when it is large
// enough.
std::string take_buffer(std::size_t size);

// The same for any trivially copyable element type (JsonDoc's nodes).
template <typename T>
class VectorPool {
 public:
  static void recycle(std::vector<T> v) {
    const std::size_t bytes = v.capacity() * sizeof(T);
    if (bytes < kMinBytes || bytes > kMaxBytes) return;  // before touching the thread-local
    std::vector<T>& kept = spare();
    if (v.capacity() <= kept.capacity()) return;
    v.clear();
    kept = std::move(v);
  }
  static std::vector<T> take(std::size_t capacity) {
    std::vector<T> v;
    if (capacity * sizeof(T) >= kMinBytes && spare().capacity() >= capacity) v.swap(spare());
    v.reserve(capacity);
    return v;
  }

 private:
  static constexpr std::size_t kMinBytes = 256 << 10;
  static constexpr std::size_t kMaxBytes = 16 << 20;
  static std::vector<T>& spare() {
    thread_local std::vector<T> kept;
    return kept;
  }
};

}  // namespace dlexport
