#include "queue/job_queue.h"

#include <fmt/format.h>

namespace dlexport::queue {

Result<Target> Target::parse(std::string_view key) {
  const auto colon = key.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == key.size()) {
    return invalid_argument(fmt::format("target \"{}\" is not <kind>:<id>", key));
  }
  return Target{std::string(key.substr(0, colon)), std::string(key.substr(colon + 1))};
}

std::string_view job_state_name(JobState state) {
  switch (state) {
    case JobState::kPending:
      return "pending";
    case JobState::kInFlight:
      return "in_flight";
    case JobState::kDone:
      return "done";
    case JobState::kDead:
      return "dead";
  }
  return "unknown";
}

}  // namespace dlexport::queue
