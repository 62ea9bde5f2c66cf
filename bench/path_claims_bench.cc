// The export's path-collision index (queue::PathClaims, SQLite): the cost per claimed path for a
// run of N items, claimed in batches of 100 as the export does, with a given page cache. Each
// iteration is a whole run on a fresh index, so "items_per_second" includes the cache misses that
// a run of that length meets; "sqlite_kib" is what SQLite holds at the end of the run (the flat
// memory the index is for).
//
//   build-release/bench/path_claims_bench

#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <vector>

#include "queue/path_claims.h"
#include "queue/sqlite/sqlite_path_claims.h"

namespace dlexport::queue {
namespace {

constexpr std::int64_t kBatch = 100;

void BM_ClaimRun(benchmark::State& state) {
  const std::int64_t items = state.range(0);
  SqlitePathClaimsOptions options;
  options.cache_kib = static_cast<int>(state.range(1));
  std::vector<std::string> ids;
  std::vector<std::string> paths;
  for (std::int64_t i = 0; i < kBatch; ++i) ids.push_back(fmt::format("66{:022x}", i));
  std::vector<PathClaim> batch(static_cast<std::size_t>(kBatch));
  double sqlite_bytes = 0;
  for (auto _ : state) {
    state.PauseTiming();
    auto claims = open_sqlite_path_claims(options);
    if (!claims) {
      state.SkipWithError("open failed");
      break;
    }
    state.ResumeTiming();
    for (std::int64_t start = 0; start < items; start += kBatch) {
      for (std::size_t i = 0; i < batch.size(); ++i) {
        // Hashing a rendered path is part of the cost per item.
        const std::string path = fmt::format("/exports/images/batch-{}/image_{}.json", start, i);
        batch[i] = {path_hash(path), ids[i]};
      }
      auto conflicts = (*claims)->claim(batch);
      if (!conflicts || !conflicts->empty()) state.SkipWithError("claim failed");
    }
    state.PauseTiming();
    sqlite_bytes = static_cast<double>(sqlite3_memory_used());
    claims->reset();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * items);
  state.counters["sqlite_kib"] = sqlite_bytes / 1024;
}
BENCHMARK(BM_ClaimRun)
    ->ArgsProduct({{10'000, 100'000, 1'000'000}, {512, 1024, 2048}})
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1);

}  // namespace
}  // namespace dlexport::queue

BENCHMARK_MAIN();
