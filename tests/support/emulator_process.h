#pragma once
// EmulatorProcess: runs the built build/bin/dlexport-emulator as a child process for tests that
// need the real binary (CLI, signals) or a server outside the test's address space.
//
// start() launches `serve --listen 127.0.0.1:0 --storage-root <fresh temp dir> <extra args>`,
// reads stdout until the `listening on http://127.0.0.1:<port>` line (10 s limit) and returns;
// the destructor sends SIGTERM and reaps the child (SIGKILL if it does not exit within 10 s).
// Not thread-safe; one object per child.

#include <sys/types.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace dlexport::testing {

class EmulatorProcess {
 public:
  // nullptr (with the reason in *error) when the binary is missing or never says it listens.
  static std::unique_ptr<EmulatorProcess> start(const std::vector<std::string>& extra_args,
                                                std::string* error);
  ~EmulatorProcess();
  EmulatorProcess(const EmulatorProcess&) = delete;
  EmulatorProcess& operator=(const EmulatorProcess&) = delete;

  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  const std::string& listening_line() const { return listening_line_; }
  std::string gate_url() const;      // http://127.0.0.1:<port>
  std::string api_base_url() const;  // http://127.0.0.1:<port>/api/v1
  const std::filesystem::path& storage_root() const { return storage_root_; }

  // Sends `signal` and waits (10 s limit) for the exit; returns the wait status (see
  // WIFEXITED/WEXITSTATUS), or -1 when the child had to be killed.
  int stop(int signal);

 private:
  EmulatorProcess() = default;
  pid_t pid_ = -1;
  int port_ = 0;
  int stdout_fd_ = -1;
  std::string listening_line_;
  std::filesystem::path storage_root_;
};

// Runs `dlexport-emulator <args>` to completion; returns its exit code and stdout.
struct CommandOutput {
  int exit_code = -1;
  std::string out;
};
CommandOutput run_emulator_command(const std::vector<std::string>& args);

std::filesystem::path emulator_binary();

}  // namespace dlexport::testing
