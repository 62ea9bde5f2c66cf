#pragma once
// metrics::Registry: counters, gauges and fixed-bucket histograms with labels, exposed in the
// Prometheus text format 0.0.4 at /metrics.
//
// Contract:
// - A family (one metric name) is registered once with its help text and label names; asking
//   again for the same name and type returns the same family, so components can register what
//   they use without a central list. A mismatch (other type, other labels) or an invalid name is
//   a bug and aborts.
// - family.with({values...}) returns the series for those label values, creating it at zero.
//   The returned reference stays valid as long as the registry: hot paths look it up once and
//   keep it. Updating a series is lock-free (atomics); only with() and expose() take a mutex.
// - Label values are ids, routes, outcomes and status-code names only. Never a secret, never
//   free text from a request or an error message (unbounded cardinality and a leak risk).
// - Collect hooks run at the start of every expose(), one at a time, so gauges that mirror
//   another component's state (queue depth) are read only when scraped.
// - Thread-safe; the registry must outlive every component that holds one of its series.

#include <atomic>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace dlexport::metrics {

inline constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

class Counter {
 public:
  void inc(double delta = 1.0) { value_.fetch_add(delta, std::memory_order_relaxed); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

class Gauge {
 public:
  void set(double value) { value_.store(value, std::memory_order_relaxed); }
  void add(double delta) { value_.fetch_add(delta, std::memory_order_relaxed); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

class Histogram {
 public:
  // `bounds`: strictly increasing finite upper bounds; the +Inf bucket is implicit.
  explicit Histogram(const std::vector<double>& bounds);
  void observe(double value);

  const std::vector<double>& bounds() const { return bounds_; }
  // Cumulative counts per bound plus the +Inf bucket last (what `_bucket` shows).
  std::vector<std::uint64_t> cumulative_counts() const;
  double sum() const { return sum_.load(std::memory_order_relaxed); }

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> counts_;  // bounds_.size() + 1, not cumulative
  std::atomic<double> sum_{0.0};
};

enum class Type { kCounter, kGauge, kHistogram };

class FamilyBase {
 public:
  FamilyBase(std::string name, std::string help, Type type, std::vector<std::string> label_names)
      : name_(std::move(name)),
        help_(std::move(help)),
        type_(type),
        label_names_(std::move(label_names)) {}
  virtual ~FamilyBase() = default;
  const std::string& name() const { return name_; }
  Type type() const { return type_; }
  const std::vector<std::string>& label_names() const { return label_names_; }
  // Appends HELP, TYPE and every series.
  void write(std::string& out) const;

 protected:
  virtual void write_series(std::string& out) const = 0;
  void check_arity(std::size_t values) const;

  std::string name_, help_;
  Type type_;
  std::vector<std::string> label_names_;
};

template <typename Metric>
class Family final : public FamilyBase {
 public:
  using Factory = std::function<std::unique_ptr<Metric>()>;
  Family(std::string name, std::string help, Type type, std::vector<std::string> label_names,
         Factory factory)
      : FamilyBase(std::move(name), std::move(help), type, std::move(label_names)),
        factory_(std::move(factory)) {}

  Metric& with(std::initializer_list<std::string_view> values) {
    return with(std::vector<std::string>(values.begin(), values.end()));
  }
  Metric& with(const std::vector<std::string>& values) {
    check_arity(values.size());
    std::lock_guard<std::mutex> lock(mu_);
    auto& slot = series_[values];
    if (!slot) slot = factory_();
    return *slot;
  }
  // Visits every series (label values in label_names order).
  void for_each(const std::function<void(const std::vector<std::string>&, Metric&)>& fn) {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& [values, metric] : series_) fn(values, *metric);
  }

 protected:
  void write_series(std::string& out) const override;

 private:
  Factory factory_;
  mutable std::mutex mu_;
  std::map<std::vector<std::string>, std::unique_ptr<Metric>> series_;  // guarded by mu_
};

template <>
void Family<Counter>::write_series(std::string& out) const;
template <>
void Family<Gauge>::write_series(std::string& out) const;
template <>
void Family<Histogram>::write_series(std::string& out) const;

using CounterFamily = Family<Counter>;
using GaugeFamily = Family<Gauge>;
using HistogramFamily = Family<Histogram>;

class Registry {
 public:
  CounterFamily& counter(const std::string& name, const std::string& help,
                         std::vector<std::string> label_names = {});
  GaugeFamily& gauge(const std::string& name, const std::string& help,
                     std::vector<std::string> label_names = {});
  HistogramFamily& histogram(const std::string& name, const std::string& help,
                             std::vector<std::string> label_names, std::vector<double> bounds);

  void add_collect_hook(std::function<void()> hook);

  // The whole registry in text format 0.0.4, families sorted by name.
  std::string expose() const;

 private:
  FamilyBase* find_locked(const std::string& name, Type type,
                          const std::vector<std::string>& label_names) const;

  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<FamilyBase>> families_;  // guarded by mu_
  std::vector<std::function<void()>> hooks_;                     // guarded by mu_
  mutable std::mutex collect_mu_;  // one expose() runs the hooks at a time
};

// Seconds buckets for request latency: 1 ms .. 60 s.
std::vector<double> latency_buckets();

// Exposition helpers (exposed for tests).
std::string format_value(double value);                  // 1, 0.25, +Inf, -Inf, NaN
std::string escape_label_value(std::string_view value);  // \\, \", \n
std::string escape_help(std::string_view text);          // \\, \n

}  // namespace dlexport::metrics
