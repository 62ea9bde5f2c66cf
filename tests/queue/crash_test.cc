// kill -9 at random moments: a child process enqueues, claims and acks on a queue file while the
// parent SIGKILLs it after a random number of acknowledged enqueues. Every job the child reported
// (after enqueue() returned) must be found again, the file must open cleanly every time, and the
// last process must be able to finish every job.

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <random>
#include <set>

#include "queue/sqlite/sqlite_job_queue.h"
#include "tests/support/paths.h"

namespace dlexport::queue {
namespace {

const Target kTarget = Target::driver("6600000000000000000000d1");

[[noreturn]] void child(const std::string& path, int round, int fd) {
  auto opened = open_sqlite_job_queue({.path = path});
  if (!opened) _exit(3);
  JobQueue& queue = **opened;
  const std::string worker = fmt::format("child-{}", ::getpid());
  for (int i = 0;; ++i) {
    const std::vector<std::string> item{fmt::format("{:08x}{:016x}", round, i)};
    auto ids = queue.enqueue(kTarget, item);
    if (!ids) _exit(4);
    const JobId id = ids->front();
    if (::write(fd, &id, sizeof(id)) != sizeof(id)) _exit(5);
    if (i % 3 == 0) {
      auto batch = queue.claim(worker, 4, std::chrono::minutes(5));
      if (!batch) _exit(6);
      // Ack half; the other half stays leased by a process about to die.
      std::vector<JobId> acks;
      for (std::size_t j = 0; j < batch->jobs.size(); j += 2) acks.push_back(batch->jobs[j].id);
      if (!queue.ack(worker, acks)) _exit(7);
    }
  }
}

TEST(QueueCrashTest, KillNineAtRandomPointsLosesNoJob) {
  const auto dir = dlexport::testing::make_temp_dir("dlx-queue-crash");
  const std::string path = (dir / kQueueFileName).string();
  std::mt19937 random(std::random_device{}());
  std::set<JobId> reported;
  constexpr int kRounds = 6;
  for (int round = 0; round < kRounds; ++round) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(fds[0]);
      child(path, round, fds[1]);
    }
    ::close(fds[1]);
    const int kill_after = std::uniform_int_distribution<int>(20, 400)(random);
    JobId id = 0;
    int seen = 0;
    while (seen < kill_after && ::read(fds[0], &id, sizeof(id)) == sizeof(id)) {
      reported.insert(id);
      ++seen;
    }
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    EXPECT_TRUE(WIFSIGNALED(status)) << "the child died on its own: exit " << WEXITSTATUS(status);
    // Whatever the child wrote before dying was enqueued too.
    while (::read(fds[0], &id, sizeof(id)) == sizeof(id)) reported.insert(id);
    ::close(fds[0]);

    auto queue = open_sqlite_job_queue({.path = path});
    ASSERT_TRUE(queue.has_value()) << "round " << round << ": " << queue.status().to_string();
    for (JobId job : reported) {
      auto status_of = (*queue)->job_status(job);
      ASSERT_TRUE(status_of.has_value()) << "round " << round << ": job " << job << " lost";
      EXPECT_NE(status_of->state, JobState::kDead);
    }
  }
  // The next process, once the dead children's leases have expired, finishes everything.
  FakeClock later(std::chrono::system_clock::now() + std::chrono::minutes(10));
  auto queue = std::move(open_sqlite_job_queue({.path = path}, later)).value();
  for (auto batch = queue->claim("final", 100, std::chrono::minutes(1)).value(); !batch.empty();
       batch = queue->claim("final", 100, std::chrono::minutes(1)).value()) {
    std::vector<JobId> ids;
    for (const Job& job : batch.jobs) ids.push_back(job.id);
    ASSERT_EQ(queue->ack("final", ids).value(), static_cast<int>(ids.size()));
  }
  const QueueStats stats = queue->stats().value();
  EXPECT_EQ(stats.pending + stats.in_flight + stats.dead, 0);
  // A child can be killed between committing an enqueue and reporting its id, so the queue may
  // hold a few jobs the parent never heard of; what matters is that every reported one is done.
  EXPECT_GE(stats.done, static_cast<std::int64_t>(reported.size()));
  EXPECT_LE(stats.done, static_cast<std::int64_t>(reported.size()) + kRounds);
  for (JobId job : reported) EXPECT_EQ(queue->job_status(job).value().state, JobState::kDone);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace dlexport::queue
