// dlexport: the command-line entry point. Subcommands are listed in commands.cc.

#include <iostream>
#include <memory>
#include <vector>

#include "apps/dlexport/cli_support.h"
#include "apps/dlexport/command.h"

#if defined(__GLIBC__)  // defined by the headers above
#include <malloc.h>
#endif

namespace {

// glibc raises its mmap threshold (up to 32 MiB) each time a large block is freed, and its trim
// threshold with it, so after the first listing pages and annotation answers (0.1-2 MB each) such
// buffers come from the per-thread arenas, which then keep megabytes of freed memory each and
// trim rarely: peak RSS is higher and creeps up through a long export. A fixed threshold turns
// the adjustment off (bench/README.md, scenario (c): peak RSS -6.5 MiB at 10k items, CPU within
// the noise). This call overrides GLIBC_TUNABLES and MALLOC_MMAP_THRESHOLD_.
constexpr int kMallocMmapThreshold = 1 << 20;

void tune_malloc() {
#if defined(__GLIBC__)
  mallopt(M_MMAP_THRESHOLD, kMallocMmapThreshold);
#endif
}

}  // namespace

int main(int argc, char** argv) {
  using namespace dlexport::cli;
  tune_malloc();
  CLI::App app{"dlexport: export Dataloop items and annotations to a bucket"};
  app.require_subcommand(1);
  app.footer(std::string(R"(
Start here:
  export DLEXPORT_API_URL=https://gate.dataloop.ai/api/v1 DLEXPORT_API_KEY=$(cat key.jwt)
  dlexport export --driver <DRIVER_ID> --dataset <DATASET_ID>
  dlexport <command> --help      examples, environment and exit codes of each command
)") + kEnvironmentHelp);
  std::vector<std::unique_ptr<Command>> instances;
  std::vector<std::pair<CLI::App*, Command*>> subs;
  for (const auto& entry : commands()) {
    instances.push_back(entry.create());
    CLI::App* sub = app.add_subcommand(std::string(entry.name), std::string(entry.description));
    instances.back()->configure(*sub);
    subs.emplace_back(sub, instances.back().get());
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? kExitOk : kExitUsage;
  }
  for (auto& [sub, command] : subs) {
    if (sub->parsed()) return command->run();
  }
  return kExitUsage;
}
