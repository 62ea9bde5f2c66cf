#include "common/buffer_pool.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <thread>

namespace dlexport {
namespace {

TEST(BufferPool, ALargeBufferIsReusedByTheSameThread) {
  std::string big;
  big.reserve(1 << 20);
  big.assign(1000, 'x');
  const char* memory = big.data();
  recycle_buffer(std::move(big));
  std::string again = take_buffer(512 << 10);
  EXPECT_EQ(again.data(), memory);
  EXPECT_TRUE(again.empty());
  EXPECT_GE(again.capacity(), std::size_t{512 << 10});
  // Taken: the next request gets fresh memory.
  std::string other = take_buffer(512 << 10);
  EXPECT_NE(other.data(), memory);
}

TEST(BufferPool, SmallHugeAndForeignBuffersAreNotKept) {
  // Judged by capacity: a freed buffer's address may well come back from malloc.
  std::string small(100, 'x');
  recycle_buffer(std::move(small));
  std::string huge;
  huge.reserve(64 << 20);
  recycle_buffer(std::move(huge));
  EXPECT_LT(take_buffer(300 << 10).capacity(), std::size_t{1} << 20);

  // Kept by another thread: not handed out here.
  std::thread([] {
    std::string b;
    b.reserve(2 << 20);
    recycle_buffer(std::move(b));
  }).join();
  EXPECT_LT(take_buffer(300 << 10).capacity(), std::size_t{1} << 20);
}

TEST(BufferPool, VectorsAreReusedLikeStrings) {
  std::vector<std::uint64_t> v;
  v.reserve(100000);  // 800 KB
  v.push_back(7);
  const std::uint64_t* memory = v.data();
  VectorPool<std::uint64_t>::recycle(std::move(v));
  auto again = VectorPool<std::uint64_t>::take(50000);
  EXPECT_EQ(again.data(), memory);
  EXPECT_TRUE(again.empty());
  auto small = VectorPool<std::uint64_t>::take(10);  // below the pool's floor: a plain vector
  EXPECT_GE(small.capacity(), 10u);
}

}  // namespace
}  // namespace dlexport
