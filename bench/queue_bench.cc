// Claim/ack throughput of the SQLite JobQueue: each iteration enqueues a batch of fresh items,
// claims it and acks it, so "items_per_second" is the sustainable rate of the full job life cycle
// through one queue file. Threads share one queue (one connection, serialised by its mutex).
//
//   build/bench/queue_bench --benchmark_filter=ClaimAck

#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <atomic>
#include <filesystem>
#include <memory>

#include "queue/sqlite/sqlite_job_queue.h"

namespace dlexport::queue {
namespace {

std::unique_ptr<JobQueue> g_queue;
std::filesystem::path g_dir;
std::atomic<std::int64_t> g_next_item{0};

void open_queue(bool on_disk) {
  SqliteJobQueueOptions options;
  if (on_disk) {
    g_dir = std::filesystem::temp_directory_path() / fmt::format("dlx-queue-bench-{}", ::getpid());
    std::filesystem::remove_all(g_dir);
    options.path = (g_dir / kQueueFileName).string();
  } else {
    options.path = ":memory:";
  }
  auto queue = open_sqlite_job_queue(options);
  if (!queue) std::abort();
  g_queue = std::move(queue).value();
}

void close_queue() {
  g_queue.reset();
  if (!g_dir.empty()) std::filesystem::remove_all(g_dir);
  g_dir.clear();
}

void claim_ack(benchmark::State& state, bool on_disk) {
  const int batch = static_cast<int>(state.range(0));
  if (state.thread_index() == 0) open_queue(on_disk);
  const Target target = Target::driver("6600000000000000000000d1");
  const std::string worker = fmt::format("bench-{}", state.thread_index());
  std::vector<std::string> items(static_cast<std::size_t>(batch));
  std::vector<JobId> ids;
  for (auto _ : state) {
    for (auto& item : items) item = fmt::format("{:024x}", g_next_item.fetch_add(1));
    if (!g_queue->enqueue(target, items)) state.SkipWithError("enqueue failed");
    auto claimed = g_queue->claim(worker, batch, std::chrono::seconds(60));
    if (!claimed) state.SkipWithError("claim failed");
    ids.clear();
    for (const Job& job : claimed->jobs) ids.push_back(job.id);
    if (!g_queue->ack(worker, ids)) state.SkipWithError("ack failed");
  }
  state.SetItemsProcessed(state.iterations() * batch);
  if (state.thread_index() == 0) close_queue();
}

void BM_ClaimAckFile(benchmark::State& state) { claim_ack(state, true); }
void BM_ClaimAckMemory(benchmark::State& state) { claim_ack(state, false); }

BENCHMARK(BM_ClaimAckFile)->Arg(1)->Arg(10)->Arg(100)->UseRealTime();
BENCHMARK(BM_ClaimAckFile)->Arg(100)->Threads(4)->UseRealTime();
BENCHMARK(BM_ClaimAckMemory)->Arg(1)->Arg(100)->UseRealTime();

}  // namespace
}  // namespace dlexport::queue

BENCHMARK_MAIN();
