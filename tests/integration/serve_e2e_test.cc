// `dlexport serve` as a process against the emulator: items enqueued through the API and the
// webhook end in the bucket with the right bytes although the service is kill -9'd several times;
// and with a fault plan, failures end in the dead-letter table and a redrive after the faults are
// lifted exports them.

#include <fcntl.h>
#include <fmt/format.h>
#include <httplib.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <random>
#include <thread>

#include "format/format.h"
#include "format/path_template.h"
#include "tests/integration/e2e_support.h"

namespace dlexport::testing {
namespace {

const std::string kToken = "e2e-control-token";
const std::string kSecret = "e2e-webhook-secret";

// One `dlexport serve` child; stdout is read for the listening line, stderr goes to a log file.
class ServeProcess {
 public:
  static std::unique_ptr<ServeProcess> start(const std::map<std::string, std::string>& env,
                                             const std::filesystem::path& log) {
    int fds[2];
    if (::pipe(fds) != 0) return nullptr;
    const pid_t pid = ::fork();
    if (pid < 0) return nullptr;
    if (pid == 0) {
      ::dup2(fds[1], STDOUT_FILENO);
      const int err = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      if (err >= 0) ::dup2(err, STDERR_FILENO);
      ::close(fds[0]);
      for (const auto& [k, v] : env) ::setenv(k.c_str(), v.c_str(), 1);
      const std::string bin = (bin_dir() / "dlexport").string();
      ::execl(bin.c_str(), bin.c_str(), "serve", static_cast<char*>(nullptr));
      _exit(127);
    }
    ::close(fds[1]);
    auto process = std::unique_ptr<ServeProcess>(new ServeProcess());
    process->pid_ = pid;
    process->fd_ = fds[0];
    std::string line;
    char c = 0;
    while (::read(fds[0], &c, 1) == 1) {
      if (c != '\n') {
        line += c;
        continue;
      }
      const auto at = line.find("listening on http://127.0.0.1:");
      if (at != std::string::npos) {
        process->port_ = std::stoi(line.substr(at + 30));
        return process;
      }
      line.clear();
    }
    return nullptr;  // exited before listening (the log says why)
  }
  ~ServeProcess() {
    if (pid_ > 0) kill9();
    if (fd_ >= 0) ::close(fd_);
  }
  int port() const { return port_; }
  void kill9() {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  // SIGTERM and the exit code.
  int terminate() {
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

 private:
  ServeProcess() = default;
  pid_t pid_ = -1;
  int fd_ = -1;
  int port_ = 0;
};

class ServeE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(emu_.ok());
    state_ = make_temp_dir("dlx-serve-e2e");
  }
  void TearDown() override {
    serve_.reset();
    std::filesystem::remove_all(state_);
  }

  std::map<std::string, std::string> env(const std::map<std::string, std::string>& extra = {}) {
    std::map<std::string, std::string> e = {{"DLEXPORT_API_URL", emu_.process().api_base_url()},
                                            {"DLEXPORT_API_KEY", emu_.token()},
                                            {"DLEXPORT_STATE_DIR", state_.string()},
                                            {"DLEXPORT_CONTROL_TOKEN", kToken},
                                            {"DLEXPORT_WEBHOOK_SECRET", kSecret},
                                            {"DLEXPORT_LISTEN", "127.0.0.1:0"},
                                            {"DLEXPORT_LEASE_MS", "1000"},
                                            {"DLEXPORT_RETRY_BASE_DELAY_MS", "20"},
                                            {"DLEXPORT_RETRY_MAX_DELAY_MS", "200"},
                                            {"DLEXPORT_BATCH_SIZE", "50"},
                                            {"DLEXPORT_DRAIN_TIMEOUT_MS", "2000"},
                                            {"DLEXPORT_LOG_LEVEL", "warn"}};
    for (const auto& [k, v] : extra) e[k] = v;
    return e;
  }
  void start(const std::map<std::string, std::string>& extra = {}) {
    serve_ = ServeProcess::start(env(extra), state_ / "serve.log");
    ASSERT_NE(serve_, nullptr) << "dlexport serve did not start; see " << state_ / "serve.log";
    client_ = std::make_unique<httplib::Client>("127.0.0.1", serve_->port());
  }

  std::vector<std::string> source_ids() {
    auto platform = app::make_platform(emu_.options(state_ / "probe")).value();
    std::vector<std::string> ids;
    dataloop::ItemPager pager = platform.client->query_items(kSource);
    while (!pager.done()) {
      auto page = pager.next();
      EXPECT_TRUE(page);
      if (!page || page->empty()) break;
      for (const auto& item : *page) ids.push_back(item.id);
    }
    return ids;
  }

  Json status() {
    auto res = client_->Get("/v1/status", {{"Authorization", "Bearer " + kToken}});
    if (!res || res->status != 200) return nullptr;
    return Json::parse(res->body);
  }
  // Polls /v1/status until `done` holds (deadline: a hang guard, not a synchronisation).
  bool wait_status(const std::function<bool(const Json&)>& done) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(4);
    while (std::chrono::steady_clock::now() < deadline) {
      const Json s = status();
      if (!s.is_null() && done(s)) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }

  // Every item of the source dataset is in the bucket with the dataloop format's bytes.
  void expect_bucket_matches(std::size_t expected) {
    EXPECT_EQ(emu_.bucket_files().size(), expected);
    EXPECT_EQ(emu_.expect_bucket_matches_format(state_ / "probe", kSource),
              static_cast<int>(expected));
  }

  httplib::Result post_items(const std::vector<std::string>& ids, bool webhook) {
    if (webhook) {
      Json events = Json::array();
      for (const auto& id : ids) events.push_back({{"resource", "Item"}, {"resourceId", id}});
      return client_->Post(
          (std::string("/v1/hooks/dataloop/") + kSafeDriver + "?secret=" + kSecret).c_str(),
          events.dump(), "application/json");
    }
    return client_->Post("/v1/exports", {{"Authorization", "Bearer " + kToken}},
                         Json{{"driver_id", kSafeDriver}, {"item_ids", ids}}.dump(),
                         "application/json");
  }

  Emu emu_;
  std::filesystem::path state_;
  std::unique_ptr<ServeProcess> serve_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(ServeE2E, KillNineAtRandomPointsLosesNoItem) {
  constexpr int kItems = 2000;
  constexpr std::size_t kChunk = 100;
  emu_.generate(kItems, 2);
  const auto ids = source_ids();
  ASSERT_EQ(ids.size(), static_cast<std::size_t>(kItems));
  start();
  EXPECT_EQ(client_->Get("/readyz")->status, 200) << "queue open and the platform answers";

  std::mt19937 random(std::random_device{}());
  const std::size_t chunks = ids.size() / kChunk;
  std::set<std::size_t> kill_after;
  while (kill_after.size() < 4) {
    kill_after.insert(std::uniform_int_distribution<std::size_t>(0, chunks - 1)(random));
  }
  for (std::size_t c = 0; c < chunks; ++c) {
    std::vector<std::string> chunk(ids.begin() + static_cast<std::ptrdiff_t>(c * kChunk),
                                   ids.begin() + static_cast<std::ptrdiff_t>((c + 1) * kChunk));
    auto res = post_items(chunk, c % 2 == 1);
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 202) << res->body;
    if (kill_after.count(c) > 0) {
      // Let the workers get into the middle of something, then pull the plug.
      std::this_thread::sleep_for(
          std::chrono::milliseconds(std::uniform_int_distribution<int>(0, 400)(random)));
      serve_->kill9();
      start();
    }
  }
  ASSERT_TRUE(wait_status([](const Json& s) {
    return s["queue"]["depth"] == 0 && s["queue"]["in_flight"] == 0;
  })) << status().dump();
  EXPECT_EQ(status()["queue"]["dead_letters"], 0) << status().dump();
  EXPECT_EQ(serve_->terminate(), 0);
  serve_.reset();
  expect_bucket_matches(kItems);
}

TEST_F(ServeE2E, BatchesOfOneDatasetReadTheirItemsWithoutAPerBatchItemRead) {
  // The queue holds item ids only; a batch's items are read by `id $in` in their dataset, which
  // the first batch learns from its first item and later batches reuse.
  constexpr int kItems = 200;  // four batches of 50
  emu_.generate(kItems, 1);
  const auto ids = source_ids();
  ASSERT_EQ(ids.size(), static_cast<std::size_t>(kItems));
  start({{"DLEXPORT_CONCURRENCY", "4"}});  // one worker: batches run one after another
  emu_.admin("POST", "/__admin/stats/reset");
  auto res = post_items(ids, /*webhook=*/false);
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 202) << res->body;
  ASSERT_TRUE(wait_status([](const Json& s) {
    return s["queue"]["depth"] == 0 && s["queue"]["in_flight"] == 0;
  })) << status().dump();
  EXPECT_EQ(status()["queue"]["dead_letters"], 0) << status().dump();
  EXPECT_EQ(emu_.route_count("GET /items/{id}"), 1);
  EXPECT_EQ(emu_.route_count("POST /datasets/{id}/items"), kItems);
  EXPECT_EQ(serve_->terminate(), 0);
  serve_.reset();
  expect_bucket_matches(kItems);
}

TEST_F(ServeE2E, FaultsEndInTheDeadLetterTableAndRedriveSucceedsAfterwards) {
  constexpr int kItems = 30;
  emu_.generate(kItems, 1);
  const auto ids = source_ids();
  emu_.admin("PUT", "/__admin/faults",
             Json{{"rules",
                   Json::array({Json{{"route", "POST /datasets/{id}/items"}, {"status", 503}}})}});
  start({{"DLEXPORT_QUEUE_MAX_ATTEMPTS", "3"}});
  ASSERT_EQ(post_items(ids, false)->status, 202);
  ASSERT_TRUE(wait_status([](const Json& s) {
    return s["queue"]["dead_letters"] == kItems && s["queue"]["depth"] == 0 &&
           s["queue"]["in_flight"] == 0;
  })) << status().dump();
  auto dead = client_->Get("/v1/dead-letters?limit=1", {{"Authorization", "Bearer " + kToken}});
  ASSERT_TRUE(dead);
  const Json first = Json::parse(dead->body)["dead_letters"][0];
  EXPECT_EQ(first["attempts"], 3);
  EXPECT_NE(first["last_error"].get<std::string>().find("503"), std::string::npos) << first.dump();
  EXPECT_TRUE(emu_.bucket_files().empty());

  emu_.admin("DELETE", "/__admin/faults");
  auto redrive = client_->Post("/v1/dead-letters/redrive", {{"Authorization", "Bearer " + kToken}},
                               R"({"all":true})", "application/json");
  ASSERT_EQ(redrive->status, 200) << redrive->body;
  EXPECT_EQ(Json::parse(redrive->body)["redriven"].size(), static_cast<std::size_t>(kItems));
  ASSERT_TRUE(wait_status([](const Json& s) {
    return s["queue"]["dead_letters"] == 0 && s["queue"]["depth"] == 0 &&
           s["queue"]["in_flight"] == 0;
  })) << status().dump();
  EXPECT_EQ(serve_->terminate(), 0);
  serve_.reset();
  expect_bucket_matches(kItems);
}

}  // namespace
}  // namespace dlexport::testing
