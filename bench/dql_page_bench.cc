// Parsing cost of one DQL query page: 1000 annotations (one batch of 100 items x 10 annotations,
// the page the exporter fetches per batch), about 1.3 MB, built from golden case 013-image's
// realistic mix (polylines, boxes, segment, ellipse, point, class with attributes).
//
//   BM_AnnotationPage_ClientNextDoc  the client's whole path as the exporter takes it: request
//                                 body built, HttpClient::send (an in-memory answer), the page
//                                 parsed into a JsonDoc, envelope check, keyset cursor advanced.
//   BM_AnnotationPage_ClientNext  the same into Json values (PageIterator::next(), for callers
//                                 that want the DOM).
//   BM_AnnotationPage_JsonDoc     JsonDoc::parse of the body alone (the export's parser).
//   BM_AnnotationPage_ParseJson   parse_json of the body alone (the Json DOM parser).
//   BM_AnnotationPage_NlohmannParse  nlohmann's Json::parse of the same body, for comparison.
//   BM_ItemPage_ClientNext        a page of 1000 items through ItemPager (parse_item per item).
//
// Divide the time by 1000 for the cost per annotation (or per item); at 10 annotations per item
// the annotation page is 1/100 of a page per exported item.

#include <benchmark/benchmark.h>

#include <memory>

#include "bench/support/golden_input.h"
#include "common/json_doc.h"
#include "dataloop/client.h"
#include "format/python_json.h"
#include "http/http_client.h"

namespace {

using dlexport::Json;
namespace dataloop = dlexport::dataloop;
namespace http = dlexport::http;

constexpr int kPageSize = 1000;
constexpr const char* kDatasetId = "640ba53a3c35648c15edc213";

// A 24-hex id, unique per (prefix, n).
std::string object_id(unsigned prefix, unsigned n) {
  char buffer[25];
  std::snprintf(buffer, sizeof buffer, "%08x%016x", prefix, n);
  return buffer;
}

struct Pages {
  std::string annotation_page;  // 1000 annotations of 100 items
  std::string item_page;        // 1000 items
  std::vector<std::string> item_ids;
};

const Pages& pages() {
  static const Pages kPages = [] {
    Pages p;
    const Json sample = dlexport::bench::load_golden("annotations.json");
    Json annotations = Json::array();
    for (unsigned i = 0; i < kPageSize; ++i) {
      Json a = sample[i % sample.size()];
      a["id"] = object_id(0x66000001, i);
      a["itemId"] = object_id(0x66000002, i / 10);
      annotations.push_back(std::move(a));
    }
    for (unsigned i = 0; i < kPageSize / 10; ++i) p.item_ids.push_back(object_id(0x66000002, i));
    // hasNextPage false so every iteration is one complete, single-page query.
    p.annotation_page = Json{
        {"totalItemsCount", kPageSize},
        {"items", std::move(annotations)},
        {"totalPagesCount", 1},
        {"hasNextPage",
         false}}.dump();

    const Json item = dlexport::bench::load_golden("item.json");
    Json items = Json::array();
    for (unsigned i = 0; i < kPageSize; ++i) {
      Json copy = item;
      copy["id"] = object_id(0x66000003, i);
      copy["name"] = "image_" + std::to_string(i) + ".jpg";
      copy["filename"] = "/folder/sub/image_" + std::to_string(i) + ".jpg";
      items.push_back(std::move(copy));
    }
    p.item_page = Json{
        {"totalItemsCount", kPageSize},
        {"items", std::move(items)},
        {"totalPagesCount", 1},
        {"hasNextPage",
         false}}.dump();
    return p;
  }();
  return kPages;
}

// Answers every request with the same canned body (copied per call, as a transport would hand
// over a fresh buffer).
class CannedHttpClient final : public http::HttpClient {
 public:
  explicit CannedHttpClient(const std::string& body) : body_(body) {}
  dlexport::Result<http::Response> send(const http::Request&) override {
    http::Response response;
    response.status = 200;
    response.headers.set("Content-Type", "application/json");
    response.body = body_;
    return response;
  }

 private:
  const std::string& body_;
};

// A JWT whose payload is {} (no exp: never renewed, so no token call).
constexpr const char* kToken = "eyJhbGciOiJub25lIn0.e30.c2ln";

std::unique_ptr<dataloop::Client> make_client(const std::string& body) {
  dataloop::ClientOptions options;
  options.api_base_url = "http://127.0.0.1:1/api/v1";
  options.token = kToken;
  return std::make_unique<dataloop::Client>(options, std::make_shared<CannedHttpClient>(body));
}

void BM_AnnotationPage_ClientNext(benchmark::State& state) {
  const Pages& p = pages();
  auto client = make_client(p.annotation_page);
  std::size_t annotations = 0;
  for (auto _ : state) {
    auto iterator =
        client->annotation_pages(kDatasetId, p.item_ids, dataloop::AnnotationTypes::kAll);
    auto page = iterator.next();
    if (!page || page->size() != kPageSize) {
      state.SkipWithError("unexpected page");
      break;
    }
    annotations += page->size();
    benchmark::DoNotOptimize(page);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(annotations));
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(p.annotation_page.size()));
}
BENCHMARK(BM_AnnotationPage_ClientNext)->Unit(benchmark::kMillisecond);

void BM_AnnotationPage_ClientNextDoc(benchmark::State& state) {
  const Pages& p = pages();
  auto client = make_client(p.annotation_page);
  std::size_t annotations = 0;
  for (auto _ : state) {
    auto iterator =
        client->annotation_pages(kDatasetId, p.item_ids, dataloop::AnnotationTypes::kAll);
    auto page = iterator.next_doc();
    if (!page || page->entries->size() != kPageSize) {
      state.SkipWithError("unexpected page");
      break;
    }
    annotations += page->entries->size();
    benchmark::DoNotOptimize(page);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(annotations));
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(p.annotation_page.size()));
}
BENCHMARK(BM_AnnotationPage_ClientNextDoc)->Unit(benchmark::kMillisecond);

void BM_AnnotationPage_JsonDoc(benchmark::State& state) {
  const Pages& p = pages();
  for (auto _ : state) {
    auto doc = dlexport::JsonDoc::parse(p.annotation_page, "page");
    benchmark::DoNotOptimize(doc);
  }
  state.SetItemsProcessed(state.iterations() * kPageSize);
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(p.annotation_page.size()));
}
BENCHMARK(BM_AnnotationPage_JsonDoc)->Unit(benchmark::kMillisecond);

void BM_AnnotationPage_ParseJson(benchmark::State& state) {
  const Pages& p = pages();
  for (auto _ : state) {
    auto json = dlexport::format::parse_json(p.annotation_page, "page");
    benchmark::DoNotOptimize(json);
  }
  state.SetItemsProcessed(state.iterations() * kPageSize);
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(p.annotation_page.size()));
}
BENCHMARK(BM_AnnotationPage_ParseJson)->Unit(benchmark::kMillisecond);

// For comparison: nlohmann's own DOM parser (what the client used before).
void BM_AnnotationPage_NlohmannParse(benchmark::State& state) {
  const Pages& p = pages();
  for (auto _ : state) {
    Json json = Json::parse(p.annotation_page);
    benchmark::DoNotOptimize(json);
  }
  state.SetItemsProcessed(state.iterations() * kPageSize);
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(p.annotation_page.size()));
}
BENCHMARK(BM_AnnotationPage_NlohmannParse)->Unit(benchmark::kMillisecond);

void BM_ItemPage_ClientNext(benchmark::State& state) {
  const Pages& p = pages();
  auto client = make_client(p.item_page);
  std::size_t items = 0;
  for (auto _ : state) {
    dataloop::ItemPager pager = client->query_items(kDatasetId);
    auto page = pager.next();
    if (!page || page->size() != kPageSize) {
      state.SkipWithError("unexpected page");
      break;
    }
    items += page->size();
    benchmark::DoNotOptimize(page);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(items));
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(p.item_page.size()));
}
BENCHMARK(BM_ItemPage_ClientNext)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
