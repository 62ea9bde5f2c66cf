// dlexport: the command-line entry point. Subcommands are listed in commands.cc.

#include <iostream>
#include <memory>
#include <vector>

#include "apps/dlexport/cli_support.h"
#include "apps/dlexport/command.h"

int main(int argc, char** argv) {
  using namespace dlexport::cli;
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
