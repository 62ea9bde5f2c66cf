#pragma once
// A dlexport subcommand: adds its options to a CLI11 subcommand and runs when selected.
// Each command lives in its own cmd_<name>.cc and is listed once in commands.cc.

#include <CLI/CLI.hpp>
#include <functional>
#include <memory>
#include <string_view>
#include <vector>

namespace dlexport::cli {

// Process exit codes shared by all commands.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  // the operation failed (network, platform, ...)
inline constexpr int kExitUsage = 2;    // bad arguments or unusable input files
inline constexpr int kExitRefused =
    3;  // the target is unsafe or missing (e.g. driver allows delete)

class Command {
 public:
  virtual ~Command() = default;
  virtual std::string_view name() const = 0;
  // Registers options on `sub` (already named and described by the registry).
  virtual void configure(CLI::App& sub) = 0;
  // Runs after parsing; returns the exit code. Writes results to stdout, errors to stderr.
  virtual int run() = 0;
};

struct CommandEntry {
  std::string_view name;
  std::string_view description;
  std::function<std::unique_ptr<Command>()> create;
};

// The explicit list of built-in commands.
const std::vector<CommandEntry>& commands();

std::unique_ptr<Command> make_format_command();
std::unique_ptr<Command> make_export_command();
std::unique_ptr<Command> make_cleanup_command();
std::unique_ptr<Command> make_config_command();
std::unique_ptr<Command> make_dlq_command();
std::unique_ptr<Command> make_serve_command();

}  // namespace dlexport::cli
