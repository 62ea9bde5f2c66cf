// Encoding cost per item: one image item with 10 annotations (the realistic mix of golden case
// 013-image: boxes, polylines, segment, ellipse, point, class, with named attributes), for each
// format, from JsonDoc nodes as the export encodes them. Target for `dataloop`: under 20 us per
// item. BM_EncodeDataloop10_FromJson adds the copy of Json values into a document (the path of
// `dlexport format` and the tests).

#include <benchmark/benchmark.h>

#include "bench/support/golden_input.h"
#include "common/json_doc.h"
#include "format/format.h"
#include "format/python_json.h"

namespace {

using dlexport::Json;

struct Input {
  Json item;
  std::vector<Json> annotations;
  // The same as document nodes (what the export encodes from).
  std::shared_ptr<const dlexport::JsonDoc> item_doc;
  std::shared_ptr<const dlexport::JsonDoc> annotations_doc;
  std::vector<const dlexport::JsonNode*> annotation_nodes;
};

const Input& input() {
  static const Input kInput = [] {
    Input in;
    in.item = dlexport::bench::load_golden("item.json");
    const Json all = dlexport::bench::load_golden("annotations.json");
    // Exactly 10 exportable annotations, cycling through the case's own mix.
    while (in.annotations.size() < 10) {
      for (const auto& a : all) {
        if (in.annotations.size() < 10) in.annotations.push_back(a);
      }
    }
    in.item_doc = dlexport::JsonDoc::from_json(in.item);
    in.annotations_doc = dlexport::JsonDoc::from_json(Json(in.annotations));
    for (const auto& a : in.annotations_doc->root().children()) in.annotation_nodes.push_back(&a);
    return in;
  }();
  return kInput;
}

void encode(benchmark::State& state, const char* name, bool pretty) {
  auto format = dlexport::format::make_format(name, {.pretty = pretty});
  const Input& in = input();
  std::size_t bytes = 0;
  for (auto _ : state) {
    auto result = (*format)->encode(in.item_doc->root(), in.annotation_nodes);
    bytes += result->bytes.size();
    benchmark::DoNotOptimize(result);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
  state.SetItemsProcessed(state.iterations());
}

void BM_EncodeDataloop10(benchmark::State& state) { encode(state, "dataloop", false); }

void BM_EncodeDataloop10_FromJson(benchmark::State& state) {
  auto format = dlexport::format::make_format("dataloop");
  const Input& in = input();
  for (auto _ : state) {
    auto result = (*format)->encode(in.item, in.annotations);
    benchmark::DoNotOptimize(result);
  }
  state.SetItemsProcessed(state.iterations());
}
void BM_EncodeRaw10(benchmark::State& state) { encode(state, "raw", false); }
void BM_EncodeRawPretty10(benchmark::State& state) { encode(state, "raw", true); }

void BM_ParseItemAndAnnotations(benchmark::State& state) {
  const std::string item = dlexport::format::dump_python(input().item);
  const std::string annotations = dlexport::format::dump_python(Json(input().annotations));
  for (auto _ : state) {
    auto a = dlexport::format::parse_json(item, "item");
    auto b = dlexport::format::parse_json(annotations, "annotations");
    benchmark::DoNotOptimize(a);
    benchmark::DoNotOptimize(b);
  }
  state.SetItemsProcessed(state.iterations());
}

BENCHMARK(BM_EncodeDataloop10)->Unit(benchmark::kMicrosecond);
// A fixed iteration count for instruction counting, which is stable on a loaded machine:
//   valgrind --tool=callgrind --toggle-collect='*Format::encode*'
//            build-release/bench/format_bench --benchmark_filter=Fixed
// then Ir (callgrind_annotate's PROGRAM TOTALS) / 100 is the instructions per encode.
BENCHMARK(BM_EncodeDataloop10)->Name("BM_EncodeDataloop10_Fixed")->Iterations(100);
BENCHMARK(BM_EncodeDataloop10_FromJson)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_EncodeRaw10)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_EncodeRawPretty10)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_ParseItemAndAnnotations)->Unit(benchmark::kMicrosecond);

void BM_ParseItemAndAnnotationsDoc(benchmark::State& state) {
  const std::string item = dlexport::format::dump_python(input().item);
  const std::string annotations = dlexport::format::dump_python(Json(input().annotations));
  for (auto _ : state) {
    auto a = dlexport::JsonDoc::parse(item, "item");
    auto b = dlexport::JsonDoc::parse(annotations, "annotations");
    benchmark::DoNotOptimize(a);
    benchmark::DoNotOptimize(b);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ParseItemAndAnnotationsDoc)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
