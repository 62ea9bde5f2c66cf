#include "metrics/registry.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace dlexport::metrics {
namespace {

bool valid_metric_name(std::string_view name) {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
    if (!alpha && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

bool valid_label_name(std::string_view name) {
  return valid_metric_name(name) && name.find(':') == std::string_view::npos &&
         name.substr(0, 2) != "__" && name != "le";
}

[[noreturn]] void bug(const std::string& message) {
  std::fprintf(stderr, "metrics: %s\n", message.c_str());
  std::abort();
}

std::string_view type_name(Type type) {
  switch (type) {
    case Type::kCounter:
      return "counter";
    case Type::kGauge:
      return "gauge";
    case Type::kHistogram:
      return "histogram";
  }
  return "untyped";
}

// {a="x",b="y"} with an optional extra label (le) last; "" when there are no labels at all.
std::string label_set(const std::vector<std::string>& names, const std::vector<std::string>& values,
                      std::string_view extra_name = {}, std::string_view extra_value = {}) {
  if (names.empty() && extra_name.empty()) return {};
  std::string out = "{";
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += ',';
    out += names[i];
    out += "=\"";
    out += escape_label_value(values[i]);
    out += '"';
  }
  if (!extra_name.empty()) {
    if (!names.empty()) out += ',';
    out += extra_name;
    out += "=\"";
    out += extra_value;
    out += '"';
  }
  out += '}';
  return out;
}

void write_sample(std::string& out, std::string_view name, const std::string& labels,
                  double value) {
  out += name;
  out += labels;
  out += ' ';
  out += format_value(value);
  out += '\n';
}

}  // namespace

Histogram::Histogram(const std::vector<double>& bounds)
    : bounds_(bounds), counts_(new std::atomic<std::uint64_t>[bounds.size() + 1]) {
  for (std::size_t i = 0; i < bounds_.size(); ++i) {
    if (!std::isfinite(bounds_[i]) || (i > 0 && bounds_[i] <= bounds_[i - 1])) {
      bug("histogram bounds must be finite and strictly increasing");
    }
  }
  for (std::size_t i = 0; i <= bounds_.size(); ++i) counts_[i].store(0);
}

void Histogram::observe(double value) {
  // Bucket i counts values <= bounds_[i] (Prometheus `le` is inclusive).
  const auto it = std::lower_bound(bounds_.begin(), bounds_.end(), value);
  const auto index = static_cast<std::size_t>(it - bounds_.begin());
  counts_[index].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(value, std::memory_order_relaxed);
}

std::vector<std::uint64_t> Histogram::cumulative_counts() const {
  std::vector<std::uint64_t> out(bounds_.size() + 1);
  std::uint64_t running = 0;
  for (std::size_t i = 0; i <= bounds_.size(); ++i) {
    running += counts_[i].load(std::memory_order_relaxed);
    out[i] = running;
  }
  return out;
}

void FamilyBase::check_arity(std::size_t values) const {
  if (values != label_names_.size()) {
    bug(fmt::format("{} takes {} label values, got {}", name_, label_names_.size(), values));
  }
}

void FamilyBase::write(std::string& out) const {
  out += "# HELP ";
  out += name_;
  out += ' ';
  out += escape_help(help_);
  out += "\n# TYPE ";
  out += name_;
  out += ' ';
  out += type_name(type_);
  out += '\n';
  write_series(out);
}

template <>
void Family<Counter>::write_series(std::string& out) const {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [values, metric] : series_) {
    write_sample(out, name_, label_set(label_names_, values), metric->value());
  }
}

template <>
void Family<Gauge>::write_series(std::string& out) const {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [values, metric] : series_) {
    write_sample(out, name_, label_set(label_names_, values), metric->value());
  }
}

template <>
void Family<Histogram>::write_series(std::string& out) const {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [values, metric] : series_) {
    // _count is the +Inf bucket, so the two always agree even while observations race.
    const std::vector<std::uint64_t> counts = metric->cumulative_counts();
    const std::vector<double>& bounds = metric->bounds();
    for (std::size_t i = 0; i < counts.size(); ++i) {
      const std::string le = i < bounds.size() ? format_value(bounds[i]) : "+Inf";
      write_sample(out, name_ + "_bucket", label_set(label_names_, values, "le", le),
                   static_cast<double>(counts[i]));
    }
    write_sample(out, name_ + "_sum", label_set(label_names_, values), metric->sum());
    write_sample(out, name_ + "_count", label_set(label_names_, values),
                 static_cast<double>(counts.back()));
  }
}

FamilyBase* Registry::find_locked(const std::string& name, Type type,
                                  const std::vector<std::string>& label_names) const {
  if (!valid_metric_name(name)) bug(fmt::format("invalid metric name \"{}\"", name));
  for (const auto& label : label_names) {
    if (!valid_label_name(label)) bug(fmt::format("{}: invalid label name \"{}\"", name, label));
  }
  auto it = families_.find(name);
  if (it == families_.end()) return nullptr;
  if (it->second->type() != type || it->second->label_names() != label_names) {
    bug(fmt::format("{} registered twice with different type or labels", name));
  }
  return it->second.get();
}

CounterFamily& Registry::counter(const std::string& name, const std::string& help,
                                 std::vector<std::string> label_names) {
  std::lock_guard<std::mutex> lock(mu_);
  if (auto* found = find_locked(name, Type::kCounter, label_names)) {
    return static_cast<CounterFamily&>(*found);
  }
  auto family = std::make_unique<CounterFamily>(name, help, Type::kCounter, std::move(label_names),
                                                [] { return std::make_unique<Counter>(); });
  auto& ref = *family;
  families_.emplace(name, std::move(family));
  return ref;
}

GaugeFamily& Registry::gauge(const std::string& name, const std::string& help,
                             std::vector<std::string> label_names) {
  std::lock_guard<std::mutex> lock(mu_);
  if (auto* found = find_locked(name, Type::kGauge, label_names)) {
    return static_cast<GaugeFamily&>(*found);
  }
  auto family = std::make_unique<GaugeFamily>(name, help, Type::kGauge, std::move(label_names),
                                              [] { return std::make_unique<Gauge>(); });
  auto& ref = *family;
  families_.emplace(name, std::move(family));
  return ref;
}

HistogramFamily& Registry::histogram(const std::string& name, const std::string& help,
                                     std::vector<std::string> label_names,
                                     std::vector<double> bounds) {
  std::lock_guard<std::mutex> lock(mu_);
  if (auto* found = find_locked(name, Type::kHistogram, label_names)) {
    return static_cast<HistogramFamily&>(*found);
  }
  // Validate the bounds now, not at the first observation.
  Histogram probe(bounds);
  auto family = std::make_unique<HistogramFamily>(
      name, help, Type::kHistogram, std::move(label_names),
      [bounds = std::move(bounds)] { return std::make_unique<Histogram>(bounds); });
  auto& ref = *family;
  families_.emplace(name, std::move(family));
  return ref;
}

void Registry::add_collect_hook(std::function<void()> hook) {
  std::lock_guard<std::mutex> lock(mu_);
  hooks_.push_back(std::move(hook));
}

std::string Registry::expose() const {
  std::lock_guard<std::mutex> collect(collect_mu_);
  std::vector<std::function<void()>> hooks;
  {
    std::lock_guard<std::mutex> lock(mu_);
    hooks = hooks_;
  }
  // Outside mu_: a hook may register families or look up series.
  for (const auto& hook : hooks) hook();
  std::string out;
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [name, family] : families_) family->write(out);
  return out;
}

std::vector<double> latency_buckets() {
  return {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
}

std::string format_value(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  // Integral values (counts, bytes) print without an exponent up to 2^53.
  if (value == std::floor(value) && std::fabs(value) < 9007199254740992.0) {
    return fmt::format("{}", static_cast<std::int64_t>(value));
  }
  return fmt::format("{}", value);
}

std::string escape_label_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string escape_help(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace dlexport::metrics
