#include "worker/bounded_queue.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace dlexport::worker {
namespace {

TEST(BoundedQueueTest, FifoWithinCapacity) {
  BoundedQueue<int> queue(3);
  EXPECT_EQ(queue.capacity(), 3u);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(queue.push(i));
  EXPECT_EQ(queue.size(), 3u);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(queue.pop(), i);
  EXPECT_EQ(queue.size(), 0u);
}

TEST(BoundedQueueTest, CloseDrainsThenEnds) {
  BoundedQueue<int> queue(2);
  ASSERT_TRUE(queue.push(1));
  ASSERT_TRUE(queue.push(2));
  // Blocked on the full queue (or about to block): close() releases it with false.
  bool pushed = true;
  std::thread producer([&] { pushed = queue.push(3); });
  queue.close();
  producer.join();
  EXPECT_FALSE(pushed);
  EXPECT_FALSE(queue.push(4));
  EXPECT_EQ(queue.pop(), 1);
  EXPECT_EQ(queue.pop(), 2);
  EXPECT_EQ(queue.pop(), std::nullopt);
}

// Producers blocked on a full queue are woken in batches (at half capacity); with several of them
// and producers that finish at different times, none may be left asleep while consumers starve.
// A lost wake-up hangs this test.
TEST(BoundedQueueTest, ManyProducersAndConsumersLoseNothing) {
  for (std::size_t capacity : {1u, 2u, 5u, 64u}) {
    BoundedQueue<std::pair<std::size_t, int>> queue(capacity);
    constexpr std::size_t kProducers = 4;
    std::vector<std::thread> producers;
    for (std::size_t p = 0; p < kProducers; ++p) {
      // Producer p pushes (p + 1) * 500 values: they run out at different times.
      producers.emplace_back([&queue, p] {
        for (int i = 0; i < static_cast<int>(p + 1) * 500; ++i) ASSERT_TRUE(queue.push({p, i}));
      });
    }
    std::vector<std::vector<std::vector<int>>> seen(3, std::vector<std::vector<int>>(kProducers));
    std::vector<std::thread> consumers;
    for (std::size_t c = 0; c < seen.size(); ++c) {
      consumers.emplace_back([&queue, &seen, c] {
        while (auto value = queue.pop()) seen[c][value->first].push_back(value->second);
      });
    }
    for (auto& t : producers) t.join();
    queue.close();
    for (auto& t : consumers) t.join();
    for (std::size_t p = 0; p < kProducers; ++p) {
      std::size_t total = 0;
      for (const auto& by_consumer : seen) {
        // FIFO: each consumer sees one producer's values in push order.
        for (std::size_t i = 1; i < by_consumer[p].size(); ++i) {
          ASSERT_LT(by_consumer[p][i - 1], by_consumer[p][i]);
        }
        total += by_consumer[p].size();
      }
      EXPECT_EQ(total, (p + 1) * 500) << "capacity " << capacity;
    }
  }
}

}  // namespace
}  // namespace dlexport::worker
