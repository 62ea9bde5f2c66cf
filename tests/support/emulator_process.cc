#include "tests/support/emulator_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <thread>

#include "tests/support/paths.h"

namespace dlexport::testing {
namespace {

constexpr std::string_view kListening = "listening on http://127.0.0.1:";

pid_t spawn(const std::vector<std::string>& args, int* stdout_fd) {
  int fds[2];
  if (::pipe(fds) != 0) return -1;
  const std::string binary = emulator_binary().string();
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(binary.c_str()));
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(fds[1], STDOUT_FILENO);
    ::close(fds[0]);
    ::close(fds[1]);
    // Undo any signal mask the test process set, so SIGTERM reaches the child's sigwait.
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(fds[1]);
  if (pid < 0) {
    ::close(fds[0]);
    return -1;
  }
  *stdout_fd = fds[0];
  return pid;
}

// Reads one line (without "\n") within the deadline; false on EOF or timeout.
bool read_line(int fd, std::string* line, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  line->clear();
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
    char c = 0;
    const ssize_t n = ::read(fd, &c, 1);
    if (n <= 0) return false;
    if (c == '\n') return true;
    line->push_back(c);
  }
}

int wait_for(pid_t pid, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  int status = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) return status;
    if (r < 0) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ::kill(pid, SIGKILL);
  ::waitpid(pid, &status, 0);
  return -1;
}

}  // namespace

std::filesystem::path emulator_binary() { return bin_dir() / "dlexport-emulator"; }

std::unique_ptr<EmulatorProcess> EmulatorProcess::start(const std::vector<std::string>& extra,
                                                        std::string* error) {
  if (!std::filesystem::exists(emulator_binary())) {
    *error = "missing " + emulator_binary().string() + " (build target dlexport-emulator)";
    return nullptr;
  }
  std::unique_ptr<EmulatorProcess> p(new EmulatorProcess());
  p->storage_root_ = make_temp_dir("dlx-emu");
  std::vector<std::string> args = {"serve", "--listen", "127.0.0.1:0", "--storage-root",
                                   p->storage_root_.string()};
  args.insert(args.end(), extra.begin(), extra.end());
  p->pid_ = spawn(args, &p->stdout_fd_);
  if (p->pid_ < 0) {
    *error = "cannot start the emulator";
    return nullptr;
  }
  std::string line;
  if (!read_line(p->stdout_fd_, &line, std::chrono::seconds(10)) ||
      line.rfind(kListening, 0) != 0) {
    *error = "emulator did not print the listening line (got '" + line + "')";
    return nullptr;  // the destructor stops the child
  }
  p->listening_line_ = line;
  p->port_ = std::stoi(line.substr(kListening.size()));
  return p;
}

EmulatorProcess::~EmulatorProcess() {
  if (pid_ > 0) stop(SIGTERM);
  if (stdout_fd_ >= 0) ::close(stdout_fd_);
  if (!storage_root_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(storage_root_, ec);
  }
}

std::string EmulatorProcess::gate_url() const {
  return "http://127.0.0.1:" + std::to_string(port_);
}
std::string EmulatorProcess::api_base_url() const { return gate_url() + "/api/v1"; }

int EmulatorProcess::stop(int signal) {
  if (pid_ <= 0) return -1;
  ::kill(pid_, signal);
  const int status = wait_for(pid_, std::chrono::seconds(10));
  pid_ = -1;
  return status;
}

CommandOutput run_emulator_command(const std::vector<std::string>& args) {
  CommandOutput result;
  int fd = -1;
  const pid_t pid = spawn(args, &fd);
  if (pid < 0) return result;
  char buf[4096];
  ssize_t n = 0;
  while ((n = ::read(fd, buf, sizeof(buf))) > 0) result.out.append(buf, static_cast<size_t>(n));
  ::close(fd);
  int status = 0;
  ::waitpid(pid, &status, 0);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

}  // namespace dlexport::testing
