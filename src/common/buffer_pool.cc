#include "common/buffer_pool.h"

namespace dlexport {
namespace {

// Buffers below this are ordinary allocations; recycling them would only pin memory.
constexpr std::size_t kRecycledMin = 256 << 10;
// Nor is a buffer kept beyond this: one odd huge answer must not stay resident for the run.
constexpr std::size_t kRecycledMax = 32 << 20;

std::string& spare_buffer() {
  thread_local std::string spare;
  return spare;
}

}  // namespace

void recycle_buffer(std::string buffer) {
  // Sizes first: small buffers (static documents destroyed at exit among them) never touch the
  // thread-local, which may already be gone then.
  if (buffer.capacity() < kRecycledMin || buffer.capacity() > kRecycledMax) return;
  std::string& spare = spare_buffer();
  if (buffer.capacity() <= spare.capacity()) return;
  buffer.clear();
  spare = std::move(buffer);
}

std::string take_buffer(std::size_t size) {
  std::string buffer;
  if (size >= kRecycledMin && spare_buffer().capacity() >= size) buffer.swap(spare_buffer());
  buffer.reserve(size);
  return buffer;
}

}  // namespace dlexport
