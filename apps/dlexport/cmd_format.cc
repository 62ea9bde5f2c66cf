// dlexport format: the export encoder on the command line, for checking a format or a path
// template against files without touching the platform.

#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include "apps/dlexport/command.h"
#include "format/format.h"
#include "format/path_template.h"
#include "format/python_json.h"

namespace dlexport::cli {
namespace {

constexpr const char* kFooter = R"(
Examples:
  # The export file the Python app would write for this item (byte-identical):
  dlexport format --item item.json --annotations annotations.json > out.json

  # The platform's JSON untouched, annotations embedded, indented:
  dlexport format --format raw --pretty --item item.json --annotations annotations.json

  # Where the file would be uploaded (default template "{dir}/{stem}.json"):
  dlexport format --path-template '{dir}/{stem}.json' --item item.json
  dlexport format --path-template '/exports/{dataset_id}/{id}.json' --item item.json

item.json is the platform's item JSON (GET /items/{id}); annotations.json is a JSON array of the
item's raw annotations (all types, ascending id). Placeholders: {dir} {name} {stem} {ext} {id}
{dataset_id}. Output goes to stdout without a trailing newline; warnings go to stderr.
Exit codes: 0 ok, 2 usage or input error.)";

Result<Json> read_json_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return invalid_argument(path + ": cannot open file");
  std::ostringstream text;
  text << in.rdbuf();
  return format::parse_json(text.str(), path);
}

class FormatCommand final : public Command {
 public:
  std::string_view name() const override { return "format"; }

  void configure(CLI::App& sub) override {
    sub.add_option("--format,-f", format_, "Export format: dataloop (default) or raw")
        ->capture_default_str();
    sub.add_flag("--pretty", pretty_, "raw format: indent 2 instead of compact");
    sub.add_option("--item,-i", item_path_, "Platform item JSON file")->required();
    sub.add_option("--annotations,-a", annotations_path_,
                   "JSON array of the item's raw annotations (default: none)");
    sub.add_option("--path-template,-p", path_template_,
                   "Print the object path built from this template instead of the file");
    sub.footer(kFooter);
  }

  int run() override {
    auto item = read_json_file(item_path_);
    if (!item) return fail(item.error().message());
    if (!path_template_.empty()) {
      auto tmpl = format::PathTemplate::parse(path_template_);
      if (!tmpl) return fail(tmpl.error().message());
      auto path = tmpl->render(*item);
      if (!path) return fail(path.error().message());
      std::fwrite(path->data(), 1, path->size(), stdout);
      return kExitOk;
    }
    Json annotations = Json::array();
    if (!annotations_path_.empty()) {
      auto parsed = read_json_file(annotations_path_);
      if (!parsed) return fail(parsed.error().message());
      if (!parsed->is_array()) return fail(annotations_path_ + ": expected a JSON array");
      annotations = std::move(*parsed);
    }
    format::FormatOptions options;
    options.pretty = pretty_;
    auto fmt = format::make_format(format_, options);
    if (!fmt) return fail(fmt.error().message());
    const auto& list = annotations.get_ref<const Json::array_t&>();
    auto encoded = (*fmt)->encode(*item, std::span<const Json>(list.data(), list.size()));
    if (!encoded) return fail(item_path_ + ": " + encoded.error().message());
    for (const auto& warning : encoded->warnings) std::cerr << "warning: " << warning << '\n';
    std::fwrite(encoded->bytes.data(), 1, encoded->bytes.size(), stdout);
    return kExitOk;
  }

 private:
  static int fail(const std::string& message) {
    std::cerr << "dlexport format: " << message << '\n';
    return kExitUsage;
  }

  std::string format_ = "dataloop";
  bool pretty_ = false;
  std::string item_path_;
  std::string annotations_path_;
  std::string path_template_;
};

}  // namespace

std::unique_ptr<Command> make_format_command() { return std::make_unique<FormatCommand>(); }

}  // namespace dlexport::cli
