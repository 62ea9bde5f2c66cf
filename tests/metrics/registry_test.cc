#include "metrics/registry.h"

#include <gtest/gtest.h>

#include <map>
#include <sstream>
#include <thread>

namespace dlexport::metrics {
namespace {

// One parsed sample line: name, labels (unescaped), value text.
struct Sample {
  std::string name;
  std::map<std::string, std::string> labels;
  std::string value;
};

// A strict reader of the 0.0.4 text format: every family starts with HELP then TYPE, every
// sample belongs to the last TYPE'd family, label values are quoted with \\ \" \n escapes only.
struct Exposition {
  std::map<std::string, std::string> help, type;
  std::vector<Sample> samples;
  std::string error;

  const Sample* find(const std::string& name,
                     const std::map<std::string, std::string>& labels) const {
    for (const Sample& s : samples) {
      if (s.name == name && s.labels == labels) return &s;
    }
    return nullptr;
  }
};

Exposition parse(const std::string& text) {
  Exposition out;
  std::istringstream in(text);
  std::string line, family;
  if (!text.empty() && text.back() != '\n') out.error = "no final newline";
  while (std::getline(in, line)) {
    if (line.rfind("# HELP ", 0) == 0) {
      const auto rest = line.substr(7);
      family = rest.substr(0, rest.find(' '));
      out.help[family] = rest.substr(family.size() + 1);
      continue;
    }
    if (line.rfind("# TYPE ", 0) == 0) {
      const auto rest = line.substr(7);
      const auto name = rest.substr(0, rest.find(' '));
      if (name != family) out.error = "TYPE without HELP for " + name;
      out.type[name] = rest.substr(name.size() + 1);
      continue;
    }
    Sample sample;
    std::size_t i = 0;
    while (i < line.size() && line[i] != '{' && line[i] != ' ') sample.name += line[i++];
    if (sample.name.rfind(family, 0) != 0) out.error = "sample outside its family: " + line;
    if (i < line.size() && line[i] == '{') {
      ++i;
      while (i < line.size() && line[i] != '}') {
        std::string key;
        while (i < line.size() && line[i] != '=') key += line[i++];
        if (line.substr(i, 2) != "=\"") {
          out.error = "bad label in " + line;
          break;
        }
        i += 2;
        std::string value;
        while (i < line.size() && line[i] != '"') {
          if (line[i] == '\\') {
            const char next = line[i + 1];
            if (next == 'n') {
              value += '\n';
            } else if (next == '\\' || next == '"') {
              value += next;
            } else {
              out.error = "bad escape in " + line;
            }
            i += 2;
          } else {
            value += line[i++];
          }
        }
        ++i;  // closing quote
        sample.labels[key] = value;
        if (i < line.size() && line[i] == ',') ++i;
      }
      ++i;  // '}'
    }
    if (i >= line.size() || line[i] != ' ') {
      out.error = "no value in " + line;
      continue;
    }
    sample.value = line.substr(i + 1);
    out.samples.push_back(sample);
  }
  return out;
}

TEST(RegistryTest, CountersAndGaugesWithLabels) {
  Registry registry;
  auto& exports = registry.counter("dlexport_exports_total", "Exports by outcome.", {"outcome"});
  exports.with({"ok"}).inc();
  exports.with({"ok"}).inc(2);
  exports.with({"dead_letter"}).inc();
  registry.gauge("dlexport_queue_depth", "Jobs waiting.").with({}).set(42);
  registry.counter("dlexport_uploaded_bytes_total", "Bytes.").with({}).inc(1234567);

  const Exposition e = parse(registry.expose());
  ASSERT_EQ(e.error, "");
  EXPECT_EQ(e.type.at("dlexport_exports_total"), "counter");
  EXPECT_EQ(e.type.at("dlexport_queue_depth"), "gauge");
  EXPECT_EQ(e.help.at("dlexport_exports_total"), "Exports by outcome.");
  EXPECT_EQ(e.find("dlexport_exports_total", {{"outcome", "ok"}})->value, "3");
  EXPECT_EQ(e.find("dlexport_exports_total", {{"outcome", "dead_letter"}})->value, "1");
  EXPECT_EQ(e.find("dlexport_queue_depth", {})->value, "42");
  EXPECT_EQ(e.find("dlexport_uploaded_bytes_total", {})->value, "1234567");
}

TEST(RegistryTest, ExactTextForASmallRegistry) {
  Registry registry;
  registry.counter("b_total", "Second.", {"x", "y"}).with({"1", "2"}).inc(0.5);
  registry.gauge("a", "First \\ with\nnewline.").with({}).set(-1);
  EXPECT_EQ(registry.expose(),
            "# HELP a First \\\\ with\\nnewline.\n"
            "# TYPE a gauge\n"
            "a -1\n"
            "# HELP b_total Second.\n"
            "# TYPE b_total counter\n"
            "b_total{x=\"1\",y=\"2\"} 0.5\n");
}

TEST(RegistryTest, LabelValuesAreEscaped) {
  Registry registry;
  registry.counter("odd_total", "Odd labels.", {"v"}).with({"a\"b\\c\nd"}).inc();
  const std::string text = registry.expose();
  EXPECT_NE(text.find(R"(odd_total{v="a\"b\\c\nd"} 1)"), std::string::npos) << text;
  const Exposition e = parse(text);
  ASSERT_EQ(e.error, "");
  EXPECT_NE(e.find("odd_total", {{"v", "a\"b\\c\nd"}}), nullptr);
}

TEST(RegistryTest, HistogramBucketsAreCumulativeWithSumAndCount) {
  Registry registry;
  auto& latency = registry.histogram("dlexport_http_request_duration_seconds", "Latency.",
                                     {"endpoint"}, {0.1, 0.5, 1});
  auto& h = latency.with({"/v1/exports"});
  for (double v : {0.05, 0.1, 0.3, 0.7, 2.0}) h.observe(v);

  const Exposition e = parse(registry.expose());
  ASSERT_EQ(e.error, "");
  EXPECT_EQ(e.type.at("dlexport_http_request_duration_seconds"), "histogram");
  const std::string name = "dlexport_http_request_duration_seconds";
  auto bucket = [&](const std::string& le) {
    const Sample* s = e.find(name + "_bucket", {{"endpoint", "/v1/exports"}, {"le", le}});
    return s ? s->value : "missing";
  };
  EXPECT_EQ(bucket("0.1"), "2") << "le is inclusive";
  EXPECT_EQ(bucket("0.5"), "3");
  EXPECT_EQ(bucket("1"), "4");
  EXPECT_EQ(bucket("+Inf"), "5");
  EXPECT_EQ(e.find(name + "_count", {{"endpoint", "/v1/exports"}})->value, "5");
  EXPECT_DOUBLE_EQ(std::stod(e.find(name + "_sum", {{"endpoint", "/v1/exports"}})->value), 3.15);
}

TEST(RegistryTest, RegisteringAgainReturnsTheSameFamily) {
  Registry registry;
  auto& a = registry.counter("x_total", "X.", {"k"});
  auto& b = registry.counter("x_total", "X.", {"k"});
  EXPECT_EQ(&a, &b);
  EXPECT_EQ(&a.with({"1"}), &b.with({"1"}));
}

TEST(RegistryDeathTest, MisuseIsABug) {
  Registry registry;
  registry.counter("x_total", "X.", {"k"});
  EXPECT_DEATH(registry.gauge("x_total", "X.", {"k"}), "different type");
  EXPECT_DEATH(registry.counter("bad-name", "X."), "invalid metric name");
  EXPECT_DEATH(registry.counter("y_total", "Y.", {"le"}), "invalid label name");
  EXPECT_DEATH(registry.counter("x_total", "X.", {"k"}).with({"1", "2"}), "takes 1 label");
  EXPECT_DEATH(registry.histogram("h", "H.", {}, {1, 1}), "strictly increasing");
}

TEST(RegistryTest, CollectHooksRunBeforeEachExposition) {
  Registry registry;
  auto& depth = registry.gauge("depth", "Depth.", {"target"});
  int calls = 0;
  registry.add_collect_hook([&] {
    ++calls;
    depth.for_each([](const std::vector<std::string>&, Gauge& g) { g.set(0); });
    depth.with({"driver:a"}).set(calls * 10);
  });
  EXPECT_NE(registry.expose().find("depth{target=\"driver:a\"} 10"), std::string::npos);
  EXPECT_NE(registry.expose().find("depth{target=\"driver:a\"} 20"), std::string::npos);
}

TEST(RegistryTest, ValuesFormatLikePrometheus) {
  EXPECT_EQ(format_value(0), "0");
  EXPECT_EQ(format_value(3), "3");
  EXPECT_EQ(format_value(0.25), "0.25");
  EXPECT_EQ(format_value(1e20), "1e+20");
  EXPECT_EQ(format_value(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(format_value(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(format_value(std::numeric_limits<double>::quiet_NaN()), "NaN");
}

TEST(RegistryTest, ConcurrentUpdatesAreNotLost) {
  Registry registry;
  auto& counter = registry.counter("c_total", "C.", {"w"});
  auto& histogram = registry.histogram("h", "H.", {}, {0.5});
  constexpr int kThreads = 4;
  constexpr int kPerThread = 20000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      Counter& c = counter.with({"shared"});
      Histogram& h = histogram.with({});
      for (int i = 0; i < kPerThread; ++i) {
        c.inc();
        h.observe(i % 2 == 0 ? 0.25 : 1.0);
      }
    });
  }
  // Scrapes race with the updates and must stay well-formed.
  for (int i = 0; i < 20; ++i) EXPECT_EQ(parse(registry.expose()).error, "");
  for (auto& t : threads) t.join();
  EXPECT_EQ(counter.with({"shared"}).value(), kThreads * kPerThread);
  const auto counts = histogram.with({}).cumulative_counts();
  EXPECT_EQ(counts[0], static_cast<std::uint64_t>(kThreads * kPerThread / 2));
  EXPECT_EQ(counts[1], static_cast<std::uint64_t>(kThreads * kPerThread));
}

}  // namespace
}  // namespace dlexport::metrics
